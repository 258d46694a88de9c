/*
 * The trap vector (stvec, direct mode) and the return to user mode.
 *
 * sscratch always holds this hart's Cpu pointer, and so does tp while the
 * kernel runs; in user mode tp belongs to the program. The first
 * instruction swaps tp and sscratch, so tp is the Cpu pointer either way,
 * and sstatus.SPP then says where the trap came from. A trap from the
 * kernel swapped a value with itself; a trap from user mode must put the
 * Cpu pointer back into sscratch before anything can trap again.
 *
 * Under QEMU every CSR write ends a translation block, so this entry and
 * exit write as few CSRs as they can: a system call costs the swap, the
 * restore of sscratch, and sepc.
 *
 * A trap from user mode saves its frame at the top of the current thread's
 * kernel stack (TrapEntryState.kernel_stack_top, CPU_KERNEL_SP); a trap
 * from the kernel pushes a frame on the stack in use. The kernel is mapped
 * in every address space, so no satp switch is needed either way.
 *
 * Two system calls never get that far (uapi/syscalls.h): getpid and
 * trap_floor are answered by the first instructions, which is all they
 * need, and every other trap pays two compares for that.
 */
#include "asm_offsets.h"
#include "../kernel/uapi/syscalls.h"

#define SSTATUS_SPP (1 << 8)

/* Saves every general register except sp (x2), tp (x4) and t0 (x5). */
.macro SAVE_REGS
    sd      x1, 0(sp)
    sd      x3, 16(sp)
    .irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, (\n-1)*8(sp)
    .endr
.endm

.macro RESTORE_REGS
    ld      x1, 0(sp)
    ld      x3, 16(sp)
    .irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, (\n-1)*8(sp)
    .endr
.endm

/* Leaves scause in t0. sstatus was read on entry (into Cpu.entry_sstatus);
   stval means nothing for a system call, so it is not read then (every
   CSR read is a helper call under QEMU). Uses t1. */
.macro SAVE_CSRS
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    ld      t0, CPU_ENTRY_SSTATUS(tp)
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, TF_SCAUSE(sp)
    li      t1, 8                   /* ecall from U-mode */
    beq     t0, t1, 99f
    csrr    t1, stval
    sd      t1, TF_STVAL(sp)
99:
.endm

    .text
    .balign 4
    .globl trap_entry
trap_entry:
    csrrw   tp, sscratch, tp
    sd      t0, CPU_SCRATCH(tp)
    li      t0, GETPID_SYSCALL
    beq     a7, t0, entry_getpid
    li      t0, TRAP_FLOOR_SYSCALL
    beq     a7, t0, trap_floor
trap_save:
    csrr    t0, sstatus
    sd      t0, CPU_ENTRY_SSTATUS(tp)
    andi    t0, t0, SSTATUS_SPP
    beqz    t0, from_user

    /* From the kernel: tp and sscratch both still hold the Cpu pointer. */
    ld      t0, CPU_SCRATCH(tp)
    addi    sp, sp, -TF_SIZE
    SAVE_REGS
    sd      t0, 32(sp)
    sd      tp, TF_TP(sp)
    addi    t0, sp, TF_SIZE
    sd      t0, TF_SP(sp)
    SAVE_CSRS
    mv      a0, sp
    call    kernel_trap
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_REGS
    /* tp is not restored: if this thread was preempted and resumed on
       another hart, tp already names the new one. */
    ld      sp, TF_SP(sp)
    sret

from_user:
    /* tp = this hart's Cpu, sscratch = the user's tp. */
    sd      sp, CPU_USER_SP(tp)
    ld      sp, CPU_KERNEL_SP(tp)
    addi    sp, sp, -TF_SIZE
    SAVE_REGS
    ld      t0, CPU_SCRATCH(tp)
    sd      t0, 32(sp)
    ld      t0, CPU_USER_SP(tp)
    sd      t0, TF_SP(sp)
    csrrw   t0, sscratch, tp        /* the user's tp out, the Cpu pointer back */
    sd      t0, TF_TP(sp)
    SAVE_CSRS
    mv      a0, sp
    li      fp, 0                   /* backtraces stop at the user boundary */
    /* System calls go straight to their handler: every call and return
       the kernel saves here is a translation-block lookup under QEMU. */
    li      t1, 8                   /* scause: ecall from U-mode */
    bne     t0, t1, 1f
    call    user_syscall
    j       user_return
1:  call    user_trap
    /* fall through: user_trap returns with interrupts off */

/*
 * user_return: sp = the trap frame at the top of the kernel stack.
 * Interrupts must be off until sret. sstatus is not written: the trap from
 * U-mode left SPP = U and SPIE = 1, every nested sret leaves them so, and
 * sched() restores them after a context switch (the hart may have been in
 * a kernel-mode trap of another thread). One CSR write less per trap.
 */
    .globl user_return
user_return:
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    RESTORE_REGS
    ld      tp, TF_TP(sp)
    ld      sp, TF_SP(sp)
    sret

/* enter_user(TrapFrame* frame): first entry of a new program; it takes
   sstatus (U-mode, interrupts on, FPU state) from the frame. */
    .globl enter_user
enter_user:
    mv      sp, a0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    j       user_return

/*
 * The calls the entry answers itself. a7 named one, but only scause can
 * say whether this trap is a system call (an interrupt or a fault may
 * arrive with any a7; cause 8 is an ecall from U-mode, which the kernel
 * never makes). The answer goes in a0, sepc steps over the ecall, and t0,
 * t1 and tp go back as they were, so the program sees a plain system
 * call. Nothing else runs: no trace line and no kill or time-slice check
 * (the timer interrupt does those for a program that loops here).
 */
entry_getpid:
    csrr    t0, scause
    addi    t0, t0, -8
    bnez    t0, trap_save
    /* Count the call in the process's proc_stats, like any other. The
       user's sp slot is free here (sp is not touched): it keeps t1. */
    sd      t1, CPU_USER_SP(tp)
    ld      t0, CPU_CURRENT_SYSCALLS(tp)
    li      t1, 1
    amoadd.d zero, t1, (t0)
    ld      t1, CPU_USER_SP(tp)
    ld      a0, CPU_CURRENT_PID(tp)
    j       entry_answered

/* trap_floor: does nothing, returns 0; its cost is the trap's own. */
trap_floor:
    csrr    t0, scause
    addi    t0, t0, -8
    bnez    t0, trap_save
    li      a0, 0
entry_answered:
    csrr    t0, sepc
    addi    t0, t0, 4
    csrw    sepc, t0
    ld      t0, CPU_SCRATCH(tp)
    csrrw   tp, sscratch, tp
    sret
