// LAB(sync) begin: header_spinning
/*
 * Process-shared mutexes, condition variables, semaphores and barriers on
 * top of futex_wait/futex_wake (see sync.h and docs/sync.md).
 *
 * The mutex word protocol is in kernel/uapi/futex.h: 0 when free, else the
 * owner's pid, plus FUTEX_WAITERS when someone may sleep and
 * FUTEX_OWNER_DIED after a robust release. Lock is a compare-and-swap
 * 0 -> pid; unlock a compare-and-swap pid -> 0. Only when those fail do we
 * look closer: someone waits (wake one on unlock), the owner died (report
 * ERR_OWNERDEAD), or the mutex was given up (ERR_NOTRECOVERABLE).
 *
 * A locker that slept takes the mutex with FUTEX_WAITERS set: it cannot
 * know whether others still sleep (the unlock that woke it cleared the
 * word), and a wake-up nobody needed costs one system call, while a
 * missing one would leave a sleeper behind forever.
 *
 * Fairness: normally an unlock frees the word and wakes one sleeper, and
 * whoever gets to the word first takes it (a running process usually
 * beats the one just woken). That keeps throughput high, but a sleeper can
 * lose every race to a stream of lockers. So a sleeper that keeps losing
 * for STARVING_NS sets FUTEX_HANDOFF; while it is set, unlock does not free
 * the word but asks the kernel to make the oldest sleeper the owner
 * (FUTEX_WAKE_HANDOFF), so the queue is served first come, first served
 * and nobody can barge in. The sleeper that set the bit clears it once it
 * has the mutex (or gives up waiting); the kernel clears it when it hands
 * the mutex to the last sleeper.
 *
 * Each process keeps the robust mutexes it holds on a doubly-linked list
 * through the mutexes' next/prev fields, whose head (g_robust) it registers
 * with the kernel once. The kernel follows only `next`; `prev` lets unlock
 * remove a mutex in O(1). `pending` covers the instants when the word and
 * the list disagree: between taking the word and linking the mutex, and
 * between unlinking it and releasing the word. A process is one thread, so
 * nothing else touches the list while it runs, and the kernel reads it
 * only after the process has stopped for good.
 *
 * Memory ordering: taking a word is an acquire, releasing it a release, so
 * the data a mutex protects moves with it. The counters that let signal
 * and post skip the system call (cond.waiters, sem.waiters) are read and
 * written sequentially consistently, because each pairs a store to one
 * word with a load of another (see sem_post).
 */
// LAB(sync) end
#include "../include/sync.h"
#include "../include/tandem.h"

extern "C" {
struct robust_list_head __sync_robust;
uint32_t __sync_pid = 0;
}

namespace {

constexpr int WAKE_ALL = 0x7fffffff;
// LAB(sync) begin
// How long a sleeper may keep losing the race for a freed mutex before it
// asks for hand-over. Long enough that hand-over (which costs a context
// switch per unlock) stays rare under ordinary contention.
constexpr uint64_t STARVING_NS = 4000000;
// How many times a would-be sleeper looks again before it sleeps. The
// other side often acts within microseconds (a producer finishing a chunk,
// an owner leaving a short critical section), and sleeping then costs a
// system call to each side and, if the sleeper's hart halts, a wake-up
// across harts, far more than a few microseconds of looking. Bounded, so
// a one-hart machine wastes little.
constexpr int SPIN_LOOKS = 2000;

inline void relax() { __asm__ volatile("nop"); }
// LAB(sync) end

// ---- atomics on shared words ----
//
// The compare-and-swaps that must release (unlock, and a barrier's
// arrival and opening) are written out in the form the RISC-V psABI
// prescribes, because Debian's GCC 12 miscompiles them: it puts the
// failure ordering on both halves of the lr/sc pair, so an acq_rel CAS
// becomes lr.w.aq/sc.w.aq and a release CAS a bare lr.w/sc.w, and the
// release is lost (GCC 13 fixed this). Acquire and sequentially
// consistent ones come out right, so they stay builtins.
inline uint32_t load(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline bool cas(uint32_t* p, uint32_t expected, uint32_t desired) // acquire
{
    return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);
}
inline bool cas_sc(uint32_t* p, uint32_t expected, uint32_t desired)
{
    return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
// The psABI's compare-and-swap loop with a releasing store-conditional;
// LOAD_RESERVED is the load's ordering: "lr.w" or "lr.w.aq". lr.w
// sign-extends, so the expected value is compared sign-extended too.
#define RELEASING_CAS(LOAD_RESERVED, p, expected, desired)                                      \
    ({                                                                                          \
        long found, failed;                                                                     \
        asm volatile("1: " LOAD_RESERVED " %0, (%2)\n"                                          \
                     "   bne %0, %3, 2f\n"                                                      \
                     "   sc.w.rl %1, %4, (%2)\n"                                                \
                     "   bnez %1, 1b\n"                                                         \
                     "2:"                                                                       \
                     : "=&r"(found), "=&r"(failed)                                              \
                     : "r"(p), "r"(long(int32_t(expected))), "r"(long(desired))                \
                     : "memory");                                                               \
        uint32_t(found) == (expected);                                                          \
    })
inline bool cas_release(uint32_t* p, uint32_t expected, uint32_t desired)
{
    return RELEASING_CAS("lr.w", p, expected, desired);
}
inline bool cas_acq_rel(uint32_t* p, uint32_t expected, uint32_t desired)
{
    return RELEASING_CAS("lr.w.aq", p, expected, desired);
}
#undef RELEASING_CAS
inline uint32_t owner_of(uint32_t word) { return word & FUTEX_TID_MASK; }
inline bool ends_wait(int r) { return r != ERR_OK && r != ERR_AGAIN; }

// ---- this process's identity and robust list ----
// g_robust and g_pid are __sync_robust and __sync_pid (below), which the
// inline fast paths of sync.h read: g_pid stays 0 until the robust list is
// registered, so the first lock of a process always comes here.
#define g_robust __sync_robust
#define g_pid __sync_pid

uint64_t entry_of(mutex_t* m) { return (uint64_t)&m->next; }
mutex_t* mutex_of(uint64_t entry) { return (mutex_t*)(entry - __builtin_offsetof(mutex_t, next)); }

void ensure_registered()
{
    if (g_pid != 0)
        return;
    g_robust.list.next = (uint64_t)&g_robust.list;
    g_robust.futex_offset = (int64_t)__builtin_offsetof(mutex_t, word) - (int64_t)__builtin_offsetof(mutex_t, next);
    g_robust.pending = 0;
    set_robust_list(&g_robust);
    g_pid = uint32_t(getpid());
}

uint32_t self_pid()
{
    ensure_registered();
    return g_pid;
}

// Puts m at the front of the held list (the caller owns m).
void link_held(mutex_t* m)
{
    uint64_t head = (uint64_t)&g_robust.list;
    uint64_t first = g_robust.list.next;
    m->next = first;
    m->prev = head;
    if (first != head)
        mutex_of(first)->prev = entry_of(m);
    g_robust.list.next = entry_of(m);
}

// Takes m off the held list (the caller still owns m).
void unlink_held(mutex_t* m)
{
    uint64_t head = (uint64_t)&g_robust.list;
    if (m->prev == head)
        g_robust.list.next = m->next;
    else
        mutex_of(m->prev)->next = m->next;
    if (m->next != head)
        mutex_of(m->next)->prev = m->prev;
    m->next = m->prev = 0;
}

// We own m, taken from a word whose previous value was `previous`.
int finish_acquire(mutex_t* m, uint32_t previous)
{
    link_held(m);
    g_robust.pending = 0;
    return (previous & FUTEX_OWNER_DIED) ? ERR_OWNERDEAD : ERR_OK;
}

int fail_acquire(int error)
{
    g_robust.pending = 0;
    return error;
}

// LAB(sync) begin: lock_slow_spins
// Withdraws a hand-over request we made (we got the mutex, or stop waiting).
void clear_handoff(mutex_t* m)
{
    for (;;) {
        uint32_t w = load(&m->word);
        if (!(w & FUTEX_HANDOFF) || cas(&m->word, w, w & ~FUTEX_HANDOFF))
            return;
    }
}

// Everything but the uncontended case. g_robust.pending is m.
int lock_slow(mutex_t* m, uint64_t deadline_ns, bool try_only)
{
    uint32_t pid = self_pid();
    bool slept = false;         // we have been woken at least once
    bool just_woke = false;     // ... and not looked at the clock since
    bool starving = false;      // we have kept losing for STARVING_NS
    bool asked_handoff = false; // we set FUTEX_HANDOFF, so we clear it
    uint64_t first_loss = 0;    // when we first lost the race after a wake-up
    bool spun = false;          // we looked again before this sleep
    for (;;) {
        uint32_t w = load(&m->word);
        uint32_t owner = owner_of(w);
        if (owner == FUTEX_NOTRECOVERABLE)
            return fail_acquire(ERR_NOTRECOVERABLE);
        if (owner == 0) {
            // Free, perhaps left by a dead owner: OWNER_DIED stays in the
            // word while we hold it, so that unlock knows we never repaired
            // it. (A free word never carries FUTEX_HANDOFF.)
            uint32_t desired = pid | (w & (FUTEX_WAITERS | FUTEX_OWNER_DIED)) | (slept ? FUTEX_WAITERS : 0);
            if (cas(&m->word, w, desired))
                return finish_acquire(m, w);
            continue;
        }
        if (owner == pid) {
            if (!slept)
                return fail_acquire(ERR_BUSY); // not recursive
            // We slept and woke up owning it: the unlock handed it to us.
            if (asked_handoff)
                clear_handoff(m);
            return finish_acquire(m, w);
        }
        if (try_only)
            return fail_acquire(ERR_BUSY);
        // Woken, but someone else got there first: how long has this gone on?
        if (just_woke && !starving) {
            uint64_t now = clock_ns();
            if (first_loss == 0)
                first_loss = now;
            starving = now - first_loss >= STARVING_NS;
        }
        just_woke = false;
        // Look again for a while before sleeping (see SPIN_LOOKS); not when
        // starving, where only hand-over helps.
        if (!spun && !starving && !(w & FUTEX_HANDOFF)) {
            spun = true;
            bool freed = false;
            for (int i = 0; i < SPIN_LOOKS && !freed; i++) {
                relax();
                freed = owner_of(__atomic_load_n(&m->word, __ATOMIC_RELAXED)) != owner;
            }
            if (freed)
                continue;
        }
        spun = false;
        // Announce ourselves before sleeping, so the owner's unlock wakes
        // us; ask for hand-over if we keep losing (unless someone has).
        uint32_t bits = FUTEX_WAITERS;
        if (starving && !asked_handoff && !(w & FUTEX_HANDOFF))
            bits |= FUTEX_HANDOFF;
        if ((w & bits) != bits) {
            if (!cas(&m->word, w, w | bits))
                continue;
            asked_handoff |= (bits & FUTEX_HANDOFF) != 0;
            w |= bits;
        }
        int r = futex_wait(&m->word, w, deadline_ns);
        if (ends_wait(r)) { // ERR_TIMEDOUT, ERR_INTR
            if (asked_handoff)
                clear_handoff(m);
            return fail_acquire(r);
        }
        slept = just_woke = true;
    }
}
// LAB(sync) end

} // namespace

extern "C" {

uint64_t deadline_after_ms(uint64_t ms) { return clock_ns() + ms * 1000000ull; }

void sync_after_fork_in_child(void)
{
    g_pid = 0; // also means "not registered": the child has no robust list yet
}

// fork, wrapped: the child has a new pid and, by the kernel's rule, no
// robust list and no mutex ownership. (The stub `fork` is weak; this one
// replaces it in every program that links this file.)
int __sys_fork(void);
int fork(void)
{
    int pid = __sys_fork();
    if (pid == 0)
        sync_after_fork_in_child();
    return pid;
}

// ---- mutexes ----

void mutex_init(mutex_t* m)
{
    m->reserved = 0;
    m->next = m->prev = 0;
    __atomic_store_n(&m->word, 0, __ATOMIC_RELEASE);
}


int mutex_timedlock(mutex_t* m, uint64_t deadline_ns)
{
    ensure_registered();
    g_robust.pending = entry_of(m); // if we die before linking m, the kernel still finds it
    if (cas(&m->word, 0, self_pid())) // the whole uncontended path
        return finish_acquire(m, 0);
    return lock_slow(m, deadline_ns, false);
}

int mutex_trylock(mutex_t* m)
{
    ensure_registered();
    g_robust.pending = entry_of(m);
    if (cas(&m->word, 0, self_pid()))
        return finish_acquire(m, 0);
    return lock_slow(m, 0, true);
}

// LAB(sync) begin: release_stores_zero
// Releases m, already taken off our robust list (g_robust.pending is m),
// whose word was `w` when we checked it.
static int release_unlinked(mutex_t* m, uint32_t pid, uint32_t w)
{
    if (w & FUTEX_OWNER_DIED) {
        // Taken from a dead owner and never repaired: give up on it, and
        // wake every sleeper so that each learns it at once.
        __atomic_store_n(&m->word, FUTEX_NOTRECOVERABLE, __ATOMIC_RELEASE);
        futex_wake(&m->word, WAKE_ALL);
        g_robust.pending = 0; // after the wake-up: see below
        return ERR_OK;
    }
    if (cas_release(&m->word, pid, 0)) { // uncontended after all
        g_robust.pending = 0;
        return ERR_OK;
    }
    // Someone sleeps (only sleepers change an owned word). A starving one
    // gets the mutex handed over; otherwise free it and wake one.
    if ((__atomic_load_n(&m->word, __ATOMIC_RELAXED) & FUTEX_HANDOFF) &&
        futex_wake(&m->word, FUTEX_WAKE_HANDOFF) == 1) {
        g_robust.pending = 0;
        return ERR_OK;
    }
    // `pending` keeps naming m until the sleeper is woken: if we are killed
    // between freeing the word and the wake-up, the kernel's robust walk
    // at our exit sees a free pending word and wakes a sleeper for us
    // (docs/sync.md).
    uint32_t old = __atomic_exchange_n(&m->word, 0, __ATOMIC_RELEASE);
    if (old & FUTEX_WAITERS)
        futex_wake(&m->word, 1);
    g_robust.pending = 0;
    return ERR_OK;
}
// LAB(sync) end

// The inline mutex_unlock's way out when its release found a waiter.
int __sync_mutex_release_unlinked(mutex_t* m, uint32_t pid) { return release_unlinked(m, pid, pid); }

// Everything the inline mutex_unlock does not handle itself.
int __sync_mutex_unlock(mutex_t* m)
{
    uint32_t pid = self_pid();
    // Relaxed: if we own the word, we wrote this value ourselves.
    uint32_t w = __atomic_load_n(&m->word, __ATOMIC_RELAXED);
    if (owner_of(w) != pid)
        return ERR_INVAL;
    g_robust.pending = entry_of(m); // if we die before releasing, the kernel still finds it
    unlink_held(m);
    return release_unlinked(m, pid, w);
}

int mutex_consistent(mutex_t* m)
{
    uint32_t pid = self_pid();
    for (;;) {
        uint32_t w = load(&m->word);
        if (owner_of(w) != pid || !(w & FUTEX_OWNER_DIED))
            return ERR_INVAL;
        // A sleeper may set FUTEX_WAITERS meanwhile: retry then.
        if (cas(&m->word, w, w & ~FUTEX_OWNER_DIED))
            return ERR_OK;
    }
}

int mutex_owner(const mutex_t* m)
{
    uint32_t owner = owner_of(load(&m->word));
    return owner == FUTEX_NOTRECOVERABLE ? 0 : int(owner);
}

// LAB(sync) begin: cond_yields
// ---- condition variables ----
//
// A waiter samples `sequence` while it still holds the mutex, then sleeps
// only if it has not changed. A signal changes it before waking, so a
// signal sent at any moment after the waiter released the mutex either
// finds it asleep (and wakes it) or makes its futex_wait return at once:
// no wake-up is lost.

void cond_init(cond_t* c)
{
    c->waiters = 0;
    __atomic_store_n(&c->sequence, 0, __ATOMIC_RELEASE);
}

int cond_wait(cond_t* c, mutex_t* m) { return cond_timedwait(c, m, 0); }

int cond_timedwait(cond_t* c, mutex_t* m, uint64_t deadline_ns)
{
    if (owner_of(load(&m->word)) != self_pid())
        return ERR_INVAL;
    uint32_t seq = __atomic_load_n(&c->sequence, __ATOMIC_SEQ_CST);
    mutex_unlock(m);
    // Look for a signal for a while before sleeping (see SPIN_LOOKS). Not
    // yet counted as a waiter, so a signal meanwhile makes no system call;
    // that is safe: we count ourselves before futex_wait, which sleeps only
    // if the sequence still has the value read under the mutex, and a
    // signaler bumps the sequence before it reads the count.
    int waited = ERR_OK;
    bool signalled = false;
    for (int i = 0; i < SPIN_LOOKS && !signalled; i++) {
        relax();
        signalled = __atomic_load_n(&c->sequence, __ATOMIC_SEQ_CST) != seq;
    }
    if (!signalled) {
        __atomic_fetch_add(&c->waiters, 1, __ATOMIC_SEQ_CST);
        waited = futex_wait(&c->sequence, seq, deadline_ns);
        __atomic_fetch_sub(&c->waiters, 1, __ATOMIC_SEQ_CST);
    }
    // Re-lock even after a timeout: the caller expects to hold m.
    int relocked = mutex_lock(m);
    if (relocked != ERR_OK)
        return relocked;
    return waited == ERR_TIMEDOUT ? ERR_TIMEDOUT : ERR_OK;
}

int cond_signal(cond_t* c)
{
    __atomic_fetch_add(&c->sequence, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST) > 0)
        futex_wake(&c->sequence, 1);
    return ERR_OK;
}

int cond_broadcast(cond_t* c)
{
    __atomic_fetch_add(&c->sequence, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST) > 0)
        futex_wake(&c->sequence, WAKE_ALL);
    return ERR_OK;
}
// LAB(sync) end

// ---- semaphores ----
//
// The futex word is the value itself: a waiter sleeps only while it is 0.
// sem_post stores to `value` then loads `waiters`; a waiter stores to
// `waiters` then (in the kernel) loads `value`. With sequentially
// consistent accesses at least one of them sees the other's store, so
// either the poster wakes the waiter or the waiter does not sleep.

int sem_init(sem_t* s, uint32_t value)
{
    if (value > SEM_VALUE_MAX)
        return ERR_INVAL;
    s->waiters = 0;
    __atomic_store_n(&s->value, value, __ATOMIC_RELEASE);
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
    if (sem_trywait(s) == ERR_OK)
        return ERR_OK;
    __atomic_fetch_add(&s->waiters, 1, __ATOMIC_SEQ_CST);
    int r = ERR_OK;
    while (sem_trywait(s) != ERR_OK) {
        r = futex_wait(&s->value, 0, deadline_ns);
        if (ends_wait(r))
            break;
        r = ERR_OK;
    }
    __atomic_fetch_sub(&s->waiters, 1, __ATOMIC_SEQ_CST);
    return r;
}

int sem_wait(sem_t* s) { return sem_timedwait(s, 0); }

int sem_post(sem_t* s)
{
    for (;;) {
        uint32_t v = __atomic_load_n(&s->value, __ATOMIC_RELAXED);
        if (v >= SEM_VALUE_MAX)
            return ERR_RANGE;
        if (cas_sc(&s->value, v, v + 1))
            break;
    }
    if (__atomic_load_n(&s->waiters, __ATOMIC_SEQ_CST) > 0)
        futex_wake(&s->value, 1);
    return ERR_OK;
}

uint32_t sem_value(sem_t* s) { return load(&s->value); }

// ---- barriers ----
//
// One word holds both the generation (high 16 bits) and how many have
// arrived in it (low 16), so that arriving, opening and withdrawing after
// a timeout are each a single compare-and-swap: a waiter that times out
// can never withdraw from a generation that has already opened. Waiters
// sleep on that word; arrivals change it without waking anyone, and only
// the opener wakes them all. Sixteen bits of generation are plenty: a
// generation cannot open twice while one of its waiters is still inside.

int barrier_init(barrier_t* b, uint32_t count)
{
    if (count == 0 || count > BARRIER_MAX_COUNT)
        return ERR_INVAL;
    b->count = count;
    b->reserved[0] = b->reserved[1] = 0;
    __atomic_store_n(&b->state, 0, __ATOMIC_RELEASE);
    return ERR_OK;
}

int barrier_timedwait(barrier_t* b, uint64_t deadline_ns)
{
    uint32_t count = b->count;
    uint32_t generation;
    for (;;) {
        uint32_t s = load(&b->state);
        generation = s >> 16;
        uint32_t arrived = (s & 0xffff) + 1;
        if (arrived == count) {
            // The last to arrive opens the barrier: next generation, nobody in it.
            if (!cas_acq_rel(&b->state, s, ((generation + 1) & 0xffff) << 16))
                continue;
            if (count > 1)
                futex_wake(&b->state, WAKE_ALL);
            return BARRIER_SERIAL;
        }
        if (cas_acq_rel(&b->state, s, s + 1))
            break;
    }
    for (;;) {
        uint32_t s = load(&b->state);
        if ((s >> 16) != generation)
            return ERR_OK;
        int r = futex_wait(&b->state, s, deadline_ns);
        if (!ends_wait(r))
            continue;
        // Timed out (or killed): withdraw, unless the barrier opened meanwhile.
        for (;;) {
            s = load(&b->state);
            if ((s >> 16) != generation)
                return ERR_OK;
            if (cas(&b->state, s, s - 1))
                return r;
        }
    }
}

int barrier_wait(barrier_t* b) { return barrier_timedwait(b, 0); }

} // extern "C"
