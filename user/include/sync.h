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
   ERR_FAULT (addr not readable memory of the caller). */
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
int mutex_lock(mutex_t* m);
/* As mutex_lock, but ERR_BUSY at once if someone holds it. */
int mutex_trylock(mutex_t* m);
/* As mutex_lock, or ERR_TIMEDOUT once the deadline has passed. */
int mutex_timedlock(mutex_t* m, uint64_t deadline_ns);
/* ERR_OK, or ERR_INVAL if the caller does not own m. Unlocking a mutex
   taken with ERR_OWNERDEAD and not made consistent makes it not
   recoverable, and wakes every waiter to tell them. */
int mutex_unlock(mutex_t* m);
/* Marks a mutex taken with ERR_OWNERDEAD as repaired. ERR_INVAL if the
   caller does not own m or m is not in that state. */
int mutex_consistent(mutex_t* m);
/* The owner's pid, 0 if free (for diagnostics: it may change at once). */
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

#ifdef __cplusplus
}
#endif

#endif
