/*
 * The hart the host unit tests run on: the page allocator keeps a cache of
 * pages per hart (kernel/mm/page_alloc.cc) and finds it through this_cpu().
 * A test may play another hart with host::set_hart(). The VM tests have a
 * fuller fake of their own (tests/host/vm/fake_arch.cc).
 */
#include "host_support.h"
#include "kernel/cpu/cpu.h"

namespace {
Cpu g_host_cpu;
} // namespace

void* arch::cpu_local() { return &g_host_cpu; }

void host::set_hart(u32 id) { g_host_cpu.id = id; }
