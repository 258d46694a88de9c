// LAB(shm) file: region_lock_nosys
/*
 * The region lock of the original interface (lockSharedRegion): a sleep
 * lock owned by a process, recursive, FIFO, killable, that is released as
 * "abandoned" when its owner exits or unmaps its last view of the region.
 *
 * Ownership is handed over directly: unlocking gives the lock to the
 * oldest waiter before waking it, so nobody can jump the queue and every
 * waiter is served in order. The abandoned flag travels with the hand-over
 * and is reported (ERR_ABANDONED) once, to the next owner.
 *
 * A waiter can be handed the lock after it was killed but before it ran
 * again (kill only makes it runnable; the hand-over takes it off the
 * queue). It must not keep the lock: it would never return to user space,
 * and its exit would then mark the lock abandoned although no process ever
 * held it there. So a killed acquirer passes the lock straight on.
 *
 * Lock: SharedRegion::lock_guard (rank Region). region_lock_abandon is
 * called with the region's state_lock held (rank RegionState, taken
 * first). Waking a waiter takes its Proc::lock (rank Proc) inside
 * lock_guard.
 */
#include "../console/printk.h"
#include "../proc/proc.h"
#include "shared_region.h"

namespace {
// Gives the lock to the next waiter, or frees it. Caller holds lock_guard.
void pass_on(SharedRegion* r, bool abandoned)
{
    kassert(r->lock_guard.is_held());
    Proc* next = r->lock_waiters.first_waiter();
    r->lock_depth = 0;
    r->lock_abandoned = abandoned;
    if (!next) {
        r->lock_owner = nullptr;
        r->lock_owner_pid = 0;
        return;
    }
    r->lock_owner = next;
    r->lock_owner_pid = next->pid;
    r->lock_depth = 1;
    r->lock_waiters.wake_one();
}
} // namespace

Result<void> region_lock_acquire(SharedRegion* r)
{
    Proc* me = current_proc();
    SpinlockGuard guard(r->lock_guard);
    if (r->lock_owner == me) {
        r->lock_depth++;
        return {};
    }
    if (!r->lock_owner) {
        r->lock_owner = me;
        r->lock_owner_pid = me->pid;
        r->lock_depth = 1;
    } else {
        while (r->lock_owner != me) {
            auto waited = r->lock_waiters.wait(r->lock_guard, WaitMode::Killable);
            if (waited.is_error() && r->lock_owner != me)
                return waited;
        }
    }
    // Killed as it got the lock (see the top of the file): hand it on as it
    // came, abandoned or not, so that killing a waiter leaves no trace.
    if (current_killed()) {
        pass_on(r, r->lock_abandoned);
        return Error(ERR_INTR);
    }
    if (r->lock_abandoned) {
        r->lock_abandoned = false;
        return Error(ERR_ABANDONED);
    }
    return {};
}

Result<void> region_lock_release(SharedRegion* r)
{
    SpinlockGuard guard(r->lock_guard);
    if (r->lock_owner != current_proc())
        return Error(ERR_INVAL);
    if (--r->lock_depth == 0)
        pass_on(r, false);
    return {};
}

void region_lock_abandon(SharedRegion* r, Proc* owner)
{
    SpinlockGuard guard(r->lock_guard);
    if (r->lock_owner == owner)
        pass_on(r, true);
}
