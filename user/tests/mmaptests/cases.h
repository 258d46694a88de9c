/*
 * mmaptests: the case functions (one file per area) and the helpers they
 * share. The table that orders the cases is in ../mmaptests.cc.
 *
 * Conventions: each case works on files of its own, named after it under
 * /mt_ (removed first, in case an interrupted run left them, and at the
 * end), waits for every child it starts, and unmaps and closes what it
 * made, so the framework's page check (free + file-cache pages) holds: a
 * file's page cache goes with the last reference to the file.
 */
#pragma once

#include "shm.h"
#include "test.h"

constexpr size_t PAGE = 4096;

// ---- files (util.cc) ----
// The byte at offset i of a file made with `seed`.
inline uint8_t pattern(uint8_t seed, size_t i) { return uint8_t(seed + i * 7 + (i >> 12) * 13); }
// Creates (or truncates) path with n bytes of pattern(seed); returns an
// O_RDWR descriptor, or a failed check and test_stop().
int make_file(const char* path, size_t n, uint8_t seed);
// Opens path (a failed check and test_stop() if it cannot).
int open_or_stop(const char* path, int flags);
// Whether n bytes at p are pattern(seed) from file offset `from`; reports
// the first difference as a failed check naming `what`.
bool check_pattern(const void* p, size_t n, uint8_t seed, size_t from, const char* what);
// Reads / writes n bytes at offset off of fd (lseek, then a loop).
long read_at(int fd, void* buf, size_t n, long off);
long write_at(int fd, const void* buf, size_t n, long off);
// The size fstat reports, or a negative error.
long file_size(int fd);
// Whether every byte of [p, p+n) is zero.
bool all_zero(const void* p, size_t n);

// ---- mappings ----
char* map_file(int fd, size_t len, int prot, int flags, long offset);
// map_file that must succeed (a failed check and test_stop() if not).
char* map_or_stop(int fd, size_t len, int prot, int flags, long offset);
int map_error(void* p);
// The caller's shm_maps record of the mapping containing addr; false if none.
bool find_mapping(const void* addr, struct map_info* out);
// Dirty pages of the file view containing addr (shm_maps), -1 if none.
long dirty_pages_at(const void* addr);
// Page faults the calling process has taken so far.
uint64_t fault_count();
// meminfo's file-cache pages.
uint64_t filecache_pages();

// ---- processes ----
int run_child(void (*fn)());
int run_child_arg(void (*fn)(void*), void* arg);

// ---- coherence between mappings and read/write (coherence.cc) ----
void map_read_equals_read();
void map_private_equals_read();
void map_store_visible_to_read();
void write_visible_to_map();
void views_alias();
void private_view_isolated();
void readonly_fd_views();
void readonly_view_store_kills();
void map_at_offsets();
void read_into_own_mapping();
void read_into_own_program_data();
void exec_sees_mapped_writes();

// ---- the end of the file, ftruncate, unlink (eof.cc) ----
void past_eof_kills_only_toucher();
void tail_past_eof_not_in_file();
void ftruncate_grow_with_view();
void ftruncate_shrink_with_views();
void ftruncate_errors();
void open_trunc_busy_while_mapped();
void unlink_while_mapped();
void shrink_zeroes_tail();
void truncate_through_indirect_blocks();

// ---- write-back (writeback.cc) ----
void dirty_pages_tracked();
void msync_write_protects();
void msync_subrange();
void msync_errors();
void munmap_writes_back();
void exit_writes_back();
void kill_writes_back();
void close_writes_back();
void close_then_map_survives();
void hole_pages_get_blocks();
void writeback_many_pages();
void msync_disk_full();

// ---- processes (procs.cc) ----
void two_processes_share();
void fork_inherits_file_views();
void fork_child_write_dirties_again();
void msync_revokes_other_process();
void concurrent_writers_and_syncers();

// ---- named regions backed by files (region.cc) ----
void region_file_create_and_map();
void region_file_open_existing();
void region_file_lock();
void region_file_persists_after_destroy();
void region_file_size_grows_file();
void region_file_rights();
void region_file_shares_cache_with_mmap();
void region_file_unlinked_file();
void region_file_errors();
void region_file_futex_meets_file_view();

// ---- arguments and tools (errors.cc) ----
void mmap_bad_arguments();
void mcat_prints_files();
