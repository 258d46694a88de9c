/*
 * The little C++ runtime support a freestanding kernel needs: running
 * global constructors, and the symbols GCC may reference.
 */
#include "../console/printk.h"
#include "boot.h"

extern "C" {
typedef void (*Constructor)();
extern Constructor __init_array_start[], __init_array_end[];

void* __dso_handle = nullptr;

// Destructors of globals never run: the kernel does not exit.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

void __cxa_pure_virtual() { panic("pure virtual function called"); }
}

void run_global_constructors()
{
    for (Constructor* c = __init_array_start; c < __init_array_end; c++)
        (*c)();
}

void operator delete(void*, size_t) noexcept { panic("operator delete called; use destroy()"); }
void operator delete(void*) noexcept { panic("operator delete called; use destroy()"); }
