/*
 * synctests: condition variables between processes: signal, broadcast,
 * timeouts (which return with the mutex held), misuse, a ping-pong of
 * thousands of round trips (no lost wake-up may stall it), and the
 * producer/consumer ring of docs/sync.md.
 */
#include "cases.h"

namespace {

struct CondBoard {
    mutex_t m;
    cond_t c;
    uint32_t flag;
    uint32_t tokens;
    uint32_t ready;
    uint32_t woke;
    uint64_t released_at;
};

CondBoard* new_board(const char* tag)
{
    CondBoard* b = static_cast<CondBoard*>(make_region(tag, PAGE));
    mutex_init(&b->m);
    cond_init(&b->c);
    return b;
}

// Waits for a token, takes it.
void token_waiter(void* arg)
{
    CondBoard* b = static_cast<CondBoard*>(arg);
    require_eq(mutex_lock(&b->m), ERR_OK);
    __atomic_fetch_add(&b->ready, 1, __ATOMIC_SEQ_CST);
    while (b->tokens == 0)
        check_eq(cond_wait(&b->c, &b->m), ERR_OK);
    check_eq(mutex_owner(&b->m), getpid());
    b->tokens--;
    b->woke++;
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

// Waits until the flag is set.
void flag_waiter(void* arg)
{
    CondBoard* b = static_cast<CondBoard*>(arg);
    require_eq(mutex_lock(&b->m), ERR_OK);
    __atomic_fetch_add(&b->ready, 1, __ATOMIC_SEQ_CST);
    while (!b->flag)
        check_eq(cond_wait(&b->c, &b->m), ERR_OK);
    b->woke++;
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

} // namespace

void cond_signal_wakes()
{
    CondBoard* b = new_board("signal");
    constexpr int N = 3;
    int pids[N];
    for (int i = 0; i < N; i++)
        pids[i] = start_child(token_waiter, b);
    for (int pid : pids)
        require(wait_sleeping(pid), "waiter asleep");
    // One token per signal: each signal must get one waiter going.
    for (int i = 0; i < N; i++) {
        require_eq(mutex_lock(&b->m), ERR_OK);
        b->tokens++;
        check_eq(cond_signal(&b->c), ERR_OK);
        check_eq(mutex_unlock(&b->m), ERR_OK);
        require(wait_word_at_least(&b->woke, uint32_t(i + 1)), "signal %d", i);
    }
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(b->tokens, 0u);
    check_eq(b->c.waiters, 0u);
}

void cond_broadcast_wakes_all()
{
    CondBoard* b = new_board("broadcast");
    constexpr int N = 4;
    int pids[N];
    for (int i = 0; i < N; i++)
        pids[i] = start_child(flag_waiter, b);
    for (int pid : pids)
        require(wait_sleeping(pid), "waiter asleep");
    require_eq(mutex_lock(&b->m), ERR_OK);
    b->flag = 1;
    check_eq(cond_broadcast(&b->c), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(b->woke, uint32_t(N));
}

namespace {
// Takes the mutex while the parent is inside cond_timedwait and holds it
// past the parent's deadline.
void mutex_squatter(void* arg)
{
    CondBoard* b = static_cast<CondBoard*>(arg);
    require(wait_word_at_least(&b->ready, 1), "parent ready");
    require_eq(mutex_lock(&b->m), ERR_OK);
    b->flag = 1;
    sleep(150);
    b->released_at = clock_ns();
    check_eq(mutex_unlock(&b->m), ERR_OK);
}
} // namespace

void cond_timedwait_times_out()
{
    CondBoard* b = new_board("timedwait");
    require_eq(mutex_lock(&b->m), ERR_OK);
    const uint64_t delays[] = {1, 30};
    for (uint64_t d : delays) {
        uint64_t deadline = clock_ns() + d * MS;
        check_eq(cond_timedwait(&b->c, &b->m, deadline), ERR_TIMEDOUT);
        check(clock_ns() >= deadline, "returned early");
        check_eq(mutex_owner(&b->m), getpid()); // held again
    }
    check_eq(cond_timedwait(&b->c, &b->m, 1), ERR_TIMEDOUT); // past deadline
    check_eq(mutex_owner(&b->m), getpid());
    // Someone else holds the mutex when the deadline passes: we return
    // only once we have it back.
    int squatter = start_child(mutex_squatter, b);
    b->ready = 1;
    int rounds = 0;
    while (!b->flag && rounds++ < 500) { // until a wait saw the squatter take the mutex
        check_eq(cond_timedwait(&b->c, &b->m, deadline_after_ms(20)), ERR_TIMEDOUT);
        check_eq(mutex_owner(&b->m), getpid());
    }
    check(b->flag, "the squatter never got the mutex");
    check(b->released_at != 0 && clock_ns() >= b->released_at, "returned without the mutex");
    check_eq(mutex_unlock(&b->m), ERR_OK);
    join_ok(squatter, "squatter");
    check_eq(b->c.waiters, 0u);
}

void cond_wait_not_owner()
{
    CondBoard* b = new_board("notowner");
    check_eq(cond_wait(&b->c, &b->m), ERR_INVAL); // free mutex
    check_eq(cond_timedwait(&b->c, &b->m, deadline_after_ms(1000)), ERR_INVAL);
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        if (mutex_lock(&b->m) != ERR_OK)
            exit(1);
        __atomic_store_n(&b->ready, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&b->flag, __ATOMIC_SEQ_CST))
            futex_wait(&b->flag, 0, 0);
        exit(mutex_unlock(&b->m) == ERR_OK ? 0 : 1);
    }
    require(wait_word_at_least(&b->ready, 1), "child holds the mutex");
    check_eq(cond_wait(&b->c, &b->m), ERR_INVAL); // someone else's mutex
    check_eq(mutex_owner(&b->m), child);
    check_eq(b->c.waiters, 0u);
    __atomic_store_n(&b->flag, 1, __ATOMIC_SEQ_CST);
    futex_wake(&b->flag, 1);
    join_ok(child, "holder");
}

namespace {
constexpr int ROUND_TRIPS = 4000;

struct PingPong {
    mutex_t m;
    cond_t c;
    uint32_t turn; // 0: ping's move, 1: pong's
    uint32_t moves[2];
};

void player(PingPong* p, uint32_t me)
{
    int bad = 0;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        bad += mutex_lock(&p->m) != ERR_OK;
        while (p->turn != me)
            bad += cond_wait(&p->c, &p->m) != ERR_OK;
        p->turn = 1 - me;
        p->moves[me]++;
        bad += cond_signal(&p->c) != ERR_OK;
        bad += mutex_unlock(&p->m) != ERR_OK;
    }
    check_eq(bad, 0);
}

void pong_child(void* arg) { player(static_cast<PingPong*>(arg), 1); }
} // namespace

void cond_pingpong()
{
    PingPong* p = static_cast<PingPong*>(make_region("pingpong", PAGE));
    mutex_init(&p->m);
    cond_init(&p->c);
    int pong = start_child(pong_child, p);
    player(p, 0);
    join_ok(pong, "pong");
    check_eq(p->moves[0], uint32_t(ROUND_TRIPS));
    check_eq(p->moves[1], uint32_t(ROUND_TRIPS));
    check_eq(p->turn, 0u);
}

// ---- the producer/consumer example of docs/sync.md ----

namespace {

#define RING_SLOTS 64

struct ring {
    mutex_t lock;
    cond_t not_empty; /* signalled when an item is added */
    cond_t not_full;  /* signalled when an item is removed */
    uint32_t head;    /* next slot to fill */
    uint32_t tail;    /* next slot to empty */
    uint32_t count;   /* items in the ring */
    uint32_t pad;
    uint64_t items[RING_SLOTS];
};

void ring_put(struct ring* r, uint64_t item)
{
    mutex_lock(&r->lock);
    while (r->count == RING_SLOTS)
        cond_wait(&r->not_full, &r->lock);
    r->items[r->head] = item;
    r->head = (r->head + 1) % RING_SLOTS;
    r->count++;
    cond_signal(&r->not_empty);
    mutex_unlock(&r->lock);
}

uint64_t ring_get(struct ring* r)
{
    mutex_lock(&r->lock);
    while (r->count == 0)
        cond_wait(&r->not_empty, &r->lock);
    uint64_t item = r->items[r->tail];
    r->tail = (r->tail + 1) % RING_SLOTS;
    r->count--;
    cond_signal(&r->not_full);
    mutex_unlock(&r->lock);
    return item;
}

constexpr uint64_t ITEMS_PER_PRODUCER = 6000;
constexpr int PRODUCERS = 2;
constexpr int CONSUMERS = 2;
constexpr uint64_t STOP = ~0ull;

struct RingTest {
    struct ring ring;
    uint64_t sum_in[PRODUCERS];
    uint64_t sum_out[CONSUMERS];
    uint64_t got[CONSUMERS];
    uint32_t out_of_order;
};

char g_ring_name[64];

uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

void producer_child(void* arg)
{
    int id = int(intptr_t(arg));
    // Each process maps the ring by name: its own view, its own address.
    RingTest* t = static_cast<RingTest*>(map_again(g_ring_name));
    uint64_t sum = 0;
    for (uint64_t seq = 0; seq < ITEMS_PER_PRODUCER; seq++) {
        uint64_t item = (uint64_t(id) << 32) | seq;
        sum += mix(item);
        ring_put(&t->ring, item);
    }
    t->sum_in[id] = sum;
}

void consumer_child(void* arg)
{
    int id = int(intptr_t(arg));
    RingTest* t = static_cast<RingTest*>(map_again(g_ring_name));
    uint64_t sum = 0, got = 0;
    int64_t last[PRODUCERS];
    for (int64_t& l : last)
        l = -1;
    for (;;) {
        uint64_t item = ring_get(&t->ring);
        if (item == STOP)
            break;
        uint32_t producer = uint32_t(item >> 32);
        int64_t seq = int64_t(item & 0xffffffffu);
        // One ring, first in first out: each producer's items arrive in order.
        if (producer >= PRODUCERS || seq <= last[producer])
            t->out_of_order++;
        else
            last[producer] = seq;
        sum += mix(item);
        got++;
    }
    t->sum_out[id] = sum;
    t->got[id] = got;
}

} // namespace

void cond_producer_consumer()
{
    snprintf(g_ring_name, sizeof g_ring_name, "synctests/ring/%d", getpid());
    require_eq(createSharedRegion(g_ring_name, sizeof(RingTest), 0), ERR_OK);
    RingTest* t = static_cast<RingTest*>(map_again(g_ring_name));
    mutex_init(&t->ring.lock);
    cond_init(&t->ring.not_empty);
    cond_init(&t->ring.not_full);
    int consumers[CONSUMERS], producers[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++)
        consumers[i] = start_child(consumer_child, reinterpret_cast<void*>(intptr_t(i)));
    for (int i = 0; i < PRODUCERS; i++)
        producers[i] = start_child(producer_child, reinterpret_cast<void*>(intptr_t(i)));
    for (int pid : producers)
        join_ok(pid, "producer");
    for (int i = 0; i < CONSUMERS; i++)
        ring_put(&t->ring, STOP);
    for (int pid : consumers)
        join_ok(pid, "consumer");
    uint64_t in = 0, out = 0, got = 0;
    for (uint64_t s : t->sum_in)
        in += s;
    for (int i = 0; i < CONSUMERS; i++) {
        out += t->sum_out[i];
        got += t->got[i];
    }
    check_eq(got, PRODUCERS * ITEMS_PER_PRODUCER);
    check(in == out, "checksum in %lx, out %lx", (unsigned long)in, (unsigned long)out);
    check_eq(t->out_of_order, 0u);
    check_eq(t->ring.count, 0u);
}
