/*
 * synctests: the case functions (one file per area) and the helpers they
 * share. The table that orders the cases is in ../synctests.cc.
 *
 * Conventions: every case works in named shared regions of its own
 * (names carry the case's pid, so an interrupted run cannot disturb the
 * next), waits for every child it starts, and leaves nothing behind: the
 * framework checks the free page count and the process count after each
 * case. Children report through their exit status (0: every check in it
 * held) and through words in the shared region.
 */
#pragma once

#include "shm.h"
#include "sync.h"
#include "test.h"

constexpr size_t PAGE = 4096;
// Addresses no system call may accept.
constexpr uintptr_t KERNEL_ADDR = 0xffffffc000000000;   // the kernel's half
constexpr uintptr_t UNMAPPED_ADDR = 0x800000000;        // 32 GiB: above any heap, below the mmap area
constexpr uint64_t MS = 1000000ull;                      // nanoseconds per millisecond

// ---- shared memory (util.cc) ----
// Creates a region named after `tag` and the caller's pid (not persistent:
// it goes when the caller has exited and the last view is gone), maps it,
// zeroes nothing (new regions are zero) and returns the view, or fails
// the case. The name is copied to name_out (if not NULL, 64 bytes).
void* make_region(const char* tag, size_t size, char* name_out = nullptr);
// Maps an existing region once more (another view, another address).
void* map_again(const char* name);
// Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS): shared with
// children forked afterwards.
void* shared_anon(size_t size);
void* private_anon(size_t size);

// ---- children (util.cc) ----
// Forks a child that runs fn(arg) and exits 0, or 1 if a check failed in
// it. Returns its pid (fails the case if fork fails).
int start_child(void (*fn)(void*), void* arg);
// Waits for a child; checks that it exited with status 0. Returns whether it did.
bool join_ok(int pid, const char* what);
// Waits for a child and returns its raw wait status.
int join(int pid);
// Polls procinfo until pid sleeps (in the kernel), up to timeout_ms.
bool wait_sleeping(int pid, unsigned timeout_ms = 5000);
// Spins (yielding) until *word >= value, up to timeout_ms.
bool wait_word_at_least(uint32_t* word, uint32_t value, unsigned timeout_ms = 10000);
// syscalls made by this process so far (proc_stats).
uint64_t syscalls_now();

// ---- futex (futex.cc) ----
void futex_value_mismatch();
void futex_timeout_not_early();
void futex_expired_deadline();
void futex_far_deadline();
void futex_misaligned();
void futex_bad_address();
void futex_wake_no_waiters();
void futex_wake_counts();
void futex_wake_n_of_m();
void futex_cross_address();
void futex_two_views_one_process();
void futex_pages_keyed_apart();
void futex_private_stays_private();
void futex_shared_anonymous();
void futex_lazy_page();
void futex_readonly_view();
void futex_killed_waiter_no_trace();
void futex_dead_region_no_trace();
void futex_waiter_region_unlinked();
void futex_waiter_region_destroyed();
void futex_handoff_semantics();

// ---- zero-syscall fast paths (fastpath.cc) ----
void mutex_uncontended_no_syscalls();
void sem_uncontended_no_syscalls();
void cond_no_waiters_no_syscalls();

// ---- mutex (mutex.cc) ----
void mutex_basic_across_processes();
void mutex_relock_busy();
void mutex_unlock_not_owner();
void mutex_timedlock_timeout();
void mutex_wakes_sleeper();
void mutex_contended_counter();
void mutex_killed_waiter();
void mutex_private_memory_fork();
void mutex_no_starvation();

// ---- robust mutexes (robust.cc) ----
void robust_owner_exits();
void robust_owner_killed();
void robust_owner_crashes();
void robust_not_recoverable();
void robust_not_recoverable_wakes_waiters();
void robust_many_held();
void robust_death_wakes_sleeper();
void robust_repairer_dies();
void robust_consistent_errors();
void robust_pending_entry();
void robust_waiter_death_harmless();
void robust_corrupt_lists();
void robust_list_limit();
void robust_fork_no_inheritance();
void robust_exec_releases();

// ---- condition variables (cond.cc) ----
void cond_signal_wakes();
void cond_broadcast_wakes_all();
void cond_timedwait_times_out();
void cond_wait_not_owner();
void cond_pingpong();
void cond_producer_consumer();

// ---- semaphores (sem.cc) ----
void sem_counting();
void sem_across_processes();
void sem_timedwait_times_out();
void sem_post_wakes_waiter();
void sem_limits();

// ---- barriers (barrier.cc) ----
void barrier_generations();
void barrier_timeout_withdraws();
void barrier_limits();

// ---- the region lock beside them (region_lock.cc) ----
void region_lock_recursive();
void region_lock_not_owner();
void region_lock_fifo();
void region_lock_beside_mutex();
