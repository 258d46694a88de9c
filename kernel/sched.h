/*
 * The scheduler's interface to interrupts and boot.
 */
#pragma once

// Called on every timer tick, interrupts off.
void sched_timer_tick();
// Called when another hart sent this one an IPI.
void sched_ipi();
// This hart's scheduler loop; never returns.
[[noreturn]] void scheduler_loop();
