/*
 * synctests: the region lock of the original interface
 * (lockSharedRegion/unlockSharedRegion) keeps working beside the futex
 * mutexes: recursion, non-owner unlock, FIFO order among waiters, and
 * abandonment next to an owner-died mutex.
 */
#include "cases.h"

namespace {
struct RegionBoard {
    mutex_t m;
    uint32_t ready;
    uint32_t go;
    uint32_t order[8];
    uint32_t served;
    uint32_t pad;
    uint64_t counter;
};

char g_name[64];

RegionBoard* new_board(const char* tag)
{
    RegionBoard* b = static_cast<RegionBoard*>(make_region(tag, PAGE, g_name));
    mutex_init(&b->m);
    return b;
}
} // namespace

void region_lock_recursive()
{
    RegionBoard* b = new_board("rl-recursive");
    check_eq(lockSharedRegion(g_name), ERR_OK);
    check_eq(lockSharedRegion(g_name), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_INVAL);
    check_eq(lockSharedRegion("synctests/no such region"), ERR_NOTEXIST);
    // The mutex inside the region is independent of the region lock.
    check_eq(lockSharedRegion(g_name), ERR_OK);
    check_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    check_eq(mutex_owner(&b->m), getpid());
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

namespace {
void region_holder(void*)
{
    RegionBoard* b = static_cast<RegionBoard*>(map_again(g_name));
    require_eq(lockSharedRegion(g_name), ERR_OK);
    __atomic_store_n(&b->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&b->go, __ATOMIC_SEQ_CST))
        futex_wait(&b->go, 0, 0);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
}
} // namespace

void region_lock_not_owner()
{
    RegionBoard* b = new_board("rl-notowner");
    int holder = start_child(region_holder, nullptr);
    require(wait_word_at_least(&b->ready, 1), "holder ready");
    check_eq(unlockSharedRegion(g_name), ERR_INVAL);
    __atomic_store_n(&b->go, 1, __ATOMIC_SEQ_CST);
    futex_wake(&b->go, 1);
    join_ok(holder, "holder");
    check_eq(lockSharedRegion(g_name), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
}

namespace {
void queued_locker(void* arg)
{
    uint32_t id = uint32_t(uintptr_t(arg));
    RegionBoard* b = static_cast<RegionBoard*>(map_again(g_name));
    require_eq(lockSharedRegion(g_name), ERR_OK);
    b->order[b->served++] = id;
    check_eq(unlockSharedRegion(g_name), ERR_OK);
}
} // namespace

void region_lock_fifo()
{
    RegionBoard* b = new_board("rl-fifo");
    require_eq(lockSharedRegion(g_name), ERR_OK);
    constexpr int N = 4;
    int pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = start_child(queued_locker, reinterpret_cast<void*>(uintptr_t(i + 1)));
        require(wait_sleeping(pids[i]), "locker %d queued", i + 1); // queue them in this order
    }
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    for (int pid : pids)
        join_ok(pid, "locker");
    check_eq(b->served, uint32_t(N));
    for (int i = 0; i < N; i++)
        check(b->order[i] == uint32_t(i + 1), "served %u at position %d", b->order[i], i);
}

namespace {
constexpr int BESIDE_ROUNDS = 400;

void both_locks(void*)
{
    RegionBoard* b = static_cast<RegionBoard*>(map_again(g_name));
    int bad = 0;
    for (int i = 0; i < BESIDE_ROUNDS; i++) {
        bad += lockSharedRegion(g_name) != ERR_OK;
        bad += mutex_lock(&b->m) != ERR_OK;
        volatile uint64_t* c = &b->counter;
        *c = *c + 1;
        bad += mutex_unlock(&b->m) != ERR_OK;
        bad += unlockSharedRegion(g_name) != ERR_OK;
        bad += mutex_lock(&b->m) != ERR_OK; // and the mutex alone
        *c = *c + 1;
        bad += mutex_unlock(&b->m) != ERR_OK;
    }
    check_eq(bad, 0);
}

void die_holding_both(void*)
{
    RegionBoard* b = static_cast<RegionBoard*>(map_again(g_name));
    require_eq(lockSharedRegion(g_name), ERR_OK);
    require_eq(mutex_lock(&b->m), ERR_OK);
    exit(0);
}
} // namespace

void region_lock_beside_mutex()
{
    RegionBoard* b = new_board("rl-beside");
    int pids[3];
    for (int& pid : pids)
        pid = start_child(both_locks, nullptr);
    for (int pid : pids)
        join_ok(pid, "locker");
    check_eq(b->counter, 3u * 2 * BESIDE_ROUNDS);
    // An owner that exits holding both: each reports it its own way.
    join_ok(start_child(die_holding_both, nullptr), "owner");
    check_eq(lockSharedRegion(g_name), ERR_ABANDONED);
    check_eq(mutex_lock(&b->m), ERR_OWNERDEAD);
    check_eq(mutex_consistent(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    check_eq(lockSharedRegion(g_name), ERR_OK); // abandonment is reported once
    check_eq(unlockSharedRegion(g_name), ERR_OK);
}
