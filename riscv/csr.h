/*
 * Control and status registers of the RISC-V supervisor level (privileged
 * specification, chapter "Supervisor-Level ISA") and their bits.
 */
#pragma once

#include "../kernel/lib/types.h"

#define csr_read(csr)                                       \
    ({                                                      \
        u64 _v;                                             \
        asm volatile("csrr %0, " #csr : "=r"(_v)::"memory"); \
        _v;                                                 \
    })
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" ::"rK"(u64(val)) : "memory")
#define csr_set(csr, bits) asm volatile("csrs " #csr ", %0" ::"rK"(u64(bits)) : "memory")
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" ::"rK"(u64(bits)) : "memory")

// sstatus
constexpr u64 SSTATUS_SIE = 1ul << 1;   // interrupts enabled in S-mode
constexpr u64 SSTATUS_SPIE = 1ul << 5;  // SIE before the trap
constexpr u64 SSTATUS_SPP = 1ul << 8;   // trap came from S-mode
constexpr u64 SSTATUS_FS = 3ul << 13;   // floating-point unit state
constexpr u64 SSTATUS_FS_OFF = 0ul << 13;
constexpr u64 SSTATUS_FS_INITIAL = 1ul << 13;
constexpr u64 SSTATUS_FS_CLEAN = 2ul << 13;
constexpr u64 SSTATUS_FS_DIRTY = 3ul << 13;
constexpr u64 SSTATUS_SUM = 1ul << 18;  // S-mode may touch U pages
constexpr u64 SSTATUS_MXR = 1ul << 19;

// sie / sip
constexpr u64 SIE_SSIE = 1ul << 1; // software (IPI)
constexpr u64 SIE_STIE = 1ul << 5; // timer
constexpr u64 SIE_SEIE = 1ul << 9; // external (PLIC)

// scause
constexpr u64 SCAUSE_INTERRUPT = 1ul << 63;
enum : u64 {
    IRQ_S_SOFT = 1,
    IRQ_S_TIMER = 5,
    IRQ_S_EXT = 9,
};
enum : u64 {
    EXC_INST_MISALIGNED = 0,
    EXC_INST_ACCESS = 1,
    EXC_ILLEGAL_INST = 2,
    EXC_BREAKPOINT = 3,
    EXC_LOAD_MISALIGNED = 4,
    EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6,
    EXC_STORE_ACCESS = 7,
    EXC_ECALL_U = 8,
    EXC_ECALL_S = 9,
    EXC_INST_PAGE_FAULT = 12,
    EXC_LOAD_PAGE_FAULT = 13,
    EXC_STORE_PAGE_FAULT = 15,
};

// satp
constexpr u64 SATP_MODE_SV39 = 8ul << 60;
