/*
 * synctests: the in-guest suite for futexes and the process-shared
 * synchronization library (issue 5, docs/sync.md). The cases live in the
 * synctests directory, one file per area; this table decides their order:
 * the futex calls first (everything else stands on them), then the
 * zero-syscall proofs, mutexes, robust mutexes, condition variables,
 * semaphores, barriers, and the region lock beside them. Every case runs
 * in its own child and must give back every page it used.
 *
 *   synctests              run every case
 *   synctests CASE...      run the named cases
 *   synctests -l           list the cases
 */
#include "synctests/cases.h"

namespace {

const struct test_case g_cases[] = {
    // futex_wait / futex_wake
    TEST_CASE(futex_value_mismatch),
    TEST_CASE(futex_timeout_not_early),
    TEST_CASE(futex_expired_deadline),
    TEST_CASE(futex_far_deadline),
    TEST_CASE(futex_misaligned),
    TEST_CASE(futex_bad_address),
    TEST_CASE(futex_wake_no_waiters),
    TEST_CASE(futex_wake_counts),
    TEST_CASE(futex_wake_n_of_m),
    TEST_CASE(futex_cross_address),
    TEST_CASE(futex_two_views_one_process),
    TEST_CASE(futex_pages_keyed_apart),
    TEST_CASE(futex_private_stays_private),
    TEST_CASE(futex_shared_anonymous),
    TEST_CASE(futex_lazy_page),
    TEST_CASE(futex_readonly_view),
    TEST_CASE(futex_killed_waiter_no_trace),
    TEST_CASE(futex_dead_region_no_trace),
    TEST_CASE(futex_waiter_region_unlinked),
    TEST_CASE(futex_waiter_region_destroyed),
    TEST_CASE(futex_handoff_semantics),
    // no system call on the fast paths
    TEST_CASE(mutex_uncontended_no_syscalls),
    TEST_CASE(sem_uncontended_no_syscalls),
    TEST_CASE(cond_no_waiters_no_syscalls),
    // mutexes
    TEST_CASE(mutex_basic_across_processes),
    TEST_CASE(mutex_relock_busy),
    TEST_CASE(mutex_unlock_not_owner),
    TEST_CASE(mutex_timedlock_timeout),
    TEST_CASE(mutex_wakes_sleeper),
    TEST_CASE_TIMEOUT(mutex_contended_counter, 90000),
    TEST_CASE(mutex_killed_waiter),
    TEST_CASE(mutex_private_memory_fork),
    TEST_CASE_TIMEOUT(mutex_no_starvation, 60000),
    // robust mutexes
    TEST_CASE(robust_owner_exits),
    TEST_CASE(robust_owner_killed),
    TEST_CASE(robust_owner_crashes),
    TEST_CASE(robust_not_recoverable),
    TEST_CASE(robust_not_recoverable_wakes_waiters),
    TEST_CASE(robust_many_held),
    TEST_CASE(robust_death_wakes_sleeper),
    TEST_CASE(robust_repairer_dies),
    TEST_CASE(robust_consistent_errors),
    TEST_CASE(robust_pending_entry),
    TEST_CASE(robust_waiter_death_harmless),
    TEST_CASE(robust_corrupt_lists),
    TEST_CASE(robust_list_limit),
    TEST_CASE(robust_fork_no_inheritance),
    TEST_CASE(robust_exec_releases),
    // condition variables
    TEST_CASE(cond_signal_wakes),
    TEST_CASE(cond_broadcast_wakes_all),
    TEST_CASE(cond_timedwait_times_out),
    TEST_CASE(cond_wait_not_owner),
    TEST_CASE_TIMEOUT(cond_pingpong, 90000),
    TEST_CASE_TIMEOUT(cond_producer_consumer, 90000),
    // semaphores
    TEST_CASE(sem_counting),
    TEST_CASE_TIMEOUT(sem_across_processes, 60000),
    TEST_CASE(sem_timedwait_times_out),
    TEST_CASE(sem_post_wakes_waiter),
    TEST_CASE(sem_limits),
    // barriers
    TEST_CASE(barrier_generations),
    TEST_CASE(barrier_timeout_withdraws),
    TEST_CASE(barrier_limits),
    // the region lock beside the mutexes
    TEST_CASE(region_lock_recursive),
    TEST_CASE(region_lock_not_owner),
    TEST_CASE(region_lock_fifo),
    TEST_CASE(region_lock_beside_mutex),
};

} // namespace

int main(int argc, char** argv)
{
    return test_run_suite("synctests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
