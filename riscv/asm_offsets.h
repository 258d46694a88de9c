/*
 * Structure offsets shared by the assembly in trap.S and switch.S and the
 * C++ definitions in arch.h, which checks them with static_assert.
 */
#pragma once

/* TrapFrame: x1..x31 at (n-1)*8, then the trap CSRs. */
#define TF_RA 0
#define TF_SP 8
#define TF_GP 16
#define TF_TP 24
#define TF_SEPC 248
#define TF_SSTATUS 256
#define TF_SCAUSE 264
#define TF_STVAL 272
#define TF_SIZE 288 /* keeps the stack 16-byte aligned */

/* Cpu: the first four words are used by the trap entry. */
#define CPU_KERNEL_SP 0
#define CPU_USER_SP 8
#define CPU_SCRATCH 16
#define CPU_ENTRY_SSTATUS 24
#define CPU_CURRENT_PID 32
#define CPU_CURRENT_SYSCALLS 40
