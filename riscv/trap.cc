/*
 * Decoding traps. trap.S saves the registers and calls kernel_trap (trap
 * from S-mode) or user_trap (trap from U-mode); these look at scause and
 * hand the event to the kernel's handlers in kernel/trap/trap.h.
 */
#include "../kernel/trap/trap.h"
#include "../kernel/cpu/cpu.h"
#include "../kernel/console/printk.h"
#include "exception_table.h"
#include "sbi.h"

extern "C" void trap_entry();
extern "C" const ExceptionFixup __ex_table_start[], __ex_table_end[];

namespace {

const char* exception_name(u64 code)
{
    switch (code) {
    case EXC_INST_MISALIGNED: return "instruction address misaligned";
    case EXC_INST_ACCESS: return "instruction access fault";
    case EXC_ILLEGAL_INST: return "illegal instruction";
    case EXC_BREAKPOINT: return "breakpoint";
    case EXC_LOAD_MISALIGNED: return "load address misaligned";
    case EXC_LOAD_ACCESS: return "load access fault";
    case EXC_STORE_MISALIGNED: return "store address misaligned";
    case EXC_STORE_ACCESS: return "store access fault";
    case EXC_ECALL_U: return "ecall from U-mode";
    case EXC_ECALL_S: return "ecall from S-mode";
    case EXC_INST_PAGE_FAULT: return "instruction page fault";
    case EXC_LOAD_PAGE_FAULT: return "load page fault";
    case EXC_STORE_PAGE_FAULT: return "store page fault";
    default: return "unknown exception";
    }
}

bool page_fault_access(u64 code, Access* access)
{
    switch (code) {
    case EXC_LOAD_PAGE_FAULT: *access = Access::Read; return true;
    case EXC_STORE_PAGE_FAULT: *access = Access::Write; return true;
    case EXC_INST_PAGE_FAULT: *access = Access::Execute; return true;
    default: return false;
    }
}

// Handles an interrupt; returns true if it was this hart's timer.
bool handle_interrupt(u64 cause)
{
    switch (cause & ~SCAUSE_INTERRUPT) {
    case IRQ_S_TIMER:
        handle_timer_interrupt();
        // QEMU sizes its software TLB to the working set only when the TLB
        // is flushed; a process that runs for long without a context switch
        // would otherwise keep a TLB too small for its data and run several
        // times slower. On real hardware a flush every tick costs a few
        // hundred refills per 10 ms, nothing measurable.
        arch::flush_tlb_all();
        return true;
    case IRQ_S_EXT: {
        u32 cpu = this_cpu()->id;
        for (u32 irq; (irq = arch::irqchip_claim(cpu)) != 0;) {
            handle_device_interrupt(irq);
            arch::irqchip_complete(cpu, irq);
        }
        return false;
    }
    case IRQ_S_SOFT:
        arch::clear_ipi();
        handle_ipi();
        return false;
    default:
        kprintf("unexpected interrupt %lu\n", cause & ~SCAUSE_INTERRUPT);
        return false;
    }
}

} // namespace

u64 find_exception_fixup(u64 pc)
{
    for (const ExceptionFixup* e = __ex_table_start; e < __ex_table_end; e++)
        if (e->instruction == pc)
            return e->fixup;
    return 0;
}

void arch::trap_init_hart()
{
    csr_write(sscratch, u64(arch::cpu_local())); // see trap.S
    csr_write(stvec, u64(&trap_entry));
    // The kernel may touch user pages at all times (see riscv/uaccess.S).
    csr_set(sstatus, SSTATUS_SUM);
    csr_set(sie, SIE_SEIE | SIE_STIE | SIE_SSIE);
}

extern "C" void kernel_trap(TrapFrame* frame)
{
    u64 cause = frame->scause;
    if (cause & SCAUSE_INTERRUPT) {
        bool timer = handle_interrupt(cause);
        maybe_preempt_kernel(timer);
        return;
    }
    u64 fixup = find_exception_fixup(frame->sepc);
    if (fixup) {
        Access access;
        // A lazy user page is not a bad pointer: fault it in and retry.
        if (page_fault_access(cause, &access) && frame->stval < USER_VA_END) {
            arch::irq_enable(); // resolving the fault may sleep
            bool mapped = handle_kernel_fault_on_user(frame->stval, access);
            arch::irq_disable();
            if (mapped)
                return;
        }
        frame->sepc = fixup;
        return;
    }
    kprintf("\nkernel trap: %s\n  sepc=%p stval=%p scause=%lu hart=%u sstatus=%p\n",
            exception_name(cause), reinterpret_cast<void*>(frame->sepc),
            reinterpret_cast<void*>(frame->stval), cause, this_cpu()->hart_id,
            reinterpret_cast<void*>(frame->sstatus));
    print_backtrace(frame->s0, frame->sepc);
    panic("unexpected kernel trap");
}

extern "C" void user_trap(TrapFrame* frame)
{
    u64 cause = frame->scause;
    bool timer = false;
    Access access;
    if (cause & SCAUSE_INTERRUPT) {
        timer = handle_interrupt(cause);
    } else if (cause == EXC_ECALL_U) {
        user_syscall(frame); // (trap.S normally calls it directly)
        return;
    } else {
        arch::irq_enable();
        if (page_fault_access(cause, &access))
            handle_user_page_fault(frame, frame->stval, access);
        else
            handle_user_exception(frame, exception_name(cause));
        arch::irq_disable();
    }
    prepare_user_return(frame, timer);
}

void arch::init_user_frame(TrapFrame* frame, u64 pc, u64 sp)
{
    *frame = TrapFrame{};
    frame->sepc = pc;
    frame->sp = sp;
    // Return to U-mode with interrupts on; the FPU starts in its initial state.
    frame->sstatus = (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE | SSTATUS_FS)) | SSTATUS_SPIE |
                     SSTATUS_FS_INITIAL;
}
