/*
 * The kernel services the fuzzed sources need, for a libFuzzer build on
 * the host: kmalloc on top of malloc (so AddressSanitizer sees every
 * object's exact bounds), and kprintf/panic. A panic is a finding: it
 * aborts, and libFuzzer saves the input that caused it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/kmalloc.h"
#include "kernel/console/printk.h"

void* kmalloc(size_t size) { return size ? malloc(size) : nullptr; }

void* kzalloc(size_t size) { return size ? calloc(1, size) : nullptr; }

void kfree(void* ptr) { free(ptr); }

void vkprintf(const char* fmt, va_list args)
{
    // Quiet: the board parser reports what it finds; the fuzzer does not care.
    (void)fmt;
    (void)args;
}

void kprintf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

void panic(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "kernel panic: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

bool kernel_panicked() { return false; }

void print_backtrace(u64, u64) {}
