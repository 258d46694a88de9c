/*
 * The kernel side of traps: what riscv/trap.cc calls once it has decoded a
 * trap. Interrupt handlers run with interrupts off; exception handlers for
 * user mode run with them on.
 */
#pragma once

#include "../../riscv/arch.h"
#include "../mm/access.h"

// Interrupts.
void handle_timer_interrupt();
void handle_device_interrupt(u32 irq);
void handle_ipi();

// Exceptions from user mode. handle_syscall is entered with interrupts off
// and returns with them off (it turns them on for every call that may take
// time); the others are entered with interrupts on.
void handle_syscall(TrapFrame* frame);
// The whole of a system call, entered from the trap entry (riscv/trap.S)
// with interrupts off and returning with them off, ready to go back.
extern "C" void user_syscall(TrapFrame* frame);
void handle_user_page_fault(TrapFrame* frame, vaddr_t address, Access access);
void handle_user_exception(TrapFrame* frame, const char* description);

// A page fault in the kernel on a user address, inside one of the user-copy
// routines: returns true if the page is now mapped (the copy retries it),
// false if the address is bad (the copy fails with ERR_FAULT).
bool handle_kernel_fault_on_user(vaddr_t address, Access access);

// Called with interrupts off just before a trap returns to user mode; may
// yield the CPU and exits the process if it was killed.
void prepare_user_return(TrapFrame* frame, bool timer_expired);

// Called after a kernel-mode interrupt; yields if the time slice ran out.
void maybe_preempt_kernel(bool timer_expired);
