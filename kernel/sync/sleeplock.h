/*
 * SleepLock: a lock held across operations that may sleep (disk I/O,
 * copies to user memory), owned by a process. Waiters sleep rather than
 * spin and are served in FIFO order. Never take one while holding a spin
 * lock.
 */
#pragma once

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
    bool is_held_by_current() const;
    const char* name() const { return m_name; }

private:
    Spinlock m_guard;
    WaitQueue m_queue;
    bool m_locked = false;
    Proc* m_holder = nullptr;
    const char* m_name;
};

class [[nodiscard]] SleepLockGuard {
public:
    explicit SleepLockGuard(SleepLock& lock) : m_lock(lock) { m_lock.lock(); }
    ~SleepLockGuard() { m_lock.unlock(); }
    SleepLockGuard(const SleepLockGuard&) = delete;
    SleepLockGuard& operator=(const SleepLockGuard&) = delete;

private:
    SleepLock& m_lock;
};
