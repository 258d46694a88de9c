/*
 * shmtests: the in-guest suite for named shared memory (issue 4,
 * DESIGN.md 5, docs/shm.md). The cases live in the shmtests directory, one
 * file per area; this table decides their order: the basic calls first (so
 * a broken kernel fails early and clearly), then lifetime, names, bad
 * pointers, data, processes, the lock, races, the 5.4 regressions, the
 * tool, and last the exhaustion cases, which fill kernel tables.
 *
 * Every case runs in its own child (see user/include/test.h), must give
 * back every page it used, and, checked by shm_case below, must leave
 * meminfo's shm_regions and shm_quota_used where it found them.
 *
 *   shmtests              run every case
 *   shmtests CASE...      run the named cases
 *   shmtests -l           list the cases
 */
#include "shmtests/cases.h"

namespace {

// Runs a case, then checks that it left no region and no quota behind.
template <void (*Body)()> void shm_case()
{
    ShmCounts before = shm_counts();
    Body();
    check_counts_back(before, "at the end of the case");
}

#define SHM_CASE(fn) {#fn, shm_case<fn>, 0}
#define SHM_CASE_TIMEOUT(fn, ms) {#fn, shm_case<fn>, ms}

const struct test_case g_cases[] = {
    // the original interface
    SHM_CASE(create_map_write_read),
    SHM_CASE(create_errors),
    SHM_CASE(create_does_not_map),
    SHM_CASE(create_rounds_size_to_pages),
    SHM_CASE(create_persist_flag),
    SHM_CASE(destroy_errors),
    SHM_CASE(destroy_name_gone_at_once),
    SHM_CASE(destroy_by_non_creator),
    SHM_CASE(map_errors),
    SHM_CASE(map_twice_aliases),
    SHM_CASE(map_whole_region_rw_shared),
    SHM_CASE(unmap_by_inner_address),
    SHM_CASE(unmap_errors),
    SHM_CASE(unmap_after_unlink_by_old_name),
    SHM_CASE(lock_unlock_basic),
    SHM_CASE(lock_errors),
    // the handle interface
    SHM_CASE(shm_open_create_and_open),
    SHM_CASE(shm_open_excl),
    SHM_CASE(shm_open_errors),
    SHM_CASE(shm_open_size_ignored_when_opening),
    SHM_CASE(shm_open_readonly_handle),
    SHM_CASE(shm_open_ceiling_rdonly),
    SHM_CASE(shm_open_persist),
    SHM_CASE(shm_open_nonpersist_freed_on_close),
    SHM_CASE(shm_open_mfile),
    SHM_CASE(mmap_offsets_and_lengths),
    SHM_CASE(mmap_private_is_cow),
    SHM_CASE(mmap_private_from_readonly_handle),
    SHM_CASE(mmap_fixed_refuses_replace),
    SHM_CASE(mmap_bad_fd),
    SHM_CASE(mmap_anonymous_is_not_a_region),
    SHM_CASE(munmap_splits_views),
    SHM_CASE(mprotect_cannot_exceed_handle),
    SHM_CASE(fstat_type_and_size),
    SHM_CASE(ftruncate_grow),
    SHM_CASE(ftruncate_shrink_busy),
    SHM_CASE(ftruncate_errors),
    SHM_CASE(shm_unlink_while_mapped),
    SHM_CASE(shm_unlink_errors),
    SHM_CASE(close_keeps_views),
    SHM_CASE(dup_counts_one_handle),
    SHM_CASE(interfaces_interoperate),
    SHM_CASE(shm_list_reports),
    SHM_CASE(shm_maps_reports),
    // lifetime
    SHM_CASE(forget_to_destroy_leaks_nothing),
    SHM_CASE(persistent_survives_creator),
    SHM_CASE(unlinked_name_keeps_working),
    SHM_CASE(destroy_waits_for_views),
    SHM_CASE(destroy_is_killable),
    SHM_CASE(pages_freed_at_last_close_after_destroy),
    SHM_CASE(region_outlives_creator_while_viewed),
    SHM_CASE(exit_releases_everything),
    // names
    SHM_CASE(name_max_length),
    SHM_CASE(name_not_truncated),
    SHM_CASE(name_special_chars),
    SHM_CASE(name_empty),
    SHM_CASE(name_any_bytes),
    // bad pointers
    SHM_CASE(badptr_names),
    SHM_CASE(badptr_region_beg),
    SHM_CASE(badptr_shm_open_created),
    SHM_CASE(badptr_info_buffers),
    // data
    SHM_CASE(data_across_pages),
    SHM_CASE(data_last_byte_and_past_end),
    SHM_CASE(data_past_partial_view_kills),
    SHM_CASE(data_readonly_view_write_kills_writer),
    SHM_CASE(data_readonly_view_syscall_faults),
    SHM_CASE(data_two_processes_see_writes),
    SHM_CASE(data_many_pages),
    // fork, exec, exit
    SHM_CASE(fork_inherits_views_same_address),
    SHM_CASE(fork_inherits_handles),
    SHM_CASE(fork_no_creator_ref),
    SHM_CASE(fork_no_lock_ownership),
    SHM_CASE(fork_private_view_cow),
    SHM_CASE(exec_drops_views_keeps_handles),
    // the region lock
    SHM_CASE(lock_recursive),
    SHM_CASE(lock_fifo_three_waiters),
    SHM_CASE(lock_across_fork),
    SHM_CASE(lock_abandoned_on_exit),
    SHM_CASE(lock_abandoned_on_unmap_last_view),
    SHM_CASE(lock_abandoned_to_waiter),
    SHM_CASE(lock_kill_waiter_no_trace),
    SHM_CASE(lock_killed_owner_abandons),
    SHM_CASE(lock_kill_waiter_at_handoff),
    SHM_CASE(lock_abandoned_on_exec),
    // races
    SHM_CASE(race_exclusive_create),
    SHM_CASE(race_shm_open_create),
    SHM_CASE_TIMEOUT(race_storm, 120000),
    SHM_CASE(race_lock_counter),
    SHM_CASE_TIMEOUT(race_destroy_vs_map, 60000),
    // regressions of DESIGN.md 5.4
    SHM_CASE(regress_exist_releases_table_lock),
    SHM_CASE(regress_destroy_wait_holds_no_lock),
    SHM_CASE(regress_wakeups_per_region),
    SHM_CASE(regress_locks_released_on_unmap_and_exit),
    SHM_CASE(regress_size_rounded_once_64bit),
    SHM_CASE(regress_error_codes_distinct),
    SHM_CASE(regress_creator_exit_reclaims),
    SHM_CASE(regress_page_cache_freed_on_destroy),
    SHM_CASE_TIMEOUT(regress_exit_view_lists_locked, 60000),
    SHM_CASE(regress_views_not_against_heap),
    // the shm tool
    SHM_CASE(tool_create_write_cat_rm),
    SHM_CASE(tool_ls_shows_region),
    SHM_CASE(tool_maps_shows_views),
    SHM_CASE(tool_errors),
    // last: they fill kernel tables
    SHM_CASE(exhaust_quota),
    SHM_CASE(exhaust_views_per_process),
    SHM_CASE(exhaust_address_space),
    SHM_CASE_TIMEOUT(exhaust_region_table, 120000),
};

} // namespace

int main(int argc, char** argv)
{
    return test_run_suite("shmtests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
