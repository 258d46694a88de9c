/*
 * Process-shared mutexes, condition variables, semaphores and barriers on
 * top of futex_wait/futex_wake (see sync.h).
 *
 * Mutex word protocol (the kernel knows it for robust lists):
 *   0                          free
 *   pid                        held, nobody waiting
 *   pid | FUTEX_WAITERS        held, someone may be sleeping
 *   FUTEX_OWNER_DIED [| W]     the owner died; free, and the next owner
 *                              must be told (ERR_OWNERDEAD)
 * A locker that had to wait always takes the mutex with FUTEX_WAITERS set:
 * it cannot know whether others still sleep, and a spurious wake-up on
 * unlock is cheaper than a lost one.
 *
 * Each process keeps its held robust mutexes on a doubly-linked list whose
 * head it registers with the kernel once; `pending` covers the instant
 * between taking (or dropping) the word and linking (or unlinking) it.
 */
#include "../include/sync.h"
#include "../include/tandem.h"

namespace {

// ---- atomics on shared words ----
inline uint32_t load(uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline bool cas(uint32_t* p, uint32_t expected, uint32_t desired)
{
    return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

// ---- this process's identity and robust list ----
int g_pid = 0;
bool g_registered = false;
struct robust_list_head g_robust;

int self_pid()
{
    if (g_pid == 0)
        g_pid = getpid();
    return g_pid;
}

uint64_t entry_of(mutex_t* m) { return (uint64_t)&m->next; }

void ensure_registered()
{
    if (g_registered)
        return;
    g_robust.list.next = (uint64_t)&g_robust.list;
    g_robust.futex_offset = (int64_t)__builtin_offsetof(mutex_t, word) - (int64_t)__builtin_offsetof(mutex_t, next);
    g_robust.pending = 0;
    set_robust_list(&g_robust);
    g_registered = true;
}

// The list is circular through g_robust.list; prev links let unlock
// remove in O(1).
void link_held(mutex_t* m)
{
    uint64_t head = (uint64_t)&g_robust.list;
    uint64_t first = g_robust.list.next;
    m->next = first;
    m->prev = head;
    if (first != head)
        ((mutex_t*)(first - __builtin_offsetof(mutex_t, next)))->prev = entry_of(m);
    g_robust.list.next = entry_of(m);
}

void unlink_held(mutex_t* m)
{
    uint64_t head = (uint64_t)&g_robust.list;
    if (m->prev == head)
        g_robust.list.next = m->next;
    else
        ((mutex_t*)(m->prev - __builtin_offsetof(mutex_t, next)))->next = m->next;
    if (m->next != head)
        ((mutex_t*)(m->next - __builtin_offsetof(mutex_t, next)))->prev = m->prev;
    m->next = m->prev = 0;
}

int finish_acquire(mutex_t* m, uint32_t previous)
{
    link_held(m);
    g_robust.pending = 0;
    if (previous & FUTEX_OWNER_DIED) {
        __atomic_store_n(&m->state, MUTEX_INCONSISTENT, __ATOMIC_RELEASE);
        return ERR_OWNERDEAD;
    }
    if (load(&m->state) == MUTEX_NOTRECOVERABLE) {
        // Someone gave up on it while we waited: hand it straight back.
        mutex_unlock(m);
        return ERR_NOTRECOVERABLE;
    }
    return ERR_OK;
}

int lock_slow(mutex_t* m, uint64_t deadline_ns, bool try_only)
{
    int pid = self_pid();
    for (;;) {
        if (load(&m->state) == MUTEX_NOTRECOVERABLE) {
            g_robust.pending = 0;
            return ERR_NOTRECOVERABLE;
        }
        uint32_t w = load(&m->word);
        if ((w & FUTEX_TID_MASK) == 0) {
            // Free (perhaps left by a dead owner): take it, as a waiter would.
            uint32_t desired = (uint32_t)pid | (w & FUTEX_WAITERS) | (try_only ? 0 : FUTEX_WAITERS);
            if (cas(&m->word, w, desired))
                return finish_acquire(m, w);
            continue;
        }
        if ((w & FUTEX_TID_MASK) == (uint32_t)pid) {
            g_robust.pending = 0;
            return ERR_BUSY; // not recursive
        }
        if (try_only) {
            g_robust.pending = 0;
            return ERR_BUSY;
        }
        if (!(w & FUTEX_WAITERS) && !cas(&m->word, w, w | FUTEX_WAITERS))
            continue;
        int r = futex_wait(&m->word, w | FUTEX_WAITERS, deadline_ns);
        if (r == ERR_TIMEDOUT || r == ERR_INTR) {
            g_robust.pending = 0;
            return r;
        }
    }
}

} // namespace

extern "C" {

uint64_t deadline_after_ms(uint64_t ms) { return clock_ns() + ms * 1000000ull; }

void sync_after_fork_in_child(void)
{
    g_pid = 0;
    g_registered = false;
}

void mutex_init(mutex_t* m)
{
    m->word = 0;
    m->state = MUTEX_CONSISTENT;
    m->next = m->prev = 0;
}

int mutex_lock(mutex_t* m) { return mutex_timedlock(m, 0); }

int mutex_timedlock(mutex_t* m, uint64_t deadline_ns)
{
    ensure_registered();
    g_robust.pending = entry_of(m);
    if (cas(&m->word, 0, (uint32_t)self_pid())) // the whole uncontended path
        return finish_acquire(m, 0);
    return lock_slow(m, deadline_ns, false);
}

int mutex_trylock(mutex_t* m)
{
    ensure_registered();
    g_robust.pending = entry_of(m);
    if (cas(&m->word, 0, (uint32_t)self_pid()))
        return finish_acquire(m, 0);
    return lock_slow(m, 0, true);
}

int mutex_unlock(mutex_t* m)
{
    uint32_t pid = (uint32_t)self_pid();
    uint32_t w = load(&m->word);
    if ((w & FUTEX_TID_MASK) != pid)
        return ERR_INVAL;
    // Unlocking without repairing an owner-died mutex gives up on it.
    bool give_up = load(&m->state) == MUTEX_INCONSISTENT;
    if (give_up)
        __atomic_store_n(&m->state, MUTEX_NOTRECOVERABLE, __ATOMIC_RELEASE);
    g_robust.pending = entry_of(m);
    unlink_held(m);
    if (!give_up && cas(&m->word, pid, 0)) { // the whole uncontended path
        g_robust.pending = 0;
        return ERR_OK;
    }
    uint32_t old = __atomic_exchange_n(&m->word, 0, __ATOMIC_ACQ_REL);
    g_robust.pending = 0;
    if (old & FUTEX_WAITERS || give_up)
        futex_wake(&m->word, give_up ? 0x7fffffff : 1);
    return ERR_OK;
}

int mutex_consistent(mutex_t* m)
{
    if ((load(&m->word) & FUTEX_TID_MASK) != (uint32_t)self_pid() || load(&m->state) != MUTEX_INCONSISTENT)
        return ERR_INVAL;
    __atomic_store_n(&m->state, MUTEX_CONSISTENT, __ATOMIC_RELEASE);
    return ERR_OK;
}

// ---- condition variables ----

void cond_init(cond_t* c) { c->sequence = c->waiters = 0; }

int cond_wait(cond_t* c, mutex_t* m) { return cond_timedwait(c, m, 0); }

int cond_timedwait(cond_t* c, mutex_t* m, uint64_t deadline_ns)
{
    // Reading the sequence before unlocking is what makes a signal sent
    // after our unlock visible to futex_wait (it changes the value).
    uint32_t seq = load(&c->sequence);
    __atomic_fetch_add(&c->waiters, 1, __ATOMIC_ACQ_REL);
    int r = mutex_unlock(m);
    if (r != ERR_OK) {
        __atomic_fetch_sub(&c->waiters, 1, __ATOMIC_ACQ_REL);
        return r;
    }
    int waited = futex_wait(&c->sequence, seq, deadline_ns);
    __atomic_fetch_sub(&c->waiters, 1, __ATOMIC_ACQ_REL);
    int relocked = mutex_lock(m);
    if (relocked != ERR_OK)
        return relocked;
    return waited == ERR_TIMEDOUT ? ERR_TIMEDOUT : ERR_OK;
}

int cond_signal(cond_t* c)
{
    __atomic_fetch_add(&c->sequence, 1, __ATOMIC_ACQ_REL);
    if (load(&c->waiters) > 0)
        futex_wake(&c->sequence, 1);
    return ERR_OK;
}

int cond_broadcast(cond_t* c)
{
    __atomic_fetch_add(&c->sequence, 1, __ATOMIC_ACQ_REL);
    if (load(&c->waiters) > 0)
        futex_wake(&c->sequence, 0x7fffffff);
    return ERR_OK;
}

// ---- semaphores ----

int sem_init(sem_t* s, uint32_t value)
{
    s->value = value;
    s->waiters = 0;
    return ERR_OK;
}

int sem_trywait(sem_t* s)
{
    for (;;) {
        uint32_t v = load(&s->value);
        if (v == 0)
            return ERR_AGAIN;
        if (cas(&s->value, v, v - 1))
            return ERR_OK;
    }
}

int sem_timedwait(sem_t* s, uint64_t deadline_ns)
{
    for (;;) {
        if (sem_trywait(s) == ERR_OK)
            return ERR_OK;
        __atomic_fetch_add(&s->waiters, 1, __ATOMIC_ACQ_REL);
        int r = futex_wait(&s->value, 0, deadline_ns);
        __atomic_fetch_sub(&s->waiters, 1, __ATOMIC_ACQ_REL);
        if (r == ERR_TIMEDOUT || r == ERR_INTR)
            return r;
    }
}

int sem_wait(sem_t* s) { return sem_timedwait(s, 0); }

int sem_post(sem_t* s)
{
    __atomic_fetch_add(&s->value, 1, __ATOMIC_ACQ_REL);
    if (load(&s->waiters) > 0)
        futex_wake(&s->value, 1);
    return ERR_OK;
}

uint32_t sem_value(sem_t* s) { return load(&s->value); }

// ---- barriers ----

int barrier_init(barrier_t* b, uint32_t count)
{
    if (count == 0)
        return ERR_INVAL;
    b->count = count;
    b->arrived = 0;
    b->generation = 0;
    return ERR_OK;
}

int barrier_timedwait(barrier_t* b, uint64_t deadline_ns)
{
    uint32_t generation = load(&b->generation);
    uint32_t arrived = __atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL);
    if (arrived == b->count) {
        // The last to arrive opens the barrier for this generation.
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELEASE);
        __atomic_fetch_add(&b->generation, 1, __ATOMIC_ACQ_REL);
        futex_wake(&b->generation, 0x7fffffff);
        return BARRIER_SERIAL;
    }
    while (load(&b->generation) == generation) {
        int r = futex_wait(&b->generation, generation, deadline_ns);
        if ((r == ERR_TIMEDOUT || r == ERR_INTR) && load(&b->generation) == generation) {
            __atomic_fetch_sub(&b->arrived, 1, __ATOMIC_ACQ_REL);
            return r;
        }
    }
    return ERR_OK;
}

int barrier_wait(barrier_t* b) { return barrier_timedwait(b, 0); }

} // extern "C"
