/*
 * Spin lock implementation. The lock word is taken with an atomic swap with
 * acquire ordering and released with a store with release ordering, so the
 * critical section's loads and stores stay inside it on RISC-V's weak
 * memory model.
 */
#include "spinlock.h"
#include "../cpu/cpu.h"
#include "../console/printk.h"
#include "../proc/sched.h"

void push_irq_off()
{
    // Under QEMU every CSR write ends a translation block; skip the
    // redundant ones on the hot paths.
    bool was_enabled = arch::irq_enabled();
    if (was_enabled)
        arch::irq_disable();
    Cpu* cpu = this_cpu();
    if (cpu->irq_off_depth == 0)
        cpu->irq_were_enabled = was_enabled;
    cpu->irq_off_depth++;
}

void pop_irq_off()
{
    Cpu* cpu = this_cpu();
    if (arch::irq_enabled())
        panic("pop_irq_off: interrupts enabled");
    if (cpu->irq_off_depth < 1)
        panic("pop_irq_off: unbalanced");
    cpu->irq_off_depth--;
    if (cpu->irq_off_depth == 0) {
        // Wake-ups made inside the critical section kick idle harts now,
        // not while the woken process's lock is still held.
        if (cpu->kick_pending)
            kick_idle_hart();
        if (cpu->irq_were_enabled)
            arch::irq_enable();
    }
}

static void check_ranks(Cpu* cpu, const char* name, u8 rank)
{
    if (rank != 0) {
        for (int i = 0; i < cpu->held_count; i++) {
            if (cpu->held_ranks[i] >= rank)
                panic("lock order: taking %s (rank %d) while holding rank %d", name, rank, cpu->held_ranks[i]);
        }
    }
}

void check_lock_order_slow(const char* name, LockRank rank)
{
    // Interrupts are off (check_lock_order), so this hart is ours.
    check_ranks(this_cpu(), name, u8(rank));
}

static void note_acquired(Cpu* cpu, const Spinlock& lock)
{
    u8 rank = u8(lock.rank());
    check_ranks(cpu, lock.name(), rank);
    if (cpu->held_count < MAX_HELD_SPINLOCKS) {
        cpu->held_ranks[cpu->held_count] = rank;
        cpu->held_locks[cpu->held_count] = &lock;
    }
    cpu->held_count++;
}

static void note_released(Cpu* cpu, const Spinlock& lock)
{
    int n = min(cpu->held_count, MAX_HELD_SPINLOCKS);
    // Usually the innermost; search backwards for out-of-order releases.
    for (int i = n - 1; i >= 0; i--) {
        if (cpu->held_locks[i] == &lock) {
            for (int j = i; j + 1 < n; j++) {
                cpu->held_ranks[j] = cpu->held_ranks[j + 1];
                cpu->held_locks[j] = cpu->held_locks[j + 1];
            }
            break;
        }
    }
    cpu->held_count--;
}

void Spinlock::lock()
{
    push_irq_off();
    Cpu* cpu = this_cpu();
    if (m_owner == cpu && m_locked.load(MemoryOrder::Relaxed))
        panic("spin lock %s: already held by this hart", m_name);
    note_acquired(cpu, *this);
    while (m_locked.exchange(1, MemoryOrder::Acquire) != 0) {
        // Spin on a plain load so the cache line is not bounced by writes.
        while (m_locked.load(MemoryOrder::Relaxed) != 0)
            arch::cpu_relax();
    }
    m_owner = cpu;
}

bool Spinlock::try_lock()
{
    push_irq_off();
    if (m_locked.exchange(1, MemoryOrder::Acquire) != 0) {
        pop_irq_off();
        return false;
    }
    note_acquired(this_cpu(), *this);
    m_owner = this_cpu();
    return true;
}

void Spinlock::unlock()
{
    Cpu* cpu = this_cpu();
    if (m_owner != cpu || !m_locked.load(MemoryOrder::Relaxed))
        panic("spin lock %s: released by a hart that does not hold it", m_name);
    note_released(cpu, *this);
    m_owner = nullptr;
    m_locked.store(0, MemoryOrder::Release);
    pop_irq_off();
}

