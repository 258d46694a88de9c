/*
 * synctests: the fast paths make no system call. proc_stats() counts the
 * caller's system calls; between two readings the only call is the second
 * reading itself, so the difference must be exactly 1.
 */
#include "cases.h"

namespace {
constexpr int PAIRS = 20000;
}

void mutex_uncontended_no_syscalls()
{
    mutex_t* m = static_cast<mutex_t*>(make_region("fast-mutex", PAGE));
    mutex_init(m);
    // Warm-up: the first lock registers the robust list and learns our pid.
    require_eq(mutex_lock(m), ERR_OK);
    require_eq(mutex_unlock(m), ERR_OK);
    int bad = 0;
    uint64_t before = syscalls_now();
    for (int i = 0; i < PAIRS; i++) {
        bad += mutex_lock(m) != ERR_OK;
        bad += mutex_unlock(m) != ERR_OK;
    }
    for (int i = 0; i < PAIRS / 4; i++) {
        bad += mutex_trylock(m) != ERR_OK;
        bad += mutex_unlock(m) != ERR_OK;
        bad += mutex_timedlock(m, 1) != ERR_OK; // free: the deadline does not matter
        bad += mutex_unlock(m) != ERR_OK;
    }
    uint64_t after = syscalls_now();
    check_eq(bad, 0);
    check_eq(after - before, 1);
    check_eq(m->word, 0u);
}

void sem_uncontended_no_syscalls()
{
    sem_t* s = static_cast<sem_t*>(make_region("fast-sem", PAGE));
    require_eq(sem_init(s, 1), ERR_OK);
    int bad = 0;
    uint64_t before = syscalls_now();
    for (int i = 0; i < PAIRS; i++) {
        bad += sem_wait(s) != ERR_OK;
        bad += sem_post(s) != ERR_OK;
    }
    for (int i = 0; i < PAIRS / 4; i++) {
        bad += sem_trywait(s) != ERR_OK;
        bad += sem_trywait(s) != ERR_AGAIN;
        bad += sem_post(s) != ERR_OK;
        bad += sem_timedwait(s, 1) != ERR_OK;
        bad += sem_post(s) != ERR_OK;
    }
    uint64_t after = syscalls_now();
    check_eq(bad, 0);
    check_eq(after - before, 1);
    check_eq(sem_value(s), 1u);
}

void cond_no_waiters_no_syscalls()
{
    struct Shared {
        mutex_t m;
        cond_t c;
    };
    Shared* sh = static_cast<Shared*>(make_region("fast-cond", PAGE));
    mutex_init(&sh->m);
    cond_init(&sh->c);
    require_eq(mutex_lock(&sh->m), ERR_OK);
    require_eq(mutex_unlock(&sh->m), ERR_OK);
    int bad = 0;
    uint64_t before = syscalls_now();
    for (int i = 0; i < PAIRS; i++) {
        bad += mutex_lock(&sh->m) != ERR_OK;
        bad += cond_signal(&sh->c) != ERR_OK;
        bad += cond_broadcast(&sh->c) != ERR_OK;
        bad += mutex_unlock(&sh->m) != ERR_OK;
    }
    uint64_t after = syscalls_now();
    check_eq(bad, 0);
    check_eq(after - before, 1);
}
