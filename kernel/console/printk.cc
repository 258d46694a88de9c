/*
 * kprintf, panic and symbolic backtraces.
 *
 * Backtraces follow the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer; arch::saved_frame knows where a frame keeps the
 * return address and the caller's frame pointer). Function names come from
 * a table (ksyms) that the build links into the kernel in a second pass.
 */
#include "printk.h"
#include "console.h"
#include "../cpu/cpu.h"
#include "../lib/format.h"
#include "../sync/spinlock.h"
#include "../trap/interrupts.h"

extern "C" {
extern const u64 ksyms_count;
extern const u64 ksyms_addresses[];
extern const u32 ksyms_name_offsets[];
extern const char ksyms_names[];
extern char _start[], _etext[];
}


// The log ring (printk.h). Written under the print lock (or by the one
// panicking hart), read by debuggers, so plain memory is enough.
char g_kernel_log[KERNEL_LOG_SIZE];
u64 g_kernel_log_bytes = 0;

namespace {
Spinlock g_print_lock("printk", LockRank::Print);
Atomic<bool> g_panicked{false};

void sink_console(char c, void*)
{
    g_kernel_log[g_kernel_log_bytes++ % KERNEL_LOG_SIZE] = c;
    if (c == '\n')
        console_put_char('\r');
    console_put_char(c);
}

// The name of the function containing pc and pc's offset into it.
const char* symbolize(u64 pc, u64* offset)
{
    u64 n = ksyms_count;
    if (n == 0 || pc < ksyms_addresses[0])
        return nullptr;
    u64 lo = 0, hi = n;
    while (hi - lo > 1) {
        u64 mid = (lo + hi) / 2;
        if (ksyms_addresses[mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    *offset = pc - ksyms_addresses[lo];
    return ksyms_names + ksyms_name_offsets[lo];
}

void print_frame(int depth, u64 pc)
{
    u64 off = 0;
    const char* name = symbolize(pc, &off);
    if (name)
        kprintf("  #%d %p %s+0x%lx\n", depth, reinterpret_cast<void*>(pc), name, off);
    else
        kprintf("  #%d %p ?\n", depth, reinterpret_cast<void*>(pc));
}
} // namespace

bool kernel_panicked() { return g_panicked.load(MemoryOrder::Relaxed); }

// console_write shares the lock, so program output and kernel messages do
// not interleave within a chunk.
void print_lock_acquire()
{
    if (!kernel_panicked())
        g_print_lock.lock();
}

void print_lock_release()
{
    if (g_print_lock.is_held())
        g_print_lock.unlock();
}

void vkprintf(const char* fmt, va_list args)
{
    // After a panic only the panicking hart prints, and without the lock
    // (it may have died holding it).
    if (kernel_panicked()) {
        console_flush();
        vformat(sink_console, nullptr, fmt, args);
        return;
    }
    SpinlockGuard guard(g_print_lock);
    console_flush(); // program output queued before this message goes first
    vformat(sink_console, nullptr, fmt, args);
}

void kprintf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

void print_backtrace(u64 fp, u64 pc)
{
    kprintf("backtrace:\n");
    print_frame(0, pc);
    // Frames live on a kernel stack: stop at anything that is not a
    // plausible, aligned kernel address.
    for (int depth = 1; depth < 32; depth++) {
        if (fp < DIRECT_MAP_BASE || (fp & 7) || fp < 16)
            break;
        arch::SavedFrame frame = arch::saved_frame(fp);
        if (frame.return_address < u64(_start) || frame.return_address >= u64(_etext))
            break;
        print_frame(depth, arch::call_site(frame.return_address)); // the call, not the return point
        if (frame.caller_fp <= fp)
            break;
        fp = frame.caller_fp;
    }
}

void panic(const char* fmt, ...)
{
    arch::irq_disable();
    bool first = !g_panicked.exchange(true);
    if (!first) {
        // Another hart is already reporting; stay out of its way.
        for (;;)
            arch::wait_for_interrupt();
    }
    kernel_stop_other_harts();
    va_list args;
    va_start(args, fmt);
    kprintf("\npanic on hart %u (cpu %u): ", this_cpu()->hart_id, this_cpu()->id);
    vformat(sink_console, nullptr, fmt, args);
    va_end(args);
    kprintf("\n");
    print_backtrace(u64(__builtin_frame_address(0)), u64(&panic));
    kprintf("kernel stopped\n");
    arch::power_off(100);
}
