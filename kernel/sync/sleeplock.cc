/*
 * SleepLock (see sleeplock.h): a flag and a FIFO of sleepers, both guarded
 * by an inner spin lock. unlock() hands the lock directly to the oldest
 * waiter, which keeps the order fair and avoids a thundering herd.
 */
#include "sleeplock.h"
#include "../printk.h"
#include "../proc/proc.h"

void SleepLock::lock()
{
    SpinlockGuard guard(m_guard);
    Proc* me = current_proc();
    if (m_locked && m_holder == me)
        panic("sleep lock %s: recursive acquire", m_name);
    if (!m_locked) {
        m_locked = true;
        m_holder = me;
        return;
    }
    // unlock() makes us the holder before waking us.
    while (m_holder != me)
        (void)m_queue.wait(m_guard);
}

Result<void> SleepLock::lock_killable()
{
    SpinlockGuard guard(m_guard);
    Proc* me = current_proc();
    if (!m_locked) {
        m_locked = true;
        m_holder = me;
        return {};
    }
    while (m_holder != me) {
        auto r = m_queue.wait(m_guard, WaitMode::Killable);
        if (r.is_error() && m_holder != me)
            return r;
    }
    return {};
}

void SleepLock::unlock()
{
    SpinlockGuard guard(m_guard);
    if (!m_locked || m_holder != current_proc())
        panic("sleep lock %s: released by a process that does not hold it", m_name);
    if (!m_queue.has_waiters()) {
        m_locked = false;
        m_holder = nullptr;
        return;
    }
    m_holder = m_queue.first_waiter();
    m_queue.wake_one();
}

bool SleepLock::is_held_by_current() const
{
    SpinlockGuard guard(const_cast<Spinlock&>(m_guard));
    return m_locked && m_holder == current_proc();
}
