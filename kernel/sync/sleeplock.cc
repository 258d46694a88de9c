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
    SpinlockGuard guard(m_guard);
    Proc* me = current_proc();
    if (m_locked && m_holder == me)
        panic("sleep lock %s: recursive acquire", m_name);
    if (!m_locked) {
        m_locked = true;
        m_holder = me;
        note_held(me, this);
        return;
    }
    // unlock() makes us the holder before waking us.
    while (m_holder != me)
        (void)m_queue.wait(m_guard);
    note_held(me, this);
}

Result<void> SleepLock::lock_killable()
{
    SpinlockGuard guard(m_guard);
    Proc* me = current_proc();
    if (!m_locked) {
        m_locked = true;
        m_holder = me;
        note_held(me, this);
        return {};
    }
    while (m_holder != me) {
        auto r = m_queue.wait(m_guard, WaitMode::Killable);
        if (r.is_error() && m_holder != me)
            return r;
    }
    note_held(me, this);
    return {};
}

void SleepLock::unlock()
{
    SpinlockGuard guard(m_guard);
    if (!m_locked || m_holder != current_proc())
        panic("sleep lock %s: released by a process that does not hold it", m_name);
    note_released(current_proc(), this);
    if (!m_queue.has_waiters()) {
        m_locked = false;
        m_holder = nullptr;
        return;
    }
    m_holder = m_queue.first_waiter();
    m_queue.wake_one();
}

