/*
 * exhausttests: running out of everything (issue 7). Regions until the
 * quota or the table is full, memory until physical pages run out,
 * processes until the table is full, kernel objects until kmalloc fails,
 * files until the disk is full: each must end in a clean error or a
 * killed process, never a panic, and everything must come back afterwards
 * (free pages, regions, quota, processes, disk blocks).
 *
 * shmtests' exhaust_* cases cover one process filling the region table,
 * the quota, its views and its address space; these add many processes,
 * physical memory, the process table, kernel objects and the disk.
 */
#pragma once

#include "../common/counted_case.h"
#include "test.h"

using stress::PAGE;

constexpr int NPROC = 128; // kernel/proc/proc.h

// ---- helpers (util.cc) ----
void* shared_or_fail(size_t bytes);
// Forks a child that touches fresh anonymous pages one at a time, counting
// them in *progress, until the kernel kills it for want of memory (or it
// has touched max_pages; then it waits to be killed). Returns its pid.
int start_hog(volatile uint64_t* progress, uint64_t max_pages);
// How many pages a hog gets before it is killed, right now.
uint64_t probe_memory();
// Kills pid and waits for it; returns its status.
int stop(int pid);

// ---- cases ----
void exhaust_quota_many_processes();
void exhaust_memory_anonymous();
void exhaust_memory_shared_regions();
void exhaust_memory_everything_else_fails_cleanly();
void exhaust_memory_cow_fork();
void exhaust_memory_file_bigger_than_free_memory();
void exhaust_process_table();
void exhaust_process_table_fork_bomb();
void exhaust_kernel_objects_pipes();
void exhaust_disk_one_file();
void exhaust_disk_many_files();
void exhaust_handles_leak_nothing();
