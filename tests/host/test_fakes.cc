/*
 * Tests of the host stand-ins themselves (fakes.cc). Other tests trust
 * them to catch lock misuse, so it is worth knowing that they do: each
 * rule the kernel enforces with a panic must panic here too.
 */
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "host_support.h"
#include "kernel/console/printk.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait_queue.h"

TEST_CASE("fakes: spin locks count, nest and release")
{
    Spinlock outer("outer", LockRank::Region);
    Spinlock inner("inner", LockRank::PageAlloc);
    CHECK(host::spinlocks_held() == 0);
    {
        SpinlockGuard a(outer);
        CHECK(outer.is_held());
        CHECK(host::spinlocks_held() == 1);
        CHECK(host::irq_off_depth() == 1);
        {
            SpinlockGuard b(inner);
            CHECK(host::spinlocks_held() == 2);
        }
        CHECK_FALSE(inner.is_held());
    }
    CHECK(host::spinlocks_held() == 0);
    CHECK(host::irq_off_depth() == 0);
    CHECK(inner.try_lock());
    CHECK_FALSE(inner.try_lock());
    inner.unlock();
    CHECK(host::irq_off_depth() == 0);
}

TEST_CASE("fakes: spin lock misuse panics")
{
    std::string out;
    CHECK(host::panics(
        [] {
            Spinlock a("a", LockRank::PageAlloc), b("b", LockRank::Region);
            a.lock();
            b.lock(); // lower rank inside a higher one
        },
        &out));
    CHECK(out.find("lock order") != std::string::npos);
    CHECK(host::panics(
        [] {
            Spinlock a("a");
            a.lock();
            a.lock();
        },
        &out));
    CHECK(out.find("already held") != std::string::npos);
    CHECK(host::panics([] { Spinlock("a").unlock(); }, &out));
    CHECK(host::panics([] { pop_irq_off(); }, &out));
    CHECK_FALSE(host::panics([] {
        Spinlock a("a", LockRank::Region), b("b", LockRank::PageAlloc);
        SpinlockGuard ga(a);
        SpinlockGuard gb(b);
    }));
}

TEST_CASE("fakes: a spin lock excludes other threads")
{
    Spinlock lock("counter");
    long counter = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; i++) {
                SpinlockGuard g(lock);
                counter++;
            }
        });
    for (auto& t : threads)
        t.join();
    CHECK(counter == 80000);
}

TEST_CASE("fakes: sleep locks record their holder")
{
    SleepLock lock("inode");
    Proc* me = host::current_process();
    CHECK_FALSE(lock.is_held_by_current());
    lock.lock();
    CHECK(lock.is_held_by_current());
    CHECK(host::sleeplocks_held() == 1);
    host::set_current_process(host::fake_process(5));
    CHECK_FALSE(lock.is_held_by_current());
    host::set_current_process(me);
    lock.unlock();
    CHECK(host::sleeplocks_held() == 0);
    {
        SleepLockGuard g(lock);
        CHECK(lock.is_held_by_current());
    }
    CHECK_FALSE(lock.is_held_by_current());
    CHECK(lock.lock_killable().ok());
    lock.unlock();
}

TEST_CASE("SleepLockGuard: unlock and relock inside the scope, released once at its end")
{
    SleepLock lock("address_space");
    {
        SleepLockGuard g(lock);
        g.unlock();
        CHECK_FALSE(lock.is_held_by_current());
        CHECK(host::sleeplocks_held() == 0);
        g.relock();
        CHECK(lock.is_held_by_current());
    }
    CHECK_FALSE(lock.is_held_by_current());
    CHECK(host::sleeplocks_held() == 0);
    {
        SleepLockGuard g(lock);
        g.unlock(); // left unlocked: the guard must not unlock again
    }
    CHECK(host::sleeplocks_held() == 0);
    CHECK_FALSE(host::panics([&] {
        SleepLockGuard g(lock);
        g.unlock();
    }));
}

TEST_CASE("fakes: sleep lock misuse panics, contention needs a hook")
{
    std::string out;
    CHECK(host::panics([] { SleepLock("x").unlock(); }, &out));
    CHECK(out.find("does not hold") != std::string::npos);
    CHECK(host::panics(
        [] {
            SleepLock l("x");
            l.lock();
            l.lock();
        },
        &out));
    CHECK(host::panics(
        [] {
            Spinlock s("s");
            SleepLock l("x");
            SpinlockGuard g(s);
            l.lock(); // sleeping with a spin lock held
        },
        &out));
    CHECK(out.find("holding") != std::string::npos);
    // Held by another process: without a hook that would sleep forever.
    CHECK(host::panics(
        [] {
            SleepLock l("x");
            Proc* me = host::current_process();
            host::set_current_process(host::fake_process(9));
            l.lock();
            host::set_current_process(me);
            l.lock();
        },
        &out));
    CHECK(out.find("sleep forever") != std::string::npos);

    // With a hook that lets the other process release it, it succeeds.
    SleepLock l("x");
    Proc* me = host::current_process();
    Proc* other = host::fake_process(9);
    host::set_current_process(other);
    l.lock();
    host::set_current_process(me);
    host::set_wait_hook([&] {
        host::set_current_process(other);
        l.unlock();
        host::set_current_process(me);
    });
    l.lock();
    CHECK(l.is_held_by_current());
    l.unlock();
    host::set_wait_hook(nullptr);

    // A killed process gives up a killable wait.
    host::set_current_process(other);
    l.lock();
    host::set_current_process(me);
    host::set_killed(true);
    CHECK(l.lock_killable().error_code() == ERR_INTR);
    host::set_killed(false);
    host::set_current_process(other);
    l.unlock();
    host::set_current_process(me);
    CHECK(host::sleeplocks_held() == 0);
}

TEST_CASE("fakes: wait queues")
{
    Spinlock lock("wq");
    WaitQueue queue;
    CHECK_FALSE(queue.has_waiters());
    u64 wakes = host::wakeup_calls();
    {
        SpinlockGuard g(lock);
        CHECK(queue.wake_all() == 0);
        // A deadline passes at once; a killed waiter is interrupted.
        CHECK(queue.wait(lock, WaitMode::Uninterruptible, 12345).error_code() == ERR_TIMEDOUT);
        host::set_killed(true);
        CHECK(queue.wait(lock, WaitMode::Killable).error_code() == ERR_INTR);
        host::set_killed(false);
        CHECK(lock.is_held()); // re-taken on return
        bool ready = false;
        host::set_wait_hook([&] { ready = true; });
        while (!ready)
            CHECK(queue.wait(lock).ok());
        host::set_wait_hook(nullptr);
    }
    CHECK(host::wakeup_calls() == wakes + 1);
    std::string out;
    CHECK(host::panics(
        [] {
            Spinlock l("wq");
            WaitQueue q;
            SpinlockGuard g(l);
            (void)q.wait(l);
        },
        &out));
    CHECK(out.find("sleep forever") != std::string::npos);
    CHECK(host::panics(
        [] {
            Spinlock l("wq");
            WaitQueue q;
            (void)q.wait(l); // the lock is not held
        },
        &out));
}

TEST_CASE("fakes: kprintf uses the kernel formatter and can be captured")
{
    host::capture_output(true);
    kprintf("x=%d %s %5lu|\n", -3, "ok", 42ul);
    host::capture_output(false);
    CHECK(host::captured_output() == "x=-3 ok    42|\n");
    std::string out;
    CHECK(host::panics([] { panic("number %d", 7); }, &out));
    CHECK(out.find("panic: number 7") != std::string::npos);
}
