/*
 * Kernel access to user memory. Every load or store of user memory here is
 * listed in __ex_table: a fault the kernel cannot resolve (see kernel_trap)
 * resumes at the routine's fix-up, which reports failure; a fault it can
 * resolve (a lazy page) is retried.
 *
 * The callers (kernel/mm/uaccess.cc) check first that the whole range lies
 * in the user half, so a kernel address never reaches these.
 *
 * sstatus.SUM (S-mode may touch U pages) stays set whenever the kernel
 * runs (trap_init_hart sets it) instead of being raised around each copy:
 * under QEMU every change of SUM flushes the whole emulated TLB, which made
 * each copy cost more than the system call around it. What keeps user
 * pointers safe is the range check and these fix-ups, and every access to
 * user memory goes through this file.
 */

.macro EX insn:vararg
99: \insn
    .pushsection __ex_table, "a"
    .balign 8
    .dword 99b, user_access_fault
    .popsection
.endm

    .text
/* u64 arch_user_copy(void* dst, const void* src, u64 n): 0, or nonzero on a fault. */
    .globl arch_user_copy
arch_user_copy:
    or      t0, a0, a1
    andi    t0, t0, 7
    bnez    t0, 3f                  /* not both aligned: byte loop */
    li      t1, 64
1:  bltu    a2, t1, 2f
    EX ld   t0, 0(a1)
    EX ld   t2, 8(a1)
    EX ld   t3, 16(a1)
    EX ld   t4, 24(a1)
    EX sd   t0, 0(a0)
    EX sd   t2, 8(a0)
    EX sd   t3, 16(a0)
    EX sd   t4, 24(a0)
    EX ld   t0, 32(a1)
    EX ld   t2, 40(a1)
    EX ld   t3, 48(a1)
    EX ld   t4, 56(a1)
    EX sd   t0, 32(a0)
    EX sd   t2, 40(a0)
    EX sd   t3, 48(a0)
    EX sd   t4, 56(a0)
    addi    a0, a0, 64
    addi    a1, a1, 64
    addi    a2, a2, -64
    j       1b
2:  li      t1, 8
21: bltu    a2, t1, 3f
    EX ld   t0, 0(a1)
    EX sd   t0, 0(a0)
    addi    a0, a0, 8
    addi    a1, a1, 8
    addi    a2, a2, -8
    j       21b
3:  beqz    a2, 4f
    EX lb   t0, 0(a1)
    EX sb   t0, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       3b
4:
    li      a0, 0
    ret

/* u64 arch_user_clear(void* dst, u64 n): 0, or nonzero on a fault. */
    .globl arch_user_clear
arch_user_clear:
1:  beqz    a1, 3f
    andi    t0, a0, 7
    bnez    t0, 2f
    li      t1, 8
    bltu    a1, t1, 2f
    EX sd   zero, 0(a0)
    addi    a0, a0, 8
    addi    a1, a1, -8
    j       1b
2:  EX sb   zero, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, -1
    j       1b
3:
    li      a0, 0
    ret

/*
 * long arch_user_strncpy(char* dst, const char* src, u64 max): copies up to
 * and including the NUL; returns the string's length, max if there is no
 * NUL within max bytes, or -1 on a fault.
 */
    .globl arch_user_strncpy
arch_user_strncpy:
    li      t1, 0
1:  beq     t1, a2, 2f
    add     t2, a1, t1
    EX lbu  t0, 0(t2)
    add     t3, a0, t1
    sb      t0, 0(t3)
    beqz    t0, 2f
    addi    t1, t1, 1
    j       1b
2:
    mv      a0, t1
    ret

/* Every fault above that could not be resolved lands here. */
user_access_fault:
    li      a0, -1
    ret

/*
 * long arch_user_cmpxchg32(u32* addr, u32 expected, u32 desired):
 * atomically replaces *addr with desired if it equals expected; returns the
 * value found (zero-extended), or -1 on a fault. addr is 4-byte aligned.
 */
    .globl arch_user_cmpxchg32
arch_user_cmpxchg32:
    sext.w  a1, a1
1:  EX lr.w.aqrl t0, (a0)
    bne     t0, a1, 2f
    EX sc.w.rl t1, a2, (a0)
    bnez    t1, 1b
2:
    slli    a0, t0, 32
    srli    a0, a0, 32
    ret
