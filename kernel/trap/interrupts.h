/*
 * Interrupts, as the rest of the kernel sees them (interrupts.cc): drivers
 * register a handler for their interrupt source, every hart starts its
 * periodic tick, and a panicking hart stops the others.
 */
#pragma once

#include "../lib/types.h"

// Registers the handler of a device interrupt source and enables the
// source at the interrupt controller.
using IrqHandler = void (*)(void* context);
void irq_register(u32 irq, IrqHandler handler, void* context);

// Arms the calling hart's periodic timer tick (TICK_HZ).
void start_timer_on_this_cpu();

// Sends every other online hart an IPI; after a panic, that stops them.
void kernel_stop_other_harts();
