/*
 * Per-hart state. Harts are numbered densely from 0 (the "CPU number") in
 * the order the kernel brought them up; the hart id the firmware uses may
 * have gaps (the VisionFive 2 never uses hart 0).
 *
 * The running hart's Cpu is its per-hart pointer (arch::cpu_local, one
 * register), so this_cpu() is one register move. It is only meaningful
 * while the caller cannot migrate: with interrupts off or a spin lock held.
 */
#pragma once

#include "../../riscv/arch.h"
#include "../lib/atomic.h"

// Harts the kernel runs on (64-core boards such as the SG2042 exist). Sets
// of CPUs are 64-bit masks indexed by CPU number (AddressSpace's
// loaded-on set, TLB shootdowns), so 64 is also the ceiling.
constexpr int MAX_CPUS = 64;
static_assert(MAX_CPUS <= 64, "CPU sets are u64 masks");
constexpr int MAX_HELD_SPINLOCKS = 16;

struct Proc;
struct AddressSpace;
class Spinlock;

// A line of its own at least: each hart writes its Cpu on every trap and
// every lock it takes (held_ranks), which must not slow its neighbours.
struct alignas(CACHE_LINE_SIZE) Cpu {
    // The trap entry's words (the top of the running thread's kernel
    // stack among them); first, where the entry finds them.
    TrapEntryState trap_entry;

    u32 id = 0;      // dense CPU number
    u32 hart_id = 0; // the firmware's hart id
    Proc* current = nullptr;
    Context scheduler_context{};

    // Interrupt-disable nesting (push_irq_off / pop_irq_off).
    int irq_off_depth = 0;
    bool irq_were_enabled = false;

    // The spin locks held and their ranks, innermost last, for the
    // lock-order check and for debuggers (kernel/scripts/gdb/tandem.py:
    // tandem-locks).
    u8 held_ranks[MAX_HELD_SPINLOCKS] = {};
    const Spinlock* held_locks[MAX_HELD_SPINLOCKS] = {};
    int held_count = 0;

    Atomic<u64> ticks{0};      // timer interrupts taken
    Atomic<bool> online{false};
    Atomic<bool> idle{false};  // halted in wfi, waiting for work: needs an IPI
    Atomic<bool> polling{false}; // idle but polling the run queue: needs nothing
    bool kick_pending = false; // work was queued: wake an idle hart when leaving the critical section
    int kick_preferred = -1;   // the CPU the queued work last ran on (its TLB and caches are warm)
    u64 next_tick = 0;         // deadline of the next timer interrupt
    AddressSpace* loaded_space = nullptr; // whose page table satp holds (nullptr: the kernel's)
};
static_assert(offsetof(Cpu, trap_entry) == 0);

extern Cpu g_cpus[MAX_CPUS];
extern int g_cpu_count;

inline Cpu* this_cpu() { return static_cast<Cpu*>(arch::cpu_local()); }
