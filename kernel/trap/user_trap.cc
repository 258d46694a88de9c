/*
 * What happens when a process traps: system calls, page faults, other
 * exceptions, and the checks on the way back to user mode (kill, time
 * slice, floating-point state).
 */
#include "../cpu/cpu.h"
#include "../mm/address_space.h"
#include "../mm/vm_check.h"
#include "../lib/format.h"
#include "../console/printk.h"
#include "../proc/sched.h"
#include "syscall.h"
#include "trap.h"
#include "../proc/proc.h"

namespace {
// The handler's result as it is: each case is a tail call, so the handler
// returns straight to run_syscall (under QEMU every return is a
// translation-block lookup), which converts the result once.
Result<long> dispatch(u64 number, const SyscallArgs& args)
{
    switch (number) {
#define DISPATCH_CASE(num, name) \
    case num:                    \
        return sys_##name(args);
        SYSCALL_LIST(DISPATCH_CASE)
#undef DISPATCH_CASE
    default:
        return Error(ERR_NOSYS);
    }
}

#define SYSCALL_NAME_CASE(num, name) \
    case num:                        \
        return #name;
const char* syscall_name(u64 number)
{
    switch (number) {
        SYSCALL_LIST(SYSCALL_NAME_CASE)
    default:
        return "an unknown system call";
    }
}
#undef SYSCALL_NAME_CASE

// LAB(syscall) begin
// One line per system call of a traced process (docs/labs/syscall.md):
//   [pid 7 echo] write(0x1, 0x1ffb0, 0x3) = 3
// Kept out of line: untraced processes pay one predictable branch.
[[gnu::noinline, gnu::cold]] void print_trace(Proc* p, u64 number, const SyscallArgs& args, long result)
{
    kprintf("[pid %d %s] %s(0x%lx, 0x%lx, 0x%lx) = %ld\n", p->pid, p->name, syscall_name(number), args[0], args[1],
            args[2], result);
}
// LAB(syscall) end

const char* access_name(Access access)
{
    switch (access) {
    case Access::Read: return "load";
    case Access::Write: return "store";
    case Access::Execute: return "instruction fetch";
    }
    return "access";
}
} // namespace

// Calls that neither sleep nor touch user memory and take a few hundred
// instructions run with interrupts off: turning them on and off again would
// cost more than the call (two CSR writes, each ending a QEMU translation
// block). getpid is not here: the trap entry answers it (riscv/trap.S).
static bool is_tiny_syscall(u64 number)
{
    switch (number) {
    case SYS_getppid:
    case SYS_uptime:
    case SYS_clock_ns:
        return true;
    default:
        return false;
    }
}

// The bodies of handle_syscall and prepare_user_return, inlined into
// user_syscall: under QEMU every function return is a translation-block
// lookup, and this is the path every system call takes.
[[gnu::always_inline]] static inline void run_syscall(TrapFrame* frame)
{
    u64 number = frame->syscall_number();
    bool tiny = is_tiny_syscall(number);
    if (!tiny)
        arch::irq_enable();
    Proc* p = current_proc();
    p->syscall_count.fetch_add(1, MemoryOrder::Relaxed);
    SyscallArgs args{{frame->syscall_arg(0), frame->syscall_arg(1), frame->syscall_arg(2), frame->syscall_arg(3),
                      frame->syscall_arg(4), frame->syscall_arg(5)}};
    // The one place where a handler's Result becomes what user space sees:
    // the value or the negative ERR_* code. exec replaces the whole frame
    // and reports argc through its result.
    long result = syscall_return(dispatch(number, args));
    frame->set_syscall_return(result);
    // LAB(syscall) begin
    if (__builtin_expect(p->traced, false))
        print_trace(p, number, args, result);
    // LAB(syscall) end
    if (vm_check_enabled() && !tiny)
        vm_check_current(syscall_name(number), args[0]);
    if (!tiny)
        arch::irq_disable();
}

void handle_syscall(TrapFrame* frame) { run_syscall(frame); }

void handle_user_page_fault(TrapFrame* frame, vaddr_t address, Access access)
{
    Proc* p = current_proc();
    p->page_fault_count.fetch_add(1, MemoryOrder::Relaxed);
    auto r = p->address_space->handle_fault(address, access);
    if (r.ok()) {
        if (vm_check_enabled())
            vm_check_current("a page fault", address);
        return;
    }
    char cause[64];
    if (r.error_code() == ERR_RANGE)
        snprintf_k(cause, sizeof cause, "%s past the end of the mapped file or region", access_name(access));
    else
        snprintf_k(cause, sizeof cause, "%s %s", r.error_code() == ERR_NOMEM ? "out of memory on" : "bad",
                   access_name(access));
    kprintf("pid %d (%s): %s at %p (pc %p), killed\n", p->pid, p->name, cause, reinterpret_cast<void*>(address),
            reinterpret_cast<void*>(frame->pc()));
    do_exit(WSTATUS_KILLED);
}

void handle_user_exception(TrapFrame* frame, const char* description)
{
    Proc* p = current_proc();
    kprintf("pid %d (%s): %s at pc %p (stval %p), killed\n", p->pid, p->name, description,
            reinterpret_cast<void*>(frame->pc()), reinterpret_cast<void*>(frame->trap_value()));
    do_exit(WSTATUS_KILLED);
}

[[gnu::always_inline]] static inline void check_before_return(TrapFrame* frame, bool timer_expired)
{
    Proc* p = current_proc();
    for (;;) {
        // Interrupts are off here; the checks below may turn them on.
        if (current_killed()) {
            arch::irq_enable();
            do_exit(WSTATUS_KILLED);
        }
        if (!(timer_expired && time_slice_expired()))
            break;
        timer_expired = false;
        arch::irq_enable();
        yield();
        arch::irq_disable();
    }
    if (p->fp_needs_restore) {
        arch::fp_restore(&p->fp_state);
        p->fp_needs_restore = false;
    }
    // The frame's saved status already says user mode with interrupts on:
    // it was saved by a trap from user mode or built by init_user_frame.
    (void)frame;
}

void prepare_user_return(TrapFrame* frame, bool timer_expired) { check_before_return(frame, timer_expired); }

// The whole of a system call, from trap.S (interrupts off) back to it
// (interrupts off, ready for sret).
extern "C" void user_syscall(TrapFrame* frame)
{
    frame->skip_syscall_instruction(); // resume after it
    run_syscall(frame);
    check_before_return(frame, false);
}


void maybe_preempt_kernel(bool timer_expired)
{
    // Only between operations: with no spin lock held (the interrupted
    // code had interrupts on) and in a process.
    if (!timer_expired || this_cpu()->irq_off_depth != 0 || !this_cpu()->current)
        return;
    if (time_slice_expired()) {
        arch::irq_enable();
        yield();
        arch::irq_disable();
    }
}
