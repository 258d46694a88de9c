/*
 * synctests: counting semaphores between processes: counting, trywait,
 * timeouts, waking sleepers, a bounded buffer built of two semaphores,
 * and the limits.
 */
#include "cases.h"

namespace {
struct SemBoard {
    sem_t s;
    uint32_t ready;
    uint32_t woke;
};
} // namespace

void sem_counting()
{
    SemBoard* b = static_cast<SemBoard*>(make_region("counting", PAGE));
    require_eq(sem_init(&b->s, 3), ERR_OK);
    check_eq(sem_value(&b->s), 3u);
    for (int i = 0; i < 3; i++)
        check_eq(sem_trywait(&b->s), ERR_OK);
    check_eq(sem_trywait(&b->s), ERR_AGAIN);
    check_eq(sem_value(&b->s), 0u);
    check_eq(sem_post(&b->s), ERR_OK);
    check_eq(sem_post(&b->s), ERR_OK);
    check_eq(sem_value(&b->s), 2u);
    check_eq(sem_wait(&b->s), ERR_OK);
    check_eq(sem_value(&b->s), 1u);
    // Another process sees the same count.
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        int ok = sem_trywait(&b->s) == ERR_OK && sem_trywait(&b->s) == ERR_AGAIN;
        ok &= sem_post(&b->s) == ERR_OK && sem_post(&b->s) == ERR_OK;
        exit(ok ? 0 : 1);
    }
    join_ok(child, "child");
    check_eq(sem_value(&b->s), 2u);
}

namespace {
constexpr int SLOTS = 16;
constexpr uint32_t ITEMS = 3000;
constexpr int WORKERS = 2;

struct Buffer {
    sem_t empty_slots;
    sem_t full_slots;
    mutex_t lock;
    uint32_t head, tail;
    uint32_t items[SLOTS];
    uint64_t produced_sum, consumed_sum;
    uint32_t consumed;
};

void sem_producer(void* arg)
{
    Buffer* b = static_cast<Buffer*>(arg);
    int bad = 0;
    for (uint32_t i = 1; i <= ITEMS; i++) {
        bad += sem_wait(&b->empty_slots) != ERR_OK;
        bad += mutex_lock(&b->lock) != ERR_OK;
        b->items[b->head] = i;
        b->head = (b->head + 1) % SLOTS;
        b->produced_sum += i;
        bad += mutex_unlock(&b->lock) != ERR_OK;
        bad += sem_post(&b->full_slots) != ERR_OK;
    }
    check_eq(bad, 0);
}

void sem_consumer(void* arg)
{
    Buffer* b = static_cast<Buffer*>(arg);
    int bad = 0;
    for (uint32_t i = 0; i < ITEMS; i++) {
        bad += sem_wait(&b->full_slots) != ERR_OK;
        bad += mutex_lock(&b->lock) != ERR_OK;
        b->consumed_sum += b->items[b->tail];
        b->tail = (b->tail + 1) % SLOTS;
        b->consumed++;
        bad += mutex_unlock(&b->lock) != ERR_OK;
        bad += sem_post(&b->empty_slots) != ERR_OK;
    }
    check_eq(bad, 0);
}
} // namespace

void sem_across_processes()
{
    Buffer* b = static_cast<Buffer*>(make_region("buffer", PAGE));
    require_eq(sem_init(&b->empty_slots, SLOTS), ERR_OK);
    require_eq(sem_init(&b->full_slots, 0), ERR_OK);
    mutex_init(&b->lock);
    int pids[2 * WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        pids[2 * i] = start_child(sem_consumer, b);
        pids[2 * i + 1] = start_child(sem_producer, b);
    }
    for (int pid : pids)
        join_ok(pid, "worker");
    check_eq(b->consumed, WORKERS * ITEMS);
    check_eq(b->consumed_sum, b->produced_sum);
    check_eq(b->produced_sum, uint64_t(WORKERS) * ITEMS * (ITEMS + 1) / 2);
    check_eq(sem_value(&b->empty_slots), uint32_t(SLOTS));
    check_eq(sem_value(&b->full_slots), 0u);
}

void sem_timedwait_times_out()
{
    SemBoard* b = static_cast<SemBoard*>(make_region("timed", PAGE));
    require_eq(sem_init(&b->s, 0), ERR_OK);
    const uint64_t delays[] = {1, 40};
    for (uint64_t d : delays) {
        uint64_t deadline = clock_ns() + d * MS;
        check_eq(sem_timedwait(&b->s, deadline), ERR_TIMEDOUT);
        uint64_t now = clock_ns();
        check(now >= deadline, "returned %lu ns early", (unsigned long)(deadline - now));
        check(now < deadline + 2000 * MS, "returned %lu ms late", (unsigned long)((now - deadline) / MS));
    }
    check_eq(sem_timedwait(&b->s, 1), ERR_TIMEDOUT);
    check_eq(sem_value(&b->s), 0u);
    check_eq(b->s.waiters, 0u);
    check_eq(sem_post(&b->s), ERR_OK);
    check_eq(sem_timedwait(&b->s, 1), ERR_OK); // available: the deadline does not matter
}

namespace {
void sem_sleeper(void* arg)
{
    SemBoard* b = static_cast<SemBoard*>(arg);
    check_eq(sem_wait(&b->s), ERR_OK);
    __atomic_fetch_add(&b->woke, 1, __ATOMIC_SEQ_CST);
}
} // namespace

void sem_post_wakes_waiter()
{
    SemBoard* b = static_cast<SemBoard*>(make_region("wake", PAGE));
    require_eq(sem_init(&b->s, 0), ERR_OK);
    constexpr int N = 3;
    int pids[N];
    for (int i = 0; i < N; i++)
        pids[i] = start_child(sem_sleeper, b);
    for (int pid : pids)
        require(wait_sleeping(pid), "waiter asleep");
    for (int i = 0; i < N; i++) {
        check_eq(sem_post(&b->s), ERR_OK);
        require(wait_word_at_least(&b->woke, uint32_t(i + 1)), "post %d woke nobody", i);
    }
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(sem_value(&b->s), 0u);
    check_eq(b->woke, uint32_t(N));
}

void sem_limits()
{
    SemBoard* b = static_cast<SemBoard*>(make_region("limits", PAGE));
    check_eq(sem_init(&b->s, SEM_VALUE_MAX + 1), ERR_INVAL);
    check_eq(sem_init(&b->s, 0xffffffffu), ERR_INVAL);
    require_eq(sem_init(&b->s, SEM_VALUE_MAX), ERR_OK);
    check_eq(sem_post(&b->s), ERR_RANGE);
    check_eq(sem_value(&b->s), SEM_VALUE_MAX);
    check_eq(sem_trywait(&b->s), ERR_OK);
    check_eq(sem_post(&b->s), ERR_OK);
    check_eq(sem_value(&b->s), SEM_VALUE_MAX);
}
