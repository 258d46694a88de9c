/*
 * Boot-time services shared between the boot hart and the secondaries.
 */
#pragma once

#include "../board/board.h"

extern BoardInfo g_board;

// Applies the mem= boot argument to board->memory, and drops a RAM disk
// that does not lie in RAM, saying why on the console.
void settle_memory_map(BoardInfo* board);

// Finds the usable RAM, sets up the page allocator's descriptors and frees
// every page not taken by the kernel, the device tree, the initrd or the
// firmware.
void init_physical_memory(const BoardInfo& board, paddr_t dtb, size_t dtb_size);

// Runs the constructors of the kernel's global objects (cxxrt.cc).
void run_global_constructors();

// Starts every other usable hart (up to MAX_CPUS in all), and once the
// first process exists sends them from their boot loop to the scheduler
// (kernel/cpu/smp.cc).
void start_secondary_harts();
void release_secondaries_to_scheduler();

// Runs fn(cpu) on every online hart, the caller's included, and waits until
// all have returned. Only before the scheduler starts (kernel self-tests).
void run_on_every_cpu(void (*fn)(int cpu));

// The bootargs word "key=value": copies the value into out and returns true.
bool bootarg_value(const char* key, char* out, size_t out_size);
// True if the bootargs contain the word `flag`.
bool bootarg_flag(const char* flag);

// Kernel self-tests (the "ktest" boot argument); returns the failure count.
int run_kernel_tests();

// Panics from a few calls deep, so the test runner can check that a panic
// report carries a symbolic backtrace and stops the machine.
[[noreturn]] void trigger_test_panic();
