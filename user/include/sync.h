/*
 * Synchronization between processes: futexes, and the mutexes, condition
 * variables, semaphores and barriers built on them. Every object here is
 * process-shared: put it in a named shared region (or any shared mapping)
 * and every process that maps the region can use it, at whatever address it
 * mapped it.
 *
 * Fast paths stay in user space: an uncontended mutex_lock or mutex_unlock
 * is one atomic instruction and no system call. Only a process that must
 * wait enters the kernel (futex_wait), and only an unlock that may have a
 * waiter wakes one (futex_wake).
 *
 * Mutexes are robust: if the owner dies holding one, the next locker gets
 * ERR_OWNERDEAD and owns the mutex; it must repair the protected data and
 * call mutex_consistent(), or the mutex becomes ERR_NOTRECOVERABLE for
 * everyone after its unlock.
 *
 * Timed variants take an absolute deadline in clock_ns() nanoseconds; they
 * return ERR_TIMEDOUT when it passes. deadline_after_ms() makes one.
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
/* Sleeps while *addr == expected. deadline_ns: absolute clock_ns(), 0 = none.
   ERR_AGAIN if *addr != expected, ERR_TIMEDOUT, ERR_INTR, ERR_INVAL
   (misaligned), ERR_FAULT. */
int futex_wait(uint32_t* addr, uint32_t expected, uint64_t deadline_ns);
/* Wakes up to n sleepers on addr; returns how many. */
int futex_wake(uint32_t* addr, int n);
/* Registers this process's robust-mutex list (the library does it). */
int set_robust_list(struct robust_list_head* head);

uint64_t deadline_after_ms(uint64_t ms);

/* ---- mutex ---- */
typedef struct mutex {
    uint32_t word;  /* 0, or owner pid | FUTEX_WAITERS | FUTEX_OWNER_DIED */
    uint32_t state; /* MUTEX_CONSISTENT, MUTEX_INCONSISTENT, MUTEX_NOTRECOVERABLE */
    uint64_t next;  /* robust list links (user addresses), kernel reads next */
    uint64_t prev;
} mutex_t;

#define MUTEX_CONSISTENT 0
#define MUTEX_INCONSISTENT 1
#define MUTEX_NOTRECOVERABLE 2
#define MUTEX_INITIALIZER {0, 0, 0, 0}

void mutex_init(mutex_t* m);
/* ERR_OK; ERR_OWNERDEAD (you own it; repair, then mutex_consistent);
   ERR_NOTRECOVERABLE; ERR_BUSY if you already own it. */
int mutex_lock(mutex_t* m);
int mutex_trylock(mutex_t* m); /* ERR_BUSY if held */
int mutex_timedlock(mutex_t* m, uint64_t deadline_ns);
int mutex_unlock(mutex_t* m);  /* ERR_INVAL if you do not own it */
int mutex_consistent(mutex_t* m);

/* ---- condition variable ---- */
typedef struct cond {
    uint32_t sequence; /* bumped by every signal */
    uint32_t waiters;  /* processes inside cond_wait */
} cond_t;

#define COND_INITIALIZER {0, 0}

void cond_init(cond_t* c);
/* Atomically releases m and waits for a signal, then re-locks m. May wake
   spuriously: always re-check the condition in a loop. Returns the result
   of re-locking m (ERR_OWNERDEAD...), or ERR_TIMEDOUT. */
int cond_wait(cond_t* c, mutex_t* m);
int cond_timedwait(cond_t* c, mutex_t* m, uint64_t deadline_ns);
int cond_signal(cond_t* c);
int cond_broadcast(cond_t* c);

/* ---- counting semaphore ---- */
typedef struct sem {
    uint32_t value;
    uint32_t waiters;
} sem_t;

int sem_init(sem_t* s, uint32_t value);
int sem_wait(sem_t* s);
int sem_trywait(sem_t* s); /* ERR_AGAIN if the value is 0 */
int sem_timedwait(sem_t* s, uint64_t deadline_ns);
int sem_post(sem_t* s);
uint32_t sem_value(sem_t* s);

/* ---- barrier ---- */
typedef struct barrier {
    uint32_t count;      /* processes that must arrive */
    uint32_t arrived;
    uint32_t generation; /* bumped each time the barrier opens */
    uint32_t pad;
} barrier_t;

#define BARRIER_SERIAL 1 /* returned to exactly one process per opening */

int barrier_init(barrier_t* b, uint32_t count); /* ERR_INVAL for 0 */
int barrier_wait(barrier_t* b);                 /* 0 or BARRIER_SERIAL */
int barrier_timedwait(barrier_t* b, uint64_t deadline_ns);

/* ---- for the library's fork ---- */
/* Forgets the cached pid and the robust list: the child of fork owns no
   mutex and must register a list of its own. */
void sync_after_fork_in_child(void);

#ifdef __cplusplus
}
#endif

#endif
