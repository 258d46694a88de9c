/*
 * WaitQueue: processes sleeping until some condition, guarded by a spin
 * lock the caller chooses, holds. It is a condition variable: the waiter
 * checks its condition under `lock`, calls wait(lock), and re-checks after
 * waking; the waker changes the condition and calls wake_one/wake_all
 * under the same lock. Holding that lock across both sides is what makes
 * a lost wake-up impossible.
 *
 * Waits can be killable (kill() ends them with ERR_INTR) and can have a
 * deadline (ERR_TIMEDOUT). A woken, killed or timed-out waiter is always
 * off the queue when wait() returns, so it leaves no trace.
 */
#pragma once

#include "../lib/list.h"
#include "../lib/result.h"
#include "spinlock.h"

enum class WaitMode { Uninterruptible, Killable };

// Sync: the waker expects to block soon, so the woken process should run on
// this hart afterwards rather than wake an idle one (pipes).
enum class WakeHint { None, Sync };

constexpr u64 NO_DEADLINE = 0;

class WaitQueue {
public:
    WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Sleeps until woken. `lock` must be held; it is released while
    // sleeping and held again on return. `deadline` is an absolute time in
    // timebase ticks (arch::time_now()), or NO_DEADLINE.
    // Returns ERR_INTR if killed (Killable only), ERR_TIMEDOUT at the deadline.
    Result<void> wait(Spinlock& lock, WaitMode mode = WaitMode::Uninterruptible, u64 deadline = NO_DEADLINE);

    // Wake up to n waiters, oldest first; return how many were woken. The
    // caller holds the lock the waiters passed to wait().
    int wake(int n, WakeHint hint = WakeHint::None);
    int wake_one() { return wake(1); }
    int wake_all() { return wake(1 << 30); }
    bool has_waiters() const { return m_waiters.is_linked(); }
    // The process that wake_one() would wake, or nullptr.
    struct Proc* first_waiter() const;

private:
    ListNode m_waiters; // Proc::wait_link nodes, oldest first
};
