/*
 * Spin locks for short critical sections, safe against interrupts.
 *
 * Taking a spin lock disables interrupts on this hart (so an interrupt
 * handler that wants the same lock cannot deadlock against us) and checks
 * the lock order of lock_order.h. push_irq_off/pop_irq_off nest, so the
 * interrupt state is restored only when the outermost lock is released.
 */
#pragma once

#include "../../riscv/arch.h"
#include "../lib/atomic.h"
#include "lock_order.h"

struct Cpu;

class Spinlock {
public:
    constexpr explicit Spinlock(const char* name, LockRank rank = LockRank::None) : m_name(name), m_rank(rank) {}
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    void lock();
    void unlock();
    bool try_lock();
    // True if this hart holds the lock (only meaningful with interrupts off).
    bool is_held() const;
    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    Atomic<u32> m_locked{0};
    Cpu* m_owner = nullptr;
    const char* m_name;
    LockRank m_rank;
};

#ifndef TANDEM_HOST
// Inline, because the lock rules assert it on hot paths (the host tests'
// fakes define their own).
inline bool Spinlock::is_held() const
{
    return m_locked.load(MemoryOrder::Relaxed) && m_owner == static_cast<Cpu*>(arch::cpu_local());
}
#endif

// A spin lock alone on its cache line, for the global locks that every hart
// takes on its hot paths (the page allocator's, the shared-memory table's,
// the run queue's): without it, taking one lock would pull the line of its
// neighbour in .bss away from a hart that holds or spins on that one.
class alignas(CACHE_LINE_SIZE) HotSpinlock : public Spinlock {
public:
    using Spinlock::Spinlock;
};
static_assert(sizeof(HotSpinlock) == CACHE_LINE_SIZE);

// Holds a spin lock for the lifetime of the guard.
class [[nodiscard]] SpinlockGuard {
public:
    explicit SpinlockGuard(Spinlock& lock) : m_lock(lock) { m_lock.lock(); }
    ~SpinlockGuard() { m_lock.unlock(); }
    SpinlockGuard(const SpinlockGuard&) = delete;
    SpinlockGuard& operator=(const SpinlockGuard&) = delete;

private:
    Spinlock& m_lock;
};

// Panics, as Spinlock::lock does, if a lock of `rank` may not be taken
// under the spin locks this hart holds: for a lock that checks the order
// without taking a spin lock (SleepLock's fast path). With interrupts on,
// this hart holds no spin lock (taking one turns them off), so the check
// is a CSR read.
void check_lock_order_slow(const char* name, LockRank rank);
inline void check_lock_order(const char* name, LockRank rank)
{
    if (!arch::irq_enabled())
        check_lock_order_slow(name, rank);
}

// Disables interrupts, counting nesting; pop restores the state of the
// outermost push.
void push_irq_off();
void pop_irq_off();

// RAII form of push/pop.
class [[nodiscard]] InterruptsDisabled {
public:
    InterruptsDisabled() { push_irq_off(); }
    ~InterruptsDisabled() { pop_irq_off(); }
    InterruptsDisabled(const InterruptsDisabled&) = delete;
    InterruptsDisabled& operator=(const InterruptsDisabled&) = delete;
};
