/*
 * Synchronization between processes: futexes, and the mutexes, condition
 * variables, semaphores and barriers built on them (docs/sync.md is the
 * guide). Every object here is process-shared: put it in a named shared
 * region (or any shared mapping) and every process that maps the region
 * can use it, at whatever address it mapped it. The objects hold no
 * pointers that other processes follow, so they need no address in
 * common.
 *
 * Fast paths stay in user space: an uncontended mutex_lock or mutex_unlock
 * is one atomic instruction and no system call, and so are sem_post,
 * sem_trywait and cond_signal when nobody waits. Only a process that must
 * wait enters the kernel (futex_wait), and only a release that may have a
 * sleeper wakes one (futex_wake).
 *
 * Mutexes are robust: if the owner dies holding one, the next locker gets
 * ERR_OWNERDEAD and owns the mutex; it must repair the protected data and
 * call mutex_consistent(), or the mutex becomes ERR_NOTRECOVERABLE for
 * everyone once it is unlocked.
 *
 * Timed variants take an absolute deadline in clock_ns() nanoseconds (0
 * means none); they return ERR_TIMEDOUT once it has passed, never before.
 * deadline_after_ms() makes one. A process killed while it waits never
 * returns (ERR_INTR is what the kernel reports to the dying process).
 *
 * Errors are negative ERR_* codes (kernel/uapi/errors.h).
 */
#ifndef TANDEM_USER_SYNC_H
#define TANDEM_USER_SYNC_H

#include <stdint.h>

#include "../../kernel/uapi/errors.h"
#include "../../kernel/uapi/futex.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- futexes (system calls) ---- */
/* Sleeps while *addr == expected, until futex_wake on the same word (in
   any process that maps it), the deadline, or death. Returns ERR_OK when
   woken (or spuriously), ERR_AGAIN if *addr != expected on entry,
   ERR_TIMEDOUT, ERR_INTR (killed), ERR_INVAL (addr not 4-byte aligned),
   ERR_FAULT (addr not readable memory of the caller, or past the end of a
   mapped file), ERR_NOMEM (no memory for the word's page). */
int futex_wait(uint32_t* addr, uint32_t expected, uint64_t deadline_ns);
/* Wakes up to n sleepers on the word at addr (n >= 0); returns how many.
   ERR_INVAL (misaligned, n < 0), ERR_FAULT (addr not in the caller's
   memory). */
int futex_wake(uint32_t* addr, int n);
/* Registers this process's robust-mutex list (the library does it on the
   first lock; 0 unregisters). ERR_INVAL if head is not 8-byte aligned or
   not a user address. */
int set_robust_list(struct robust_list_head* head);

/* clock_ns() + ms milliseconds. */
uint64_t deadline_after_ms(uint64_t ms);

/* ---- mutex ---- */
typedef struct mutex {
    uint32_t word;     /* the futex word: see kernel/uapi/futex.h */
    uint32_t reserved; /* 0 */
    uint64_t next;     /* the owner's robust-list links (addresses in the */
    uint64_t prev;     /* owner's address space; only the owner uses them) */
} mutex_t;

#define MUTEX_INITIALIZER {0, 0, 0, 0}

void mutex_init(mutex_t* m);
/* ERR_OK: you own it. ERR_OWNERDEAD: you own it, but its previous owner
   died holding it; repair the data, then mutex_consistent(). ERR_BUSY: you
   already own it (mutexes are not recursive). ERR_NOTRECOVERABLE: nobody
   can ever lock it again. */
static inline int mutex_lock(mutex_t* m);
/* As mutex_lock, but ERR_BUSY at once if someone holds it. */
int mutex_trylock(mutex_t* m);
/* As mutex_lock, or ERR_TIMEDOUT once the deadline has passed. */
int mutex_timedlock(mutex_t* m, uint64_t deadline_ns);
/* ERR_OK, or ERR_INVAL if the caller does not own m. Unlocking a mutex
   taken with ERR_OWNERDEAD and not made consistent makes it not
   recoverable, and wakes every waiter to tell them. */
static inline int mutex_unlock(mutex_t* m);
/* Marks a mutex taken with ERR_OWNERDEAD as repaired. ERR_INVAL if the
   caller does not own m or m is not in that state. */
int mutex_consistent(mutex_t* m);
/* The owner's pid, or 0 if it is free or not recoverable (for diagnostics:
   it may change at once). */
int mutex_owner(const mutex_t* m);

/* ---- condition variable ---- */
typedef struct cond {
    uint32_t sequence; /* bumped by every signal and broadcast (the futex word) */
    uint32_t waiters;  /* processes between cond_wait's entry and its exit */
} cond_t;

#define COND_INITIALIZER {0, 0}

void cond_init(cond_t* c);
/* Atomically releases m (which the caller must own) and waits for a
   signal, then re-locks m. May return spuriously: always re-check the
   condition in a loop. Returns ERR_OK, or the result of re-locking m when
   it is not ERR_OK (ERR_OWNERDEAD: you own m; ERR_NOTRECOVERABLE: you do
   not), or ERR_INVAL if the caller did not own m (nothing waited). Waiting
   on a mutex taken with ERR_OWNERDEAD and not yet made consistent unlocks
   it, and so gives up on it, as mutex_unlock would. */
int cond_wait(cond_t* c, mutex_t* m);
/* As cond_wait, or ERR_TIMEDOUT after the deadline, with m held again. */
int cond_timedwait(cond_t* c, mutex_t* m, uint64_t deadline_ns);
/* Wakes one waiter (at least one if any waits). ERR_OK. */
int cond_signal(cond_t* c);
/* Wakes every waiter. ERR_OK. */
int cond_broadcast(cond_t* c);

/* ---- counting semaphore ---- */
typedef struct sem {
    uint32_t value;   /* the count (the futex word) */
    uint32_t waiters; /* processes inside sem_wait that may sleep */
} sem_t;

#define SEM_VALUE_MAX 0x7fffffffu

/* ERR_INVAL if value > SEM_VALUE_MAX. */
int sem_init(sem_t* s, uint32_t value);
/* Takes one unit, waiting while there is none. ERR_OK. */
int sem_wait(sem_t* s);
/* ERR_OK, or ERR_AGAIN if the value is 0. */
int sem_trywait(sem_t* s);
/* As sem_wait, or ERR_TIMEDOUT. */
int sem_timedwait(sem_t* s, uint64_t deadline_ns);
/* Adds one unit and wakes a waiter if any. ERR_RANGE at SEM_VALUE_MAX. */
int sem_post(sem_t* s);
uint32_t sem_value(sem_t* s);

/* ---- barrier ---- */
typedef struct barrier {
    uint32_t count; /* processes that must arrive */
    uint32_t state; /* generation << 16 | arrived (the futex word) */
    uint32_t reserved[2];
} barrier_t;

#define BARRIER_SERIAL 1          /* returned to exactly one process per opening */
#define BARRIER_MAX_COUNT 0xffffu

/* ERR_INVAL for 0 or more than BARRIER_MAX_COUNT. */
int barrier_init(barrier_t* b, uint32_t count);
/* Waits until `count` processes have arrived, then all leave together:
   one of them gets BARRIER_SERIAL, the others ERR_OK. The barrier is
   ready for the next round at once. */
int barrier_wait(barrier_t* b);
/* As barrier_wait, or ERR_TIMEDOUT: the caller is no longer counted as
   arrived, so the barrier still needs `count` processes. */
int barrier_timedwait(barrier_t* b, uint64_t deadline_ns);

/* ---- for fork ---- */
/* Forgets the cached pid and the robust list: the child of fork owns no
   mutex and registers a list of its own. The library's fork() calls it;
   call it yourself only if you make the fork system call some other way. */
void sync_after_fork_in_child(void);

/* ---- the uncontended mutex paths, inline ----
 * Not part of the API: the library's state they use, and the out-of-line
 * paths they fall back to. Inline because under emulation every function
 * return costs a translation-block lookup, as much as the rest of the path.
 * __sync_pid is 0 until the library has registered this process's robust
 * list (and again after fork), which sends the first lock to the slow path. */
extern struct robust_list_head __sync_robust;
extern uint32_t __sync_pid;
int __sync_mutex_unlock(mutex_t* m);
int __sync_mutex_release_unlinked(mutex_t* m, uint32_t pid);

static inline int mutex_lock(mutex_t* m)
{
    uint32_t pid = __sync_pid;
    uint32_t expected = 0;
    if (__builtin_expect(pid != 0, 1)) {
        uint64_t entry = (uint64_t)&m->next;
        __sync_robust.pending = entry; /* found by the kernel if we die before linking */
        if (__atomic_compare_exchange_n(&m->word, &expected, pid, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
            uint64_t head = (uint64_t)&__sync_robust.list;
            uint64_t first = __sync_robust.list.next;
            m->next = first;
            m->prev = head;
            if (first != head)
                ((mutex_t*)(first - __builtin_offsetof(mutex_t, next)))->prev = entry;
            __sync_robust.list.next = entry;
            __sync_robust.pending = 0;
            return ERR_OK;
        }
    }
    return mutex_timedlock(m, 0);
}

static inline int mutex_unlock(mutex_t* m)
{
    uint32_t pid = __sync_pid;
    /* Only a word that is exactly our pid (no waiters, no flags) takes the
       fast path; the link fields are unlinked before the word is released,
       because the next owner reuses them. */
    if (__builtin_expect(pid != 0 && __atomic_load_n(&m->word, __ATOMIC_RELAXED) == pid, 1)) {
        uint64_t head = (uint64_t)&__sync_robust.list;
        __sync_robust.pending = (uint64_t)&m->next;
        if (m->prev == head)
            __sync_robust.list.next = m->next;
        else
            ((mutex_t*)(m->prev - __builtin_offsetof(mutex_t, next)))->next = m->next;
        if (m->next != head)
            ((mutex_t*)(m->next - __builtin_offsetof(mutex_t, next)))->prev = m->prev;
        m->next = m->prev = 0;
        /* Release: lr.w / sc.w.rl, the form the RISC-V psABI prescribes
           (GCC 12 drops the release from a compare-and-swap builtin). */
        long found, failed;
        __asm__ volatile("1: lr.w %0, (%2)\n"
                         "   bne %0, %3, 2f\n"
                         "   sc.w.rl %1, zero, (%2)\n"
                         "   bnez %1, 1b\n"
                         "2:"
                         : "=&r"(found), "=&r"(failed)
                         : "r"(&m->word), "r"((long)(int32_t)pid)
                         : "memory");
        if (__builtin_expect((uint32_t)found == pid, 1)) {
            __sync_robust.pending = 0;
            return ERR_OK;
        }
        return __sync_mutex_release_unlinked(m, pid); /* a waiter arrived meanwhile */
    }
    return __sync_mutex_unlock(m);
}

#ifdef __cplusplus
}
#endif

#endif
