/*
 * usertests: the case functions (one file per area) and the helpers they
 * share. The table that orders the cases is in ../usertests.cc.
 */
#pragma once

#include "test.h"

// Addresses no system call may accept as a buffer.
constexpr uintptr_t KERNEL_ADDR = 0xffffffc000000000;   // the kernel's half
constexpr uintptr_t UNMAPPED_ADDR = 0x800000000;        // 32 GiB: above any heap, below the mmap area
constexpr uintptr_t NONCANONICAL_ADDR = 0x0000800000000000; // outside Sv39
constexpr size_t PAGE = 4096;

// ---- helpers (util.cc) ----
// Runs fn in a forked child; returns its wait status (see test_fork).
int run_child(void (*fn)());
// Reads until end of file or size bytes; returns the count or an error.
long read_all(int fd, void* buf, size_t size);
// Writes all of buf; returns n or an error.
long write_all(int fd, const void* buf, size_t n);
// Creates (or truncates) path with the given contents; returns 0 or an error.
int write_file(const char* path, const void* data, size_t n);
// Reads a whole file into buf (at most size bytes); returns its length or an error.
long read_file(const char* path, void* buf, size_t size);
// Removes a file left over by an earlier, interrupted run.
void remove_stale(const char* path);
// Makes fd the new fd `target` (fds below target must be open).
bool move_fd(int fd, int target);
// Deterministic pseudo-random bytes: the same seed gives the same stream.
uint32_t next_random(uint32_t* state);
void fill_random(uint8_t* buf, size_t n, uint32_t* state);
// FNV-1a, continued from hash (start with FNV_START).
constexpr uint64_t FNV_START = 0xcbf29ce484222325ULL;
uint64_t fnv1a(uint64_t hash, const void* data, size_t n);

// ---- processes (proc.cc) ----
void fork_exit_wait();
void exit_status_encoding();
void wait_no_children();
void wait_null_status();
void waitpid_specific();
void kill_sleeping_child();
void kill_blocked_reader();
void kill_spinning_child();
void kill_errors();
void getpid_getppid();
void orphan_reparented();
void sleep_uptime();
void procinfo_lists_self();
void proc_stats_counts();
void many_processes();
void fork_storm();

// ---- exec (exec.cc) ----
void exec_argv();
void process_group_kill();
void entry_answered_calls();
void process_group_errors();
void crashed_case_children_are_ended();
void text_busy_while_running();
void text_busy_while_open_for_writing();
void exec_many_args();
void exec_missing();
void exec_not_elf();
void exec_truncated_elf();
void exec_keeps_fds();

// ---- memory (memory.cc) ----
void sbrk_grow_shrink();
void sbrk_shrink_unmaps();
void sbrk_huge();
void null_deref_kills_child();
void write_text_kills_child();
void write_rodata_kills_child();
void exec_data_kills_child();
void stack_grows();
void stack_overflow_kills_child();
void cow_fork();
void cow_fork_is_lazy();
void malloc_integrity();

// ---- mmap (mmap.cc) ----
void mmap_anonymous();
void munmap_unmaps();
void mprotect_readonly();
void mmap_bad_args();
void mmap_fixed();
void mmap_shared_fork();
void mmap_many();
void mmap_write_only();

// ---- page tables (pagetable.cc) ----
void pagetable_demand_paging();
void pagetable_cow_after_fork();
void pagetable_shared_views();
void pagetable_errors();
void vm_tool_shows_sharing();

// ---- bad pointers (badptr.cc) ----
void badptr_buffers();
void badptr_page_crossing();
void badptr_lazy_pages_are_valid();
void badptr_strings();
void badptr_structs();

// ---- descriptors and pipes (fds.cc) ----
void fd_dup_close();
void fd_bad();
void fd_exhaust();
void fd_rights();
void pipe_basic();
void pipe_broken();
void pipe_blocking_reader();
void pipe_big_transfer();

// ---- files and directories (files.cc, dirs.cc) ----
void file_create_read();
void file_big();
void file_unlink_open();
void file_trunc();
void file_append();
void file_excl();
void file_lseek();
void file_shared_offset_fork();
void file_link();
void dir_mkdir_chdir();
void dir_listing();
void name_errors();
void fstat_types();
