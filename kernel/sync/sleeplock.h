/*
 * SleepLock: a lock held across operations that may sleep (disk I/O,
 * copies to user memory), owned by a process. Waiters sleep rather than
 * spin and are served in FIFO order. Never take one while holding a spin
 * lock.
 *
 * The uncontended case (every page fault takes an address space's lock)
 * is one compare-and-swap each way on the state word; only a waiter, and
 * the release that finds one, take the inner spin lock. The lock-order
 * check that the inner lock's acquisition made is made on the fast path
 * too (spin_lock_order_check).
 */
#pragma once

#include "../proc/proc.h"
#include "wait_queue.h"

struct Proc;

class SleepLock {
public:
    explicit SleepLock(const char* name) : m_guard(name, LockRank::SleepGuard), m_name(name) {}
    SleepLock(const SleepLock&) = delete;
    SleepLock& operator=(const SleepLock&) = delete;

    void lock();
    // As lock(), but gives up with ERR_INTR if the process is killed.
    Result<void> lock_killable();
    void unlock();
    // True if the calling process holds the lock. Lock-free and cheap, so
    // that code whose rules say "caller holds X" can assert it.
    bool is_held_by_current() const;
    const char* name() const { return m_name; }

private:
    // m_state: FREE, LOCKED (no waiter), or CONTENDED (locked, and a waiter
    // may be queued: the release must go through m_guard and hand over).
    enum : u32 { FREE = 0, LOCKED = 1, CONTENDED = 2 };
    Result<void> lock_slow(Proc* me, WaitMode mode);
    void unlock_slow();

    Spinlock m_guard; // guards the queue and the hand-over
    WaitQueue m_queue;
    Atomic<u32> m_state{FREE};
    Proc* m_holder = nullptr;
    const char* m_name;
};

// Holds a sleep lock for the lifetime of the guard. unlock() and relock()
// let it go for a while inside the scope (to call something that takes the
// lock itself); the guard releases it at the end only if it holds it then.
#ifndef TANDEM_HOST
// No lock needed: only the holder changes m_holder away from itself (its
// unlock), and it becomes the caller only by the caller's own lock() or a
// hand-over to the caller while it sleeps in lock(); so reading the caller
// there is never stale, and reading anything else answers false either way.
// Inline, because the lock rules assert it on hot paths (the fault path);
// the host tests' fakes define their own.
inline bool SleepLock::is_held_by_current() const
{
    Proc* me = current_proc();
    return me && __atomic_load_n(&m_holder, __ATOMIC_RELAXED) == me;
}
#endif

class [[nodiscard]] SleepLockGuard {
public:
    explicit SleepLockGuard(SleepLock& lock) : m_lock(lock) { m_lock.lock(); }
    ~SleepLockGuard()
    {
        if (m_held)
            m_lock.unlock();
    }
    SleepLockGuard(const SleepLockGuard&) = delete;
    SleepLockGuard& operator=(const SleepLockGuard&) = delete;

    void unlock()
    {
        m_held = false;
        m_lock.unlock();
    }
    void relock()
    {
        m_lock.lock();
        m_held = true;
    }

private:
    SleepLock& m_lock;
    bool m_held = true;
};
