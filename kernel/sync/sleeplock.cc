/*
 * SleepLock (see sleeplock.h): a flag and a FIFO of sleepers, both guarded
 * by an inner spin lock. unlock() hands the lock directly to the oldest
 * waiter, which keeps the order fair and avoids a thundering herd.
 */
#include "sleeplock.h"
#include "../console/printk.h"
#include "../proc/proc.h"

namespace {
// Each process lists the sleep locks it holds (only it edits the list), so
// that a debugger can show who holds what. Deeper nesting than the list
// holds is counted but not named.
void note_held(Proc* p, SleepLock* lock)
{
    if (p->held_sleep_count < Proc::MAX_HELD_SLEEP_LOCKS)
        p->held_sleep_locks[p->held_sleep_count] = lock;
    p->held_sleep_count++;
}

void note_released(Proc* p, SleepLock* lock)
{
    int n = min(p->held_sleep_count, Proc::MAX_HELD_SLEEP_LOCKS);
    for (int i = n - 1; i >= 0; i--) {
        if (p->held_sleep_locks[i] == lock) {
            for (int j = i; j + 1 < n; j++)
                p->held_sleep_locks[j] = p->held_sleep_locks[j + 1];
            p->held_sleep_locks[n - 1] = nullptr;
            break;
        }
    }
    p->held_sleep_count--;
}
} // namespace

void SleepLock::lock()
{
    Proc* me = current_proc();
    // The order check that taking m_guard would make: no spin lock that
    // ranks at or above a sleep lock's guard may be held.
    check_lock_order(m_name, LockRank::SleepGuard);
    u32 expected = FREE;
    if (m_state.compare_exchange(expected, LOCKED, MemoryOrder::Acquire)) {
        m_holder = me;
        note_held(me, this);
        return;
    }
    (void)lock_slow(me, WaitMode::Uninterruptible);
}

Result<void> SleepLock::lock_killable()
{
    Proc* me = current_proc();
    check_lock_order(m_name, LockRank::SleepGuard);
    u32 expected = FREE;
    if (m_state.compare_exchange(expected, LOCKED, MemoryOrder::Acquire)) {
        m_holder = me;
        note_held(me, this);
        return {};
    }
    return lock_slow(me, WaitMode::Killable);
}

// The lock was not free: mark it contended (so that its release comes
// through m_guard) and wait to be handed it, unless it came free meanwhile.
Result<void> SleepLock::lock_slow(Proc* me, WaitMode mode)
{
    SpinlockGuard guard(m_guard);
    if (__atomic_load_n(&m_holder, __ATOMIC_RELAXED) == me)
        panic("sleep lock %s: recursive acquire", m_name);
    for (;;) {
        u32 state = m_state.load(MemoryOrder::Relaxed);
        if (state == FREE) {
            if (m_state.compare_exchange(state, LOCKED, MemoryOrder::Acquire)) {
                m_holder = me;
                note_held(me, this);
                return {};
            }
            continue;
        }
        if (state == CONTENDED || m_state.compare_exchange(state, CONTENDED, MemoryOrder::Acquire))
            break;
    }
    // unlock() makes us the holder before waking us.
    while (m_holder != me) {
        auto r = m_queue.wait(m_guard, mode);
        // A killed waiter leaves the state CONTENDED: the next release then
        // finds the queue empty and frees the lock.
        if (r.is_error() && m_holder != me)
            return r;
    }
    note_held(me, this);
    return {};
}

void SleepLock::unlock()
{
    Proc* me = current_proc();
    if (m_state.load(MemoryOrder::Relaxed) == FREE || m_holder != me)
        panic("sleep lock %s: released by a process that does not hold it", m_name);
    note_released(me, this);
    m_holder = nullptr;
    u32 expected = LOCKED;
    if (m_state.compare_exchange(expected, FREE, MemoryOrder::Release))
        return;
    unlock_slow();
}

// A waiter may be queued: hand the lock to the oldest, or free it if the
// queue is empty after all (killed waiters leave).
void SleepLock::unlock_slow()
{
    SpinlockGuard guard(m_guard);
    if (!m_queue.has_waiters()) {
        m_state.store(FREE, MemoryOrder::Release);
        return;
    }
    m_holder = m_queue.first_waiter();
    m_queue.wake_one();
}
