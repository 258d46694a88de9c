/*
 * The RISC-V bodies of arch.h's inline functions (ARCH_INLINE). Included at
 * the end of arch.h for the kernel; the host unit tests define these
 * functions elsewhere (arch.h says where).
 */
#pragma once

#include "csr.h"

inline bool arch::irq_enabled() { return csr_read(sstatus) & SSTATUS_SIE; }
inline void arch::irq_enable() { csr_set(sstatus, SSTATUS_SIE); }
inline void arch::irq_disable() { csr_clear(sstatus, SSTATUS_SIE); }
inline void arch::wait_for_interrupt() { asm volatile("wfi"); }
inline void arch::cpu_relax() { asm volatile("nop"); }

// The kernel keeps its per-hart pointer in tp (and always in sscratch:
// see trap.S).
inline void* arch::cpu_local()
{
    void* p;
    asm volatile("mv %0, tp" : "=r"(p));
    return p;
}
inline void arch::set_cpu_local(void* p) { asm volatile("mv tp, %0" ::"r"(p)); }

inline u64 arch::stack_pointer()
{
    u64 sp;
    asm volatile("mv %0, sp" : "=r"(sp));
    return sp;
}

inline u64 arch::time_now()
{
    u64 t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

inline void arch::fence() { asm volatile("fence rw, rw" ::: "memory"); }
inline void arch::flush_tlb_all() { asm volatile("sfence.vma" ::: "memory"); }
inline void arch::flush_tlb_page(vaddr_t va) { asm volatile("sfence.vma %0" ::"r"(va) : "memory"); }

// The fence.i is for real cores with their own instruction caches (QEMU
// has none to keep coherent): a page frame may have held other code when
// this hart last ran it, and the new address space may map it as code
// filled on another hart since (see docs/porting.md).
inline void arch::set_page_table(paddr_t root)
{
    csr_write(satp, SATP_MODE_SV39 | (root >> PAGE_SHIFT));
    asm volatile("sfence.vma" ::: "memory");
    asm volatile("fence.i" ::: "memory");
}

inline bool arch::fp_dirty() { return (csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY; }

// sret to user mode needs sstatus.SPP = U and SPIE = 1, as a trap from
// user mode leaves them; a kernel-mode trap of another thread, from which
// this hart may have switched here, left SPP = S, and the return to user
// mode does not rewrite sstatus (trap.S).
inline void arch::after_switch_in()
{
    csr_clear(sstatus, SSTATUS_SPP);
    csr_set(sstatus, SSTATUS_SPIE);
}

// The RISC-V frame layout with frame pointers: the return address at
// fp - 8, the caller's frame pointer at fp - 16. Calls (jal, jalr) are 4
// bytes: the kernel is built without compressed instructions.
inline arch::SavedFrame arch::saved_frame(u64 fp)
{
    const u64* frame = reinterpret_cast<const u64*>(fp);
    return SavedFrame{frame[-1], frame[-2]};
}
inline u64 arch::call_site(u64 return_address) { return return_address - 4; }
