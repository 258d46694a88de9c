/*
 * shmtests: the case functions (one file per area) and the helpers they
 * share. The table that orders the cases, and the wrapper that checks that
 * every case gives back its shared regions and quota, are in
 * ../shmtests.cc.
 *
 * Conventions: each case uses names of its own (so a case that fails and
 * leaves a persistent region behind cannot confuse the next one), waits
 * for every child it starts, and cleans up what it made, so that the
 * wrapper's end check (meminfo's shm_regions and shm_quota_used back to
 * their starting values) and the framework's free-page check both hold.
 */
#pragma once

#include "shm.h"
#include "test.h"

constexpr size_t PAGE = 4096;
// Addresses no system call may accept as a pointer.
constexpr uintptr_t KERNEL_ADDR = 0xffffffc000000000;   // the kernel's half
constexpr uintptr_t UNMAPPED_ADDR = 0x800000000;        // 32 GiB: above any heap, below the mmap area
constexpr uintptr_t MMAP_AREA = 0x1000000000;           // where the kernel places views (64 GiB)

// ---- counts of shared-memory objects (util.cc) ----
struct ShmCounts {
    uint64_t regions;    // meminfo().shm_regions
    uint64_t quota_used; // meminfo().shm_quota_used
};
ShmCounts shm_counts();
// Checks that the counts are back to `before` (waiting up to a second for
// exiting processes); records a failure naming `when` if not.
bool check_counts_back(const ShmCounts& before, const char* when);
uint64_t quota_total();

// ---- regions ----
// createMapping, or a failed check and nullptr.
char* map_region(const char* name);
// The shm_list record of a live (or unlinked but alive) region; false if none.
bool find_region_info(const char* name, struct shm_info* out);
// Shared views in the caller's own address space (shm_maps(0)).
int count_own_views();
// True if [addr, addr+len) overlaps none of the caller's mappings.
bool range_unmapped(uintptr_t addr, size_t len);
// The error code of a failed mmap, or 0.
int map_error(void* p);
// mmap of a handle, shared or private.
char* map_fd(int fd, size_t len, int prot, int flags, long offset);

int spawn0(void (*fn)());
// Runs fn in a child and returns its wait status (see test_fork).
int run_child(void (*fn)());
int run_child_arg(void (*fn)(void*), void* arg);

// Atomic add on shared memory; returns the old value.
int atomic_add(volatile int* p, int v);

// A pipe used as a one-way event: give() writes a byte, take() reads one.
struct Event {
    int fds[2];
};
bool event_init(Event* e);
void event_give(Event* e);
bool event_take(Event* e);
void event_close(Event* e);


// ---- original interface (original.cc) ----
void create_map_write_read();
void create_errors();
void create_does_not_map();
void create_rounds_size_to_pages();
void create_persist_flag();
void destroy_errors();
void destroy_name_gone_at_once();
void destroy_by_non_creator();
void map_errors();
void map_twice_aliases();
void map_whole_region_rw_shared();
void unmap_by_inner_address();
void unmap_errors();
void unmap_after_unlink_by_old_name();
void lock_unlock_basic();
void lock_errors();

// ---- handle interface (handles.cc) ----
void shm_open_create_and_open();
void shm_open_excl();
void shm_open_errors();
void shm_open_size_ignored_when_opening();
void shm_open_readonly_handle();
void shm_open_ceiling_rdonly();
void shm_open_persist();
void shm_open_nonpersist_freed_on_close();
void shm_open_mfile();
void shm_open_create_readonly_creator();
void mmap_offsets_and_lengths();
void mmap_private_is_cow();
void mmap_private_from_readonly_handle();
void mmap_fixed_refuses_replace();
void mmap_bad_fd();
void munmap_splits_views();
void mprotect_cannot_exceed_handle();
void fstat_type_and_size();
void ftruncate_grow();
void ftruncate_shrink_busy();
void ftruncate_errors();
void shm_unlink_while_mapped();
void shm_unlink_errors();
void close_keeps_views();
void dup_counts_one_handle();
void interfaces_interoperate();
void shm_list_reports();
void shm_maps_reports();
void mmap_anonymous_is_not_a_region();

// ---- lifetime (lifetime.cc) ----
void forget_to_destroy_leaks_nothing();
void persistent_survives_creator();
void unlinked_name_keeps_working();
void destroy_waits_for_views();
void destroy_is_killable();
void pages_freed_at_last_close_after_destroy();
void region_outlives_creator_while_viewed();
void exit_releases_everything();

// ---- names (names.cc) ----
void name_max_length();
void name_not_truncated();
void name_special_chars();
void name_empty();
void name_any_bytes();

// ---- bad pointers (badptr.cc) ----
void badptr_names();
void badptr_region_beg();
void badptr_shm_open_created();
void badptr_info_buffers();

// ---- data (data.cc) ----
void data_across_pages();
void data_last_byte_and_past_end();
void data_past_partial_view_kills();
void data_readonly_view_write_kills_writer();
void data_readonly_view_syscall_faults();
void data_two_processes_see_writes();
void data_many_pages();

// ---- fork, exec, exit (procs.cc) ----
void fork_inherits_views_same_address();
void fork_inherits_handles();
void fork_no_creator_ref();
void fork_no_lock_ownership();
void fork_private_view_cow();
void exec_drops_views_keeps_handles();

// ---- the region lock (lock.cc) ----
void lock_recursive();
void lock_fifo_three_waiters();
void lock_across_fork();
void lock_abandoned_on_exit();
void lock_abandoned_on_unmap_last_view();
void lock_abandoned_to_waiter();
void lock_kill_waiter_no_trace();
void lock_killed_owner_abandons();
void lock_kill_waiter_at_handoff();
void lock_abandoned_on_exec();

// ---- races (race.cc) ----
void race_exclusive_create();
void race_shm_open_create();
void race_storm();
void race_lock_counter();
void race_destroy_vs_map();

// ---- exhaustion (exhaust.cc) ----
void exhaust_region_table();
void exhaust_quota();
void exhaust_views_per_process();
void exhaust_address_space();

// ---- regressions of DESIGN.md 5.4 (regress.cc) ----
void regress_exist_releases_table_lock();
void regress_destroy_wait_holds_no_lock();
void regress_wakeups_per_region();
void regress_locks_released_on_unmap_and_exit();
void regress_size_rounded_once_64bit();
void regress_error_codes_distinct();
void regress_creator_exit_reclaims();
void regress_page_cache_freed_on_destroy();
void regress_exit_view_lists_locked();
void regress_views_not_against_heap();

// ---- the shm tool (tool.cc) ----
void tool_create_write_cat_rm();
void tool_ls_shows_region();
void tool_maps_shows_views();
void tool_errors();
