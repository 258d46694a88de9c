/*
 * WaitQueue (see wait_queue.h). The queue links Proc::wait_link nodes and
 * is protected by the caller's lock. The sleeping side holds the caller's
 * lock until it holds its own Proc::lock, and a waker needs that Proc::lock
 * to make it runnable, which it cannot get before the sleeper has switched
 * out: that is why no wake-up is lost.
 */
#include "wait_queue.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "../proc/sched.h"

namespace {
Proc* proc_of(ListNode* node) { return container_of(node, Proc, wait_link); }
} // namespace

Result<void> WaitQueue::wait(Spinlock& lock, WaitMode mode, u64 deadline)
{
    Proc* p = current_proc();
    if (!lock.is_held())
        panic("WaitQueue::wait: %s not held", lock.name());
    p->lock.lock();
    if (mode == WaitMode::Killable && p->killed) {
        p->lock.unlock();
        return Error(ERR_INTR);
    }
    p->wait_link.insert_before(&m_waiters);
    p->wait_killable = mode == WaitMode::Killable;
    p->timed_out = false;
    p->wake_deadline = deadline;
    if (deadline != NO_DEADLINE)
        timer_list_add(p);
    lock.unlock();

    p->state = ProcState::Sleeping;
    sched();

    p->wait_killable = false;
    if (deadline != NO_DEADLINE)
        timer_list_remove(p);
    bool timed_out = p->timed_out;
    bool killed = p->killed;
    p->lock.unlock();

    lock.lock();
    if (!p->wait_link.is_linked())
        return {}; // a waker took us off the queue: a real wake-up
    p->wait_link.unlink();
    if (timed_out)
        return Error(ERR_TIMEDOUT);
    if (killed && mode == WaitMode::Killable)
        return Error(ERR_INTR);
    return {};
}

int WaitQueue::wake(int n, WakeHint hint)
{
    int woken = 0;
    while (woken < n && m_waiters.is_linked()) {
        ListNode* node = m_waiters.next;
        node->unlink();
        Proc* p = proc_of(node);
        SpinlockGuard guard(p->lock);
        if (p->state == ProcState::Sleeping)
            make_runnable(p, hint == WakeHint::Sync ? Kick::No : Kick::Yes);
        woken++;
    }
    return woken;
}

Proc* WaitQueue::first_waiter() const { return m_waiters.is_linked() ? proc_of(m_waiters.next) : nullptr; }
