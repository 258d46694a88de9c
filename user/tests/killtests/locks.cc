/*
 * killtests: killing lock holders and waiters. The region lock and robust
 * mutexes must hand over from a dead owner with ERR_ABANDONED or
 * ERR_OWNERDEAD (so the data they guard can be repaired), killing a
 * waiter must leave no trace, and futex waiters must vanish with their
 * processes.
 *
 * The guarded data is a counter kept twice, updated one copy at a time
 * with a pause in between: a holder killed in the pause leaves the copies
 * different, which the next owner sees, and must only see after being
 * told the owner died.
 */
#include "cases.h"

namespace {

// Kills each of the n waiters in pids with even odds, reaping each at once
// and marking it in killed[]; returns how many died.
int kill_about_half(Rng& rng, const int* pids, bool* killed, int n)
{
    int kills = 0;
    for (int i = 0; i < n; i++) {
        if (rng.chance(50)) {
            kill(pids[i]);
            stress::reap(pids[i]);
            killed[i] = true;
            kills++;
        }
    }
    return kills;
}

// ---- the region lock ------------------------------------------------------------

struct RegionShared {
    volatile uint32_t stop;
    volatile uint32_t abandoned;  // ERR_ABANDONED seen
    volatile uint32_t torn_seen;  // copies found different, after ERR_ABANDONED
    volatile uint32_t bad;        // copies different after ERR_OK: a real failure
    volatile uint32_t updates;
};

struct Guarded {
    volatile uint64_t a;
    volatile uint64_t b;
};

const char* const REGION = "kt.lock";

void region_locker(int index, void* arg)
{
    auto* sh = static_cast<RegionShared*>(arg);
    void* view = nullptr;
    require_eq(createMapping(REGION, &view), ERR_OK);
    auto* g = static_cast<Guarded*>(view);
    Rng rng = Rng::stream(g_seed ^ 0x10c4, uint64_t(getpid()) * 31 + uint64_t(index));
    while (!sh->stop) {
        int r = lockSharedRegion(REGION);
        if (r == ERR_ABANDONED) {
            stress::atomic_add(&sh->abandoned, 1u);
            if (g->a != g->b) {
                stress::atomic_add(&sh->torn_seen, 1u);
                g->b = g->a; // repair
            }
        } else {
            require_eq(r, ERR_OK);
            if (g->a != g->b)
                stress::atomic_add(&sh->bad, 1u);
        }
        g->a = g->a + 1;
        if (rng.chance(50))
            sleep(unsigned(rng.range(1, 3))); // a window for a kill
        g->b = g->a;
        stress::atomic_add(&sh->updates, 1u);
        require_eq(unlockSharedRegion(REGION), ERR_OK);
    }
    // Leave tidily about half the time; exit unmaps the rest.
    if (rng.chance(50))
        check_eq(destroyMapping(REGION, view), ERR_OK);
}

} // namespace

void kill_region_lock_holders()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<RegionShared*>(shared_or_fail(PAGE));
    require_eq(createSharedRegion(REGION, PAGE, 0), ERR_OK);
    Crowd crowd{6, region_locker, sh, &sh->stop, 3000, 10, 60};
    int kills = run_crowd(crowd, rng);
    // The survivors kept working, every torn update was reported as
    // abandoned, and the data is whole.
    void* view = nullptr;
    require_eq(createMapping(REGION, &view), ERR_OK);
    int r = lockSharedRegion(REGION);
    check(r == ERR_OK || r == ERR_ABANDONED, "final lock: %s", errname(r));
    auto* g = static_cast<Guarded*>(view);
    check(g->a == g->b, "copies %lu and %lu differ after the last (repaired) update", (unsigned long)g->a,
          (unsigned long)g->b);
    check(unlockSharedRegion(REGION) == ERR_OK, "unlock");
    check_eq(sh->bad, 0);
    check(sh->updates > 50, "only %u updates", sh->updates);
    check(sh->abandoned <= uint32_t(kills) + 6, "%u abandonments from %d kills", sh->abandoned, kills);
    printf("    %d kills, %u updates, %u abandoned, %u torn and repaired\n", kills, sh->updates, sh->abandoned,
           sh->torn_seen);
    check_eq(destroyMapping(REGION, view), ERR_OK);
    check_eq(destroySharedRegion(REGION), ERR_OK);
    munmap(sh, PAGE);
}

namespace {
struct WaiterShared {
    volatile uint32_t queued;
    volatile uint32_t order[16]; // indexes, in the order they got the lock
    volatile uint32_t got;
    volatile uint32_t results[16];
};
WaiterShared* g_waiters;

void lock_waiter(void* arg)
{
    int index = int(reinterpret_cast<intptr_t>(arg));
    void* view = nullptr;
    require_eq(createMapping("kt.wait", &view), ERR_OK);
    stress::atomic_add(&g_waiters->queued, 1u);
    int r = lockSharedRegion("kt.wait");
    g_waiters->results[index] = uint32_t(-r);
    g_waiters->order[stress::atomic_add(&g_waiters->got, 1u)] = uint32_t(index);
    check_eq(unlockSharedRegion("kt.wait"), ERR_OK);
}
} // namespace

// Waiters queued on a held region lock are killed at random: the others
// still get it, in order, with ERR_OK (a killed waiter leaves no trace,
// nothing is "abandoned").
void kill_region_lock_waiters()
{
    Rng rng = case_rng(__func__);
    g_waiters = static_cast<WaiterShared*>(shared_or_fail(PAGE));
    require_eq(createSharedRegion("kt.wait", PAGE, 0), ERR_OK);
    void* view = nullptr;
    require_eq(createMapping("kt.wait", &view), ERR_OK);
    require_eq(lockSharedRegion("kt.wait"), ERR_OK);
    constexpr int N = 8;
    int pids[N];
    bool killed[N] = {};
    for (int i = 0; i < N; i++) {
        int pid = fork();
        if (pid == 0) {
            lock_waiter(reinterpret_cast<void*>(intptr_t(i)));
            exit(test_failures() ? 1 : 0);
        }
        require(pid > 0, "fork");
        pids[i] = pid;
        // Queue them one at a time, so the FIFO order is known.
        require(wait_at_least(&g_waiters->queued, uint32_t(i + 1), 5000), "waiter %d never queued", i);
        sleep(20);
    }
    int kills = kill_about_half(rng, pids, killed, N);
    require_eq(unlockSharedRegion("kt.wait"), ERR_OK);
    for (int i = 0; i < N; i++)
        if (!killed[i])
            check_eq(stress::reap(pids[i]), 0);
    check_eq(g_waiters->got, uint32_t(N - kills));
    uint32_t last = 0;
    for (uint32_t k = 0; k < g_waiters->got; k++) {
        uint32_t index = g_waiters->order[k];
        check(!killed[index], "killed waiter %u got the lock", index);
        check(k == 0 || index > last, "waiter %u got the lock after %u (not FIFO)", index, last);
        check(g_waiters->results[index] == 0, "waiter %u got %s", index, errname(-int(g_waiters->results[index])));
        last = index;
    }
    check_eq(destroyMapping("kt.wait", view), ERR_OK);
    check_eq(destroySharedRegion("kt.wait"), ERR_OK);
    munmap(g_waiters, PAGE);
}

// ---- robust mutexes ------------------------------------------------------------------

namespace {
struct MutexShared {
    volatile uint32_t stop;
    volatile uint32_t ownerdead;
    volatile uint32_t torn_seen;
    volatile uint32_t bad;
    volatile uint32_t unrecoverable;
    volatile uint32_t updates;
    uint32_t pad[2];
    mutex_t mutex;
    Guarded data;
};

void mutex_locker(int index, void* arg)
{
    auto* sh = static_cast<MutexShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0x3073, uint64_t(getpid()) * 31 + uint64_t(index));
    while (!sh->stop) {
        int r = rng.chance(30) ? mutex_timedlock(&sh->mutex, deadline_after_ms(rng.range(1, 20)))
                               : mutex_lock(&sh->mutex);
        if (r == ERR_TIMEDOUT)
            continue;
        if (r == ERR_NOTRECOVERABLE) {
            stress::atomic_add(&sh->unrecoverable, 1u);
            return;
        }
        if (r == ERR_OWNERDEAD) {
            stress::atomic_add(&sh->ownerdead, 1u);
            if (sh->data.a != sh->data.b) {
                stress::atomic_add(&sh->torn_seen, 1u);
                sh->data.b = sh->data.a;
            }
            // A repairer killed right here, before mutex_consistent, must
            // pass ERR_OWNERDEAD on again, not make the mutex unusable.
            if (rng.chance(20))
                sleep(1);
            require_eq(mutex_consistent(&sh->mutex), ERR_OK);
        } else {
            require_eq(r, ERR_OK);
            if (sh->data.a != sh->data.b)
                stress::atomic_add(&sh->bad, 1u);
        }
        sh->data.a = sh->data.a + 1;
        if (rng.chance(50))
            sleep(unsigned(rng.range(1, 3)));
        sh->data.b = sh->data.a;
        stress::atomic_add(&sh->updates, 1u);
        require_eq(mutex_unlock(&sh->mutex), ERR_OK);
    }
}
} // namespace

void kill_robust_mutex_holders()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<MutexShared*>(shared_or_fail(PAGE));
    mutex_init(&sh->mutex);
    Crowd crowd{6, mutex_locker, sh, &sh->stop, 3000, 10, 60};
    int kills = run_crowd(crowd, rng);
    check_eq(sh->unrecoverable, 0);
    check_eq(sh->bad, 0);
    int r = mutex_lock(&sh->mutex);
    check(r == ERR_OK || r == ERR_OWNERDEAD, "final lock: %s", errname(r));
    if (r == ERR_OWNERDEAD) {
        sh->data.b = sh->data.a;
        check_eq(mutex_consistent(&sh->mutex), ERR_OK);
    }
    check(sh->data.a == sh->data.b, "copies differ: %lu, %lu", (unsigned long)sh->data.a,
          (unsigned long)sh->data.b);
    check_eq(mutex_unlock(&sh->mutex), ERR_OK);
    check(sh->updates > 50, "only %u updates", sh->updates);
    printf("    %d kills, %u updates, %u owner-dead, %u torn and repaired\n", kills, sh->updates, sh->ownerdead,
           sh->torn_seen);
    munmap(sh, PAGE);
}

// ---- futex waiters -------------------------------------------------------------------

namespace {
struct FutexShared {
    volatile uint32_t word;
    volatile uint32_t sleeping;
    volatile uint32_t woken;
};

void futex_sleeper(void* arg)
{
    auto* sh = static_cast<FutexShared*>(arg);
    stress::atomic_add(&sh->sleeping, 1u);
    while (sh->word == 0)
        futex_wait(const_cast<uint32_t*>(&sh->word), 0, 0);
    stress::atomic_add(&sh->woken, 1u);
}
} // namespace

// Processes asleep in futex_wait (in a named region and in anonymous
// shared memory) are killed; a wake afterwards finds exactly the
// survivors, no ghost of the dead.
void kill_futex_waiters()
{
    Rng rng = case_rng(__func__);
    require_eq(createSharedRegion("kt.futex", PAGE, 0), ERR_OK);
    void* view = nullptr;
    require_eq(createMapping("kt.futex", &view), ERR_OK);
    void* anon = shared_or_fail(PAGE);
    for (int round = 0; round < 2; round++) {
        auto* sh = static_cast<FutexShared*>(round == 0 ? view : anon);
        memset(sh, 0, sizeof *sh);
        constexpr int N = 10;
        int pids[N];
        bool killed[N] = {};
        for (int i = 0; i < N; i++) {
            pids[i] = fork();
            if (pids[i] == 0) {
                futex_sleeper(sh);
                exit(0);
            }
            require(pids[i] > 0, "fork");
        }
        require(wait_at_least(&sh->sleeping, N, 5000), "sleepers did not start");
        sleep(50); // into futex_wait
        int kills = kill_about_half(rng, pids, killed, N);
        sh->word = 1;
        // Every survivor is asleep on the word (or about to check it):
        // wake them all and count.
        int woken = futex_wake(const_cast<uint32_t*>(&sh->word), 0x7fffffff);
        check(woken <= N - kills, "round %d: woke %d, but only %d sleepers are alive", round, woken, N - kills);
        for (int i = 0; i < N; i++)
            if (!killed[i])
                check_eq(stress::reap(pids[i]), 0);
        check_eq(sh->woken, uint32_t(N - kills));
        // Nobody is left on the word.
        check_eq(futex_wake(const_cast<uint32_t*>(&sh->word), 0x7fffffff), 0);
    }
    check_eq(destroyMapping("kt.futex", view), ERR_OK);
    check_eq(destroySharedRegion("kt.futex"), ERR_OK);
    munmap(anon, PAGE);
}

// ---- a kill between releasing a mutex and waking its sleeper ----------------------

namespace {
struct ReleaseShared {
    mutex_t mutex;
    volatile uint32_t owner_ready;
    volatile int32_t result; // what the sleeper's mutex_lock returned, +1000 when set
};
ReleaseShared* g_release;

// Does what an unlock does when a sleeper waits (free the word, then
// wake), but dies between the two, with `pending` still naming the mutex,
// as a process killed right there would. `word` is what it leaves behind:
// 0 (an ordinary unlock) or FUTEX_NOTRECOVERABLE (giving the mutex up).
[[noreturn]] void release_and_die(uint32_t word)
{
    static struct robust_list_head head;
    head.list.next = uintptr_t(&head.list); // nothing held on the list
    head.futex_offset = int64_t(__builtin_offsetof(mutex_t, word)) - int64_t(__builtin_offsetof(mutex_t, next));
    head.pending = uintptr_t(&g_release->mutex.next);
    set_robust_list(&head);
    __atomic_store_n(&g_release->mutex.word, uint32_t(getpid()), __ATOMIC_SEQ_CST);
    g_release->owner_ready = 1;
    // Until the sleeper has announced itself.
    while (!(__atomic_load_n(&g_release->mutex.word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
        sleep(1);
    sleep(20); // into futex_wait
    __atomic_exchange_n(&g_release->mutex.word, word, __ATOMIC_SEQ_CST);
    exit(0); // no futex_wake: the kernel's robust walk must do it
}
} // namespace

void kill_between_release_and_wake()
{
    g_release = static_cast<ReleaseShared*>(shared_or_fail(PAGE));
    const uint32_t leftovers[] = {0, FUTEX_NOTRECOVERABLE};
    for (uint32_t left : leftovers) {
        mutex_init(&g_release->mutex);
        g_release->owner_ready = 0;
        g_release->result = 0;
        int owner = fork();
        if (owner == 0)
            release_and_die(left);
        require(owner > 0, "fork");
        while (!g_release->owner_ready)
            sleep(1);
        int sleeper = fork();
        if (sleeper == 0) {
            int r = mutex_lock(&g_release->mutex);
            g_release->result = r + 1000;
            if (r == ERR_OK)
                mutex_unlock(&g_release->mutex);
            exit(0);
        }
        require(sleeper > 0, "fork");
        check_eq(stress::reap(owner), 0);
        bool woke = wait_at_least(reinterpret_cast<volatile uint32_t*>(&g_release->result), 1, 3000);
        check(woke, "the sleeper never woke after its owner freed the mutex and died (word %#x)", left);
        if (!woke)
            kill(sleeper);
        stress::reap(sleeper);
        if (woke)
            check_eq(g_release->result - 1000, left ? ERR_NOTRECOVERABLE : ERR_OK);
    }
    munmap(g_release, PAGE);
}

// ---- a waiter killed just after its wake-up ------------------------------------------

namespace {
struct WokenShared {
    volatile uint32_t word;
    volatile uint32_t asleep;
    volatile uint32_t left[2]; // each sleeper: left its wait loop
};
WokenShared* g_woken;

void woken_sleeper(int i)
{
    stress::atomic_add(&g_woken->asleep, 1u);
    while (g_woken->word == 0)
        futex_wait(const_cast<uint32_t*>(&g_woken->word), 0, 0);
    g_woken->left[i] = 1;
}
} // namespace

// The word changes and one sleeper of two is woken, then killed at once.
// If it dies before acting on the wake-up, the kernel must pass the
// wake-up on to the other (or an unlock that found sleepers would wake
// nobody). Which way each round goes depends on timing; neither may leave
// the second sleeper asleep on a changed word.
void kill_woken_waiter()
{
    g_woken = static_cast<WokenShared*>(shared_or_fail(PAGE));
    int passed_on = 0;
    for (int round = 0; round < 20; round++) {
        memset(const_cast<WokenShared*>(g_woken), 0, sizeof *g_woken);
        int first = fork();
        if (first == 0) {
            woken_sleeper(0);
            exit(0);
        }
        require(first > 0, "fork");
        require(wait_at_least(&g_woken->asleep, 1, 5000), "first sleeper");
        sleep(10); // asleep in the kernel, oldest on the word
        int second = fork();
        if (second == 0) {
            woken_sleeper(1);
            exit(0);
        }
        require(second > 0, "fork");
        require(wait_at_least(&g_woken->asleep, 2, 5000), "second sleeper");
        sleep(10);
        g_woken->word = 1;
        check_eq(futex_wake(const_cast<uint32_t*>(&g_woken->word), 1), 1);
        kill(first);
        stress::reap(first);
        if (g_woken->left[0]) {
            // The first acted on its wake-up before the kill: wake the second ourselves.
            futex_wake(const_cast<uint32_t*>(&g_woken->word), 1);
        } else {
            passed_on++;
        }
        bool woke = wait_at_least(&g_woken->left[1], 1, 3000);
        check(woke, "round %d: the second sleeper slept on after the first was woken and killed", round);
        if (!woke)
            kill(second);
        stress::reap(second);
    }
    printf("    %d of 20 wake-ups passed on by a dying waiter\n", passed_on);
    munmap(g_woken, PAGE);
}
