/*
 * securitytests: the kernel's promises to a hostile process (issue 7).
 *   - No system call reads or writes kernel memory for the caller: every
 *     pointer argument of every call, given a kernel address (or one that
 *     runs past the end of user space, or wraps around), gives ERR_FAULT
 *     (or ERR_INVAL where the range itself is checked first) and changes
 *     nothing.
 *   - A read-only view or read-only handle cannot be written through any
 *     path: a store, a system call's output buffer, mprotect, a private
 *     view, fork and copy-on-write, futex hand-over, the robust list at
 *     exit. The region's data stays as it was.
 *   - A handle number means something only in its own process.
 *   - An opener never exceeds the region's creation-time ceiling.
 */
#pragma once

#include "../common/stress.h"
#include "test.h"

using stress::PAGE;

// ---- helpers (util.cc) ----
// A region named `name` of `pages` pages made by a child process (so the
// caller is not its creator), filled with `fill`, persistent; the caller
// must shm_unlink it.
void make_foreign_region(const char* name, size_t pages, char fill, unsigned ceiling);
// A read-only view of region `name` through a read-only handle; *fd gets
// the handle.
char* readonly_view(const char* name, size_t pages, int* fd);
// True if every byte of the region's first `bytes` is `fill` (checked
// through a fresh read-only handle and view).
bool region_unchanged(const char* name, size_t bytes, char fill);
// Runs fn in a child; returns its wait status.
int in_child(void (*fn)());
// Bad addresses: kernel, past the end of user space, non-canonical.
extern const uintptr_t k_kernel_addresses[];
extern const int k_kernel_address_count;

// ---- cases ----
void kernel_addresses_refused_by_io_calls();
void kernel_addresses_refused_by_path_calls();
void kernel_addresses_refused_by_info_calls();
void kernel_addresses_refused_by_shm_calls();
void kernel_addresses_refused_by_sync_calls();
void kernel_ranges_refused_by_memory_calls();
void kernel_addresses_in_exec_argv();
void kernel_addresses_in_robust_list();
void huge_ranges_are_quick();
void readonly_view_store_kills();
void readonly_view_as_syscall_buffer();
void readonly_view_mprotect_upgrade();
void readonly_handle_private_view_is_private();
void readonly_private_view_syscall_writes_copy();
void readonly_fork_cow_tricks();
void readonly_futex_handoff_refused();
void readonly_robust_list_ignored();
void readonly_view_blocks_shrink();
void handle_numbers_are_per_process();
void ceiling_cannot_be_exceeded();
void ceiling_applies_to_creators_children();
void sbrk_moves_only_the_heap_top();
void sbrk_leaves_readonly_region_view_alone();
void sbrk_leaves_readonly_file_view_alone();
void sbrk_shrink_spares_foreign_mapping();
void sbrk_refuses_more_than_memory();
void untouched_requests_pin_no_kernel_memory();
