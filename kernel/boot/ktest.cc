/*
 * In-kernel self-tests, run when the boot arguments contain "ktest".
 *
 * They exercise what only the real machine can: the allocators hammered
 * from every hart at once, a spin lock under true contention, and the
 * timer interrupt arriving on every hart. Each case prints pass(<name>) or
 * FAIL(<name>): <reason>; the summary line is "ktest: N passed, N failed".
 */
#include "boot.h"
#include "../cpu/cpu.h"
#include "../lib/format.h"
#include "../lib/kstring.h"
#include "../lib/random.h"
#include "../mm/kmalloc.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../lib/params.h"
#include "../console/printk.h"
#include "../sync/spinlock.h"

namespace {

int g_passed = 0;
int g_failed = 0;
Atomic<int> g_errors{0};

void report(const char* name, bool ok, const char* reason)
{
    if (ok) {
        kprintf("pass(%s)\n", name);
        g_passed++;
    } else {
        kprintf("FAIL(%s): %s\n", name, reason);
        g_failed++;
    }
}

// ---- page allocator storm --------------------------------------------------

constexpr int STORM_ROUNDS = 3000;
constexpr int STORM_SLOTS = 24;

void page_storm(int cpu)
{
    Random rng(0x1234 + u64(cpu));
    paddr_t held[STORM_SLOTS] = {};
    u64 stamp[STORM_SLOTS] = {};
    for (int round = 0; round < STORM_ROUNDS; round++) {
        int slot = int(rng.below(STORM_SLOTS));
        if (held[slot]) {
            // Check the stamp written at allocation survived: nobody else
            // was handed the same block.
            u64* words = phys_to_ptr<u64>(held[slot]);
            unsigned order = page_of(held[slot])->order;
            for (size_t i = 0; i < (PAGE_SIZE << order) / 8; i += 512)
                if (words[i] != stamp[slot])
                    g_errors.fetch_add(1);
            free_pages(held[slot]);
            held[slot] = 0;
        } else {
            unsigned order = unsigned(rng.below(4));
            paddr_t pa = alloc_pages(order, PageUse::Kernel);
            if (!pa)
                continue;
            stamp[slot] = (u64(cpu) << 48) | u64(round);
            u64* words = phys_to_ptr<u64>(pa);
            for (size_t i = 0; i < (PAGE_SIZE << order) / 8; i += 512)
                words[i] = stamp[slot];
            held[slot] = pa;
        }
    }
    for (paddr_t pa : held)
        if (pa)
            free_pages(pa);
}

// Runs `storm` on every hart at once; passes if nothing it allocated was
// corrupted (g_errors) and every page came back.
void run_storm(const char* name, const char* what, void (*storm)(int cpu))
{
    u64 before = free_page_count();
    g_errors.store(0);
    run_on_every_cpu(storm);
    u64 after = free_page_count();
    char reason[96];
    snprintf_k(reason, sizeof reason, "%d corrupted %s, free pages %lu -> %lu", g_errors.load(), what, before, after);
    report(name, g_errors.load() == 0 && before == after, reason);
}

void test_page_storm() { run_storm("ktest_page_alloc_storm", "blocks", page_storm); }

// ---- kmalloc storm ------------------------------------------------------------

void kmalloc_storm(int cpu)
{
    Random rng(0x5678 + u64(cpu));
    u8* held[STORM_SLOTS] = {};
    size_t sizes[STORM_SLOTS] = {};
    for (int round = 0; round < STORM_ROUNDS; round++) {
        int slot = int(rng.below(STORM_SLOTS));
        if (held[slot]) {
            u8 expect = u8(uptr(held[slot]) >> 4);
            for (size_t i = 0; i < sizes[slot]; i++)
                if (held[slot][i] != expect) {
                    g_errors.fetch_add(1);
                    break;
                }
            kfree(held[slot]);
            held[slot] = nullptr;
        } else {
            size_t size = 1 + rng.below(rng.below(8) == 0 ? 9000 : 600);
            u8* p = static_cast<u8*>(kmalloc(size));
            if (!p)
                continue;
            memset(p, u8(uptr(p) >> 4), size);
            held[slot] = p;
            sizes[slot] = size;
        }
    }
    for (u8* p : held)
        kfree(p);
}

void test_kmalloc_storm() { run_storm("ktest_kmalloc_storm", "objects", kmalloc_storm); }

// ---- spin lock counter --------------------------------------------------------

constexpr u64 COUNTER_ROUNDS = 100000;
Spinlock g_counter_lock("ktest_counter");
u64 g_counter = 0; // deliberately not atomic: only the lock protects it

void count_under_lock(int)
{
    for (u64 i = 0; i < COUNTER_ROUNDS; i++) {
        SpinlockGuard guard(g_counter_lock);
        u64 v = g_counter;
        arch::cpu_relax();
        g_counter = v + 1;
    }
}

void test_spinlock_counter()
{
    g_counter = 0;
    run_on_every_cpu(count_under_lock);
    u64 expect = COUNTER_ROUNDS * u64(g_cpu_count);
    char reason[96];
    snprintf_k(reason, sizeof reason, "counter %lu, expected %lu", g_counter, expect);
    report("ktest_spinlock_counter", g_counter == expect, reason);
}

// ---- interrupt nesting ----------------------------------------------------------

void test_irq_nesting()
{
    bool ok = arch::irq_enabled();
    {
        SpinlockGuard a(g_counter_lock);
        ok = ok && !arch::irq_enabled();
        {
            InterruptsDisabled inner;
            ok = ok && !arch::irq_enabled();
        }
        ok = ok && !arch::irq_enabled(); // still inside the outer lock
    }
    ok = ok && arch::irq_enabled();
    report("ktest_irq_nesting", ok, "interrupt state not restored by nested guards");
}

// ---- timer ticks on every hart ------------------------------------------------

void test_timer_ticks()
{
    u64 before[MAX_CPUS];
    for (int i = 0; i < g_cpu_count; i++)
        before[i] = g_cpus[i].ticks.load();
    // Wait 200 ms of timebase time: 20 ticks at 100 Hz.
    u64 until = arch::time_now() + arch::timebase_hz() / 5;
    while (arch::time_now() < until)
        arch::wait_for_interrupt();
    char reason[96] = "";
    bool ok = true;
    for (int i = 0; i < g_cpu_count; i++) {
        u64 delta = g_cpus[i].ticks.load() - before[i];
        if (delta < 5) {
            ok = false;
            snprintf_k(reason, sizeof reason, "cpu %d took %lu ticks in 200 ms", i, delta);
        }
    }
    report("ktest_timer_ticks", ok, reason);
}

// ---- page tables ----------------------------------------------------------------

// A fingerprint of the kernel half of a page table: its entries, in order.
struct HalfWalk {
    u64 entries = 0;
    u64 sum = 0;
};

HalfWalk walk_kernel_half(const PageTable& table)
{
    HalfWalk walk;
    table.for_each_entry(
        PageTable::Half::Kernel,
        [](const PageTableEntryInfo& e, void* context) {
            auto* w = static_cast<HalfWalk*>(context);
            w->entries++;
            w->sum = w->sum * 31 + (e.va ^ e.pa ^ (e.index << 3) ^ u64(e.level) ^ (u64(e.hw_flags) << 40));
        },
        &walk);
    return walk;
}

void test_page_table()
{
    u64 before = free_page_count();
    bool ok = true;
    {
        auto created = PageTable::create_user(arch::kernel_page_table());
        ok = created.ok();
        if (ok) {
            PageTable table = created.release_value();
            paddr_t page = alloc_page_zeroed(PageUse::User);
            ok = page && table.map_page(0x10000, page, PERM_READ | PERM_USER).ok() &&
                 table.map_page(0x3f00000000, page, PERM_READ | PERM_WRITE | PERM_USER).ok();
            paddr_t pa = 0;
            u32 perms = 0;
            ok = ok && table.lookup(0x10000, &pa, &perms) && pa == page && perms == (PERM_READ | PERM_USER);
            ok = ok && table.protect_page(0x10000, PERM_READ | PERM_WRITE | PERM_USER) &&
                 table.lookup(0x10000, &pa, &perms) && (perms & PERM_WRITE);
            ok = ok && table.unmap_page(0x10000) == page && !table.lookup(0x10000, &pa, &perms);
            // The kernel half is shared: the same entries as the kernel's own table.
            HalfWalk mine = walk_kernel_half(table);
            HalfWalk kernel = walk_kernel_half(PageTable(arch::kernel_page_table()));
            ok = ok && mine.entries > 0 && mine.entries == kernel.entries && mine.sum == kernel.sum;
            table.destroy();
            if (page)
                free_pages(page);
        }
    }
    report("ktest_page_table", ok && free_page_count() == before, "page table map/lookup/unmap failed or leaked");
}

} // namespace

int run_kernel_tests()
{
    kprintf("ktest: running on %d harts\n", g_cpu_count);
    test_irq_nesting();
    test_page_table();
    test_page_storm();
    test_kmalloc_storm();
    test_spinlock_counter();
    test_timer_ticks();
    kprintf("ktest: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed;
}

// ---- deliberate panic ------------------------------------------------------------

// Neither inlined nor a tail call: each level must be a frame of its own
// in the backtrace.
[[gnu::noinline, gnu::optimize("no-optimize-sibling-calls")]] static void panic_test_inner(int depth)
{
    if (depth < 0)
        return;
    if (depth > 0)
        panic_test_inner(depth - 1);
    else
        panic("deliberate test panic (ktest_panic)");
}

void trigger_test_panic()
{
    panic_test_inner(2);
    for (;;)
        ;
}
