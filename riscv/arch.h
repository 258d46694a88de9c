/*
 * The interface between the architecture-neutral kernel and RISC-V.
 *
 * kernel/ includes this header and nothing else from riscv/ (except the
 * page-table format in sv39.h, which the VM code drives through the
 * PageTable class). A port to another ISA reimplements what is declared
 * here.
 */
#pragma once

#include "../kernel/lib/types.h"
#include "asm_offsets.h"
#include "csr.h"
#include "memlayout.h"
#include "sv39.h"

struct BoardInfo;

// Registers saved on every trap; x1..x31 then the trap CSRs.
struct TrapFrame {
    u64 ra, sp, gp, tp;
    u64 t0, t1, t2;
    u64 s0, s1;
    u64 a0, a1, a2, a3, a4, a5, a6, a7;
    u64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
    u64 t3, t4, t5, t6;
    u64 sepc, sstatus, scause, stval;
    u64 pad;

    u64 syscall_number() const { return a7; }
    u64 arg(int i) const { return (&a0)[i]; }
    void set_return(long v) { a0 = u64(v); }
    bool from_user() const { return (sstatus & SSTATUS_SPP) == 0; }
};
static_assert(sizeof(TrapFrame) == TF_SIZE);
static_assert(offsetof(TrapFrame, sp) == TF_SP);
static_assert(offsetof(TrapFrame, tp) == TF_TP);
static_assert(offsetof(TrapFrame, sepc) == TF_SEPC);
static_assert(offsetof(TrapFrame, stval) == TF_STVAL);

// Callee-saved registers of a kernel thread, saved by context_switch.
struct Context {
    u64 ra, sp;
    u64 s[12];
};

// User floating-point state, saved when a process is switched out.
struct FpState {
    u64 f[32];
    u64 fcsr;
};

extern "C" void context_switch(Context* from, Context* to);
extern "C" [[noreturn]] void enter_user(TrapFrame* frame);

namespace arch {

// ---- interrupts -------------------------------------------------------
inline bool irq_enabled() { return csr_read(sstatus) & SSTATUS_SIE; }
inline void irq_enable() { csr_set(sstatus, SSTATUS_SIE); }
inline void irq_disable() { csr_clear(sstatus, SSTATUS_SIE); }
inline void wait_for_interrupt() { asm volatile("wfi"); }
inline void cpu_relax() { asm volatile("nop"); }

// ---- per-hart pointer (tp) -------------------------------------------
inline void* cpu_local()
{
    void* p;
    asm volatile("mv %0, tp" : "=r"(p));
    return p;
}
inline void set_cpu_local(void* p) { asm volatile("mv tp, %0" ::"r"(p)); }

// ---- time -------------------------------------------------------------
inline u64 time_now()
{
    u64 t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}
u64 timebase_hz();
// Whole seconds and the remainder are converted apart, so neither product
// overflows for any u64 input at any realistic timebase.
inline u64 ns_to_ticks(u64 ns)
{
    u64 hz = timebase_hz();
    return ns / 1000000000 * hz + (ns % 1000000000) * hz / 1000000000;
}
inline u64 ticks_to_ns(u64 t) { return t / timebase_hz() * 1000000000 + (t % timebase_hz()) * 1000000000 / timebase_hz(); }

// ---- memory ordering and TLB -----------------------------------------
inline void fence() { asm volatile("fence rw, rw" ::: "memory"); }
inline void fence_i() { asm volatile("fence.i" ::: "memory"); }
inline void flush_tlb_all() { asm volatile("sfence.vma" ::: "memory"); }
inline void flush_tlb_page(vaddr_t va) { asm volatile("sfence.vma %0" ::"r"(va) : "memory"); }
// Flushes [va, va + size) from the TLBs of the CPUs in cpu_mask (bit n is
// CPU number n, not a hart id) and waits until they have.
void flush_tlb_remote(u64 cpu_mask, vaddr_t va, u64 size);
// Switches address space. The fence.i is for real cores with their own
// instruction caches (QEMU has none to keep coherent): a page frame may have
// held other code when this hart last ran it, and the new address space may
// map it as code filled on another hart since (see docs/porting.md).
inline void set_page_table(paddr_t root)
{
    csr_write(satp, SATP_MODE_SV39 | (root >> PAGE_SHIFT));
    flush_tlb_all();
    fence_i();
}
// The kernel's own page table (kernel half only).
paddr_t kernel_page_table();
inline paddr_t current_page_table() { return (csr_read(satp) & ((1ul << 44) - 1)) << PAGE_SHIFT; }

// ---- floating point ------------------------------------------------------
void fp_save(FpState* state);
void fp_restore(const FpState* state);
inline bool fp_dirty() { return (csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY; }

// ---- traps --------------------------------------------------------------
void trap_init_hart();
// Sets sstatus.SPP = U and SPIE = 1, as a trap from user mode leaves them.
inline void prepare_sret_to_user()
{
    csr_clear(sstatus, SSTATUS_SPP);
    csr_set(sstatus, SSTATUS_SPIE);
}
// Prepares frame for entering user mode at pc with stack sp.
void init_user_frame(TrapFrame* frame, u64 pc, u64 sp);

// ---- timer, interrupt controller, inter-processor interrupts ----------
void timer_init(const BoardInfo& board);
void timer_init_hart(u32 hart_id);
void timer_set(u64 deadline);
bool timer_uses_sstc();

// Device interrupts (riscv/irqchip.cc: a PLIC, or the AIA's APLIC and
// IMSIC). `cpu` is the dense CPU number of the calling hart.
// irqchip_init returns false if the board has no controller it can drive.
bool irqchip_init(const BoardInfo& board);
// Makes the calling hart take device interrupts; false if it has no
// S-mode route to the controller.
bool irqchip_init_hart(u32 cpu, u32 hart_id);
void irqchip_enable(u32 cpu, u32 irq);
// The next pending device interrupt of the calling hart (0 when none), and
// the end of its handling.
u32 irqchip_claim(u32 cpu);
void irqchip_complete(u32 cpu, u32 irq);

void send_ipi(u32 hart_id);
void clear_ipi();

// ---- harts and power --------------------------------------------------
// Starts a secondary hart at secondary_entry with the given stack top.
bool start_hart(u32 hart_id, u64 stack_top);
void power_init(const BoardInfo& board);
[[noreturn]] void power_off(int exit_code);

// Physical address the kernel image was loaded at.
paddr_t kernel_load_address();
paddr_t kernel_phys(const void* kernel_symbol);

} // namespace arch
