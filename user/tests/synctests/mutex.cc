/*
 * synctests: mutex_t between processes: the calls and their errors,
 * waiting and waking, exact counts under contention, waiters that die,
 * private mutexes across fork, and that a waiter is not starved by a
 * stream of lockers.
 */
#include "cases.h"

namespace {

struct MutexBoard {
    mutex_t m;
    uint32_t go;       // set by the parent to let a child go on
    uint32_t ready;    // children that reached their wait
    uint32_t done;     // children finished
    uint32_t inside;   // processes inside the critical section
    uint32_t overlap;  // times someone found another one inside
    uint32_t pad;
    uint64_t counter;  // incremented under the mutex, non-atomically
    barrier_t start;
    uint64_t waits;    // system calls other than yield made by contenders
};

MutexBoard* new_board(const char* tag)
{
    MutexBoard* b = static_cast<MutexBoard*>(make_region(tag, PAGE));
    mutex_init(&b->m);
    return b;
}

// The critical section: a plain read-modify-write that loses updates
// unless the mutex excludes everyone else.
void critical_section(MutexBoard* b)
{
    if (__atomic_fetch_add(&b->inside, 1, __ATOMIC_RELAXED) != 0)
        __atomic_fetch_add(&b->overlap, 1, __ATOMIC_RELAXED);
    volatile uint64_t* counter = &b->counter;
    *counter = *counter + 1;
    __atomic_fetch_sub(&b->inside, 1, __ATOMIC_RELAXED);
}

void locker_child(void* arg)
{
    MutexBoard* b = static_cast<MutexBoard*>(arg);
    __atomic_fetch_add(&b->ready, 1, __ATOMIC_SEQ_CST);
    require_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_owner(&b->m), getpid());
    critical_section(b);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

// Holds the mutex until the parent sets go.
void holder_child(void* arg)
{
    MutexBoard* b = static_cast<MutexBoard*>(arg);
    require_eq(mutex_lock(&b->m), ERR_OK);
    __atomic_store_n(&b->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&b->go, __ATOMIC_SEQ_CST))
        futex_wait(&b->go, 0, 0);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void release_holder(MutexBoard* b)
{
    __atomic_store_n(&b->go, 1, __ATOMIC_SEQ_CST);
    futex_wake(&b->go, 1);
}

} // namespace

void mutex_basic_across_processes()
{
    MutexBoard* b = new_board("basic");
    check_eq(mutex_owner(&b->m), 0);
    require_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_owner(&b->m), getpid());
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        check_eq(mutex_trylock(&b->m), ERR_BUSY);
        check_eq(mutex_timedlock(&b->m, deadline_after_ms(20)), ERR_TIMEDOUT);
        __atomic_store_n(&b->ready, 1, __ATOMIC_SEQ_CST);
        check_eq(mutex_lock(&b->m), ERR_OK); // sleeps until the parent unlocks
        check_eq(mutex_owner(&b->m), getpid());
        b->counter = 42;
        check_eq(mutex_unlock(&b->m), ERR_OK);
        exit(test_failures() ? 1 : 0);
    }
    require(wait_word_at_least(&b->ready, 1), "child ready");
    require(wait_sleeping(child), "child asleep in mutex_lock");
    check_eq(b->counter, 0u);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    join_ok(child, "locker");
    check_eq(mutex_trylock(&b->m), ERR_OK);
    check_eq(b->counter, 42u);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(b->m.word, 0u);
}

void mutex_relock_busy()
{
    MutexBoard* b = new_board("relock");
    require_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_lock(&b->m), ERR_BUSY);
    check_eq(mutex_trylock(&b->m), ERR_BUSY);
    check_eq(mutex_timedlock(&b->m, deadline_after_ms(10)), ERR_BUSY);
    check_eq(mutex_owner(&b->m), getpid());
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_INVAL); // not recursive: one unlock was enough
    check_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void mutex_unlock_not_owner()
{
    MutexBoard* b = new_board("notowner");
    check_eq(mutex_unlock(&b->m), ERR_INVAL); // free
    int holder = start_child(holder_child, b);
    require(wait_word_at_least(&b->ready, 1), "holder ready");
    uint32_t word = b->m.word;
    check_eq(mutex_unlock(&b->m), ERR_INVAL);
    check_eq(mutex_consistent(&b->m), ERR_INVAL);
    check_eq(b->m.word, word); // untouched
    check_eq(mutex_owner(&b->m), holder);
    release_holder(b);
    join_ok(holder, "holder");
    check_eq(mutex_owner(&b->m), 0);
}

void mutex_timedlock_timeout()
{
    MutexBoard* b = new_board("timedlock");
    int holder = start_child(holder_child, b);
    require(wait_word_at_least(&b->ready, 1), "holder ready");
    const uint64_t delays[] = {1, 30, 80};
    for (uint64_t d : delays) {
        uint64_t deadline = clock_ns() + d * MS;
        check_eq(mutex_timedlock(&b->m, deadline), ERR_TIMEDOUT);
        uint64_t now = clock_ns();
        check(now >= deadline, "timed out %lu ns early", (unsigned long)(deadline - now));
        check(now < deadline + 2000 * MS, "timed out %lu ms late", (unsigned long)((now - deadline) / MS));
    }
    check_eq(mutex_timedlock(&b->m, 1), ERR_TIMEDOUT); // a deadline in the past
    check_eq(mutex_owner(&b->m), holder);
    release_holder(b);
    check_eq(mutex_timedlock(&b->m, deadline_after_ms(10000)), ERR_OK);
    join_ok(holder, "holder");
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void mutex_wakes_sleeper()
{
    MutexBoard* b = new_board("sleepers");
    require_eq(mutex_lock(&b->m), ERR_OK);
    constexpr int N = 3;
    int pids[N];
    for (int i = 0; i < N; i++)
        pids[i] = start_child(locker_child, b);
    for (int pid : pids)
        require(wait_sleeping(pid), "locker asleep");
    check(b->m.word & FUTEX_WAITERS, "word 0x%x has no waiters bit", b->m.word);
    check_eq(b->counter, 0u);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    for (int pid : pids)
        join_ok(pid, "locker");
    check_eq(b->counter, uint64_t(N));
    check_eq(b->overlap, 0u);
    check_eq(b->m.word, 0u); // the last unlock saw no one left
}

namespace {
constexpr int CONTENDERS = 4;
constexpr int INCREMENTS = 50000;
constexpr int YIELD_EVERY = 1000;

void contender_child(void* arg)
{
    MutexBoard* b = static_cast<MutexBoard*>(arg);
    barrier_wait(&b->start);
    int bad = 0, yields = 0;
    uint64_t before = syscalls_now();
    for (int i = 0; i < INCREMENTS; i++) {
        bad += mutex_lock(&b->m) != ERR_OK;
        critical_section(b);
        // Now and then give up the hart holding the mutex, so that the
        // others find it held and must sleep, on one hart as on many.
        if (i % YIELD_EVERY == YIELD_EVERY / 2) {
            yield();
            yields++;
        }
        bad += mutex_unlock(&b->m) != ERR_OK;
    }
    uint64_t calls = syscalls_now() - before - 1 - uint64_t(yields);
    __atomic_fetch_add(&b->waits, calls, __ATOMIC_SEQ_CST);
    check_eq(bad, 0);
}
} // namespace

// 4 processes add 1 to a counter 50,000 times each under one mutex, with
// a plain (non-atomic) increment: the total is exact only if the mutex
// excludes. The system calls they made prove that they did contend.
void mutex_contended_counter()
{
    MutexBoard* b = new_board("counter");
    require_eq(barrier_init(&b->start, CONTENDERS), ERR_OK);
    int pids[CONTENDERS];
    for (int i = 0; i < CONTENDERS; i++)
        pids[i] = start_child(contender_child, b);
    for (int pid : pids)
        join_ok(pid, "contender");
    check_eq(b->counter, uint64_t(CONTENDERS) * INCREMENTS);
    check_eq(b->overlap, 0u);
    check_eq(b->m.word, 0u);
    check(b->waits > 0, "no contender ever waited for the mutex");
}

void mutex_killed_waiter()
{
    MutexBoard* b = new_board("killwaiter");
    require_eq(mutex_lock(&b->m), ERR_OK);
    int victim = start_child(locker_child, b);
    int survivor = start_child(locker_child, b);
    require(wait_sleeping(victim) && wait_sleeping(survivor), "lockers asleep");
    check_eq(kill(victim), ERR_OK);
    check(WIFKILLED(join(victim)), "victim not killed");
    // The dead waiter neither got the mutex nor lost the survivor's wake-up.
    check_eq(mutex_owner(&b->m), getpid());
    check_eq(mutex_unlock(&b->m), ERR_OK);
    join_ok(survivor, "survivor");
    check_eq(b->counter, 1u);
    check_eq(b->m.word, 0u);
    check_eq(mutex_trylock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void mutex_private_memory_fork()
{
    mutex_t* m = static_cast<mutex_t*>(private_anon(PAGE));
    mutex_init(m);
    require_eq(mutex_lock(m), ERR_OK);
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        // The child's copy is held by the parent, who will never release it here.
        check_eq(mutex_unlock(m), ERR_INVAL);
        check_eq(mutex_trylock(m), ERR_BUSY);
        check_eq(mutex_timedlock(m, deadline_after_ms(20)), ERR_TIMEDOUT);
        // Fresh private mutexes work in the child as anywhere.
        mutex_t mine = MUTEX_INITIALIZER;
        check_eq(mutex_lock(&mine), ERR_OK);
        check_eq(mutex_owner(&mine), getpid());
        check_eq(mutex_unlock(&mine), ERR_OK);
        exit(test_failures() ? 1 : 0);
    }
    join_ok(child, "child");
    check_eq(mutex_owner(m), getpid()); // the child's exit did not touch our copy
    check_eq(mutex_unlock(m), ERR_OK);
}

namespace {
constexpr int STREAMERS = 3;
constexpr int STARVED_ROUNDS = 20;

// Locks and unlocks back to back, holding the mutex most of the time,
// until the parent says stop.
void streamer_child(void* arg)
{
    MutexBoard* b = static_cast<MutexBoard*>(arg);
    __atomic_fetch_add(&b->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&b->go, __ATOMIC_RELAXED)) {
        check_eq(mutex_lock(&b->m), ERR_OK);
        for (int i = 0; i < 200; i++)
            critical_section(b);
        check_eq(mutex_unlock(&b->m), ERR_OK);
    }
}

// Must get the mutex every time, each within the deadline.
void starved_child(void* arg)
{
    MutexBoard* b = static_cast<MutexBoard*>(arg);
    for (int i = 0; i < STARVED_ROUNDS; i++) {
        int r = mutex_timedlock(&b->m, deadline_after_ms(5000));
        require(r == ERR_OK, "round %d: %s", i, errname(r));
        critical_section(b);
        check_eq(mutex_unlock(&b->m), ERR_OK);
        __atomic_fetch_add(&b->done, 1, __ATOMIC_SEQ_CST);
        sleep(1);
    }
}
} // namespace

void mutex_no_starvation()
{
    MutexBoard* b = new_board("starve");
    int streamers[STREAMERS];
    for (int i = 0; i < STREAMERS; i++)
        streamers[i] = start_child(streamer_child, b);
    require(wait_word_at_least(&b->ready, STREAMERS), "streamers ready");
    int starved = start_child(starved_child, b);
    join_ok(starved, "the waiter among the stream");
    __atomic_store_n(&b->go, 1, __ATOMIC_SEQ_CST);
    for (int pid : streamers)
        join_ok(pid, "streamer");
    check_eq(b->done, uint32_t(STARVED_ROUNDS));
    check_eq(b->overlap, 0u);
}
