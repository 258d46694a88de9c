/*
 * Kernel messages and fatal errors.
 *
 * kprintf writes to the console (the UART once its driver is up, the SBI
 * console before). Lines from different harts do not interleave.
 * panic() prints the message, the hart and a symbolic backtrace, stops
 * every other hart and powers off with a failure code (QEMU) or spins.
 */
#pragma once

#include "../lib/types.h"

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// The last KERNEL_LOG_SIZE bytes of kernel messages, a ring: byte i of the
// output is at g_kernel_log[i % KERNEL_LOG_SIZE], and g_kernel_log_bytes
// counts every byte ever written. Nothing in the kernel reads it; it is
// there for a debugger (kernel/scripts/gdb/tandem.py: tandem-log) and for a
// memory dump of a machine that hung.
constexpr u64 KERNEL_LOG_SIZE = 4096;
extern char g_kernel_log[KERNEL_LOG_SIZE];
extern u64 g_kernel_log_bytes;
void vkprintf(const char* fmt, va_list args);
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// The print lock, for console_write (console.cc): a chunk of program output
// and a kernel message never interleave. After a panic it is not taken.
void print_lock_acquire();
void print_lock_release();

// Prints a backtrace starting at the given frame pointer.
void print_backtrace(u64 fp, u64 pc);

// True once some hart has panicked; other harts stop when they see it.
bool kernel_panicked();

#define kassert(cond)                                                            \
    do {                                                                         \
        if (!(cond))                                                             \
            panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
    } while (0)
