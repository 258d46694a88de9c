/*
 * killtests: processes holding views, handles, region locks, robust
 * mutexes, futex waits, pipes and files are killed at random moments;
 * the survivors must keep working, locks must come back as ERR_ABANDONED
 * or ERR_OWNERDEAD, and nothing may leak (issue 7).
 *
 * The randomness comes from the suite's seed (printed first; `killtests
 * -s SEED [CASE...]` replays it), one stream per case. The framework
 * (test.h) checks free pages and processes around every case; the wrapper
 * in ../killtests.cc checks shared-region counts and quota too.
 */
#pragma once

#include "../common/counted_case.h"
#include "test.h"

using stress::PAGE;
using stress::Rng;

// ---- the seed (killtests.cc) ----
extern uint64_t g_seed;
// This case's random stream.
Rng case_rng(const char* case_name);

// ---- a crowd of children killed at random (util.cc) ----
// Runs `count` children, each running body(index, shared) until *stop is
// set (then it returns, and the child exits 0). For `duration_ms` the
// caller's thread kills a random child every gap_lo..gap_hi ms, reaps it,
// and starts a new one in its place. Then it sets *stop and reaps
// everyone. Returns the number of kills; a child that ends other than by
// our kill or exit(0) fails the case.
struct Crowd {
    int count;
    void (*body)(int index, void* shared);
    void* shared;
    volatile uint32_t* stop;
    unsigned duration_ms;
    unsigned gap_lo, gap_hi;
};
int run_crowd(const Crowd& crowd, Rng& rng);

// MAP_SHARED anonymous memory, or the case fails.
void* shared_or_fail(size_t bytes);
// Sleeps a random time in [lo, hi] ms.
void nap(Rng& rng, unsigned lo, unsigned hi);
// Waits (up to timeout_ms) until *p >= value.
bool wait_at_least(volatile uint32_t* p, uint32_t value, unsigned timeout_ms);

// ---- cases ----
void kill_view_holders();
void kill_ends_long_console_write();
void kill_ends_long_file_read();
void kill_handle_holders();
void kill_faulting_processes();
void kill_region_lock_holders();
void kill_region_lock_waiters();
void kill_robust_mutex_holders();
void kill_between_release_and_wake();
void kill_woken_waiter();
void kill_futex_waiters();
void kill_destroy_waiters();
void kill_forkers_and_execers();
void kill_pipe_users();
void kill_file_writers();
void kill_everything_at_once();
