/*
 * Bringing up the other harts, and running a function on every hart before
 * the scheduler starts (used by the kernel self-tests).
 *
 * CPU numbers are dense: the boot hart is CPU 0, then every other usable
 * hart in device-tree order, up to MAX_CPUS.
 *
 * A hart the firmware agreed to start may still never arrive (it died
 * switching to S-mode, or the host is too loaded to run it). The boot
 * waits HART_ONLINE_TIMEOUT_S for each, then goes on without it. Whether a
 * late hart may still join is settled by one compare-and-swap on a ticket
 * at the base of its boot stack: it joins only if it claims the ticket
 * before the boot hart gives it up. An abandoned hart's stack is never
 * freed (it may still be running on it), and it parks without touching any
 * kernel state, so its CPU slot can go to the next hart.
 */
#include "../boot/boot.h"
#include "cpu.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../lib/params.h"
#include "../console/printk.h"
#include "../proc/sched.h"
#include "../trap/interrupts.h"

constinit Cpu g_cpus[MAX_CPUS];
int g_cpu_count = 1;

namespace {
constexpr u64 HART_ONLINE_TIMEOUT_S = 5;

enum : u32 { TICKET_STARTING, TICKET_CLAIMED, TICKET_ABANDONED };

// At the base of a secondary hart's boot stack.
struct BootTicket {
    u64 no_process; // every kernel stack starts with its process (current_proc): none here
    Cpu* cpu;
    Atomic<u32> state;
};

// Work posted by run_on_every_cpu: harts waiting in wait_for_boot_work run
// it when the generation changes.
void (*volatile g_work)(int) = nullptr;
Atomic<u64> g_work_generation{0};
Atomic<int> g_work_done{0};
Atomic<bool> g_scheduler_started{false};

[[noreturn]] void wait_for_boot_work()
{
    u64 seen = 0;
    for (;;) {
        while (g_work_generation.load(MemoryOrder::Acquire) == seen) {
            if (g_scheduler_started.load(MemoryOrder::Acquire))
                scheduler_loop();
            arch::wait_for_interrupt();
        }
        seen = g_work_generation.load(MemoryOrder::Acquire);
        g_work(int(this_cpu()->id));
        g_work_done.fetch_add(1, MemoryOrder::AcqRel);
    }
}

// Starts `hart` as CPU number g_cpu_count and waits until it is online or
// the timeout passes. Returns true if it came online.
bool start_one_hart(const HartInfo& hart)
{
    paddr_t stack = alloc_pages(KERNEL_STACK_ORDER, PageUse::Kernel);
    if (!stack)
        panic("no memory for a boot stack");
    Cpu& cpu = g_cpus[g_cpu_count];
    cpu.id = u32(g_cpu_count);
    cpu.hart_id = hart.hart_id;
    BootTicket* ticket = phys_to_ptr<BootTicket>(stack);
    ticket->no_process = 0;
    ticket->cpu = &cpu;
    ticket->state.store(TICKET_STARTING, MemoryOrder::Release);
    u64 top = uptr(phys_to_virt(stack)) + KERNEL_STACK_SIZE;
    if (!arch::start_hart(hart.hart_id, top)) {
        kprintf("hart %u did not start\n", hart.hart_id);
        free_pages(stack);
        return false;
    }
    // Wait for it, so that CPU numbers and the banner are deterministic,
    // and a hart that never arrives is named on the console.
    u64 now = arch::time_now(), hz = arch::timebase_hz();
    u64 complain_at = now + hz, give_up_at = now + HART_ONLINE_TIMEOUT_S * hz;
    while (!cpu.online.load(MemoryOrder::Acquire)) {
        now = arch::time_now();
        if (complain_at && now >= complain_at) {
            kprintf("still waiting for hart %u to come online\n", hart.hart_id);
            complain_at = 0;
        }
        u32 expected = TICKET_STARTING;
        if (now >= give_up_at && ticket->state.compare_exchange(expected, TICKET_ABANDONED)) {
            kprintf("hart %u did not come online within %lu s: going on without it\n", hart.hart_id,
                    HART_ONLINE_TIMEOUT_S);
            return false; // its stack stays allocated: it may still be running on it
        }
        arch::cpu_relax();
    }
    return true;
}

// A test hook: the boot argument test_hart_stall=<hart id> makes that hart
// behave as one that never arrives (the usertests-virt-4-hartstall run).
bool told_to_stall(u64 hart_id)
{
    char text[16];
    if (!bootarg_value("test_hart_stall", text, sizeof(text)))
        return false;
    u64 id = 0;
    for (const char* p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        id = id * 10 + u64(*p - '0');
    }
    return id == hart_id;
}
} // namespace

void start_secondary_harts()
{
    const BoardInfo& board = g_board;
    int over_limit = 0;
    for (int i = 0; i < board.hart_count; i++) {
        const HartInfo& hart = board.harts[i];
        if (!hart.usable || hart.hart_id == g_cpus[0].hart_id)
            continue;
        if (g_cpu_count >= MAX_CPUS) {
            over_limit++;
            continue;
        }
        if (start_one_hart(hart))
            g_cpu_count++;
    }
    if (over_limit)
        kprintf("%d usable harts left out: the kernel runs on at most %d (MAX_CPUS, kernel/cpu/cpu.h)\n", over_limit,
                MAX_CPUS);
}

// Secondary harts arrive here from entry.S, on the boot stack whose top
// start_one_hart passed to the firmware.
extern "C" [[noreturn]] void secondary_main(u64 hart_id, u64 stack_top)
{
    BootTicket* ticket = reinterpret_cast<BootTicket*>(stack_top - KERNEL_STACK_SIZE);
    u32 expected = TICKET_STARTING;
    if (told_to_stall(hart_id) || !ticket->state.compare_exchange(expected, TICKET_CLAIMED)) {
        // Too late: the boot went on without this hart. Touch nothing.
        for (;;)
            arch::wait_for_interrupt();
    }
    Cpu* cpu = ticket->cpu;
    arch::set_cpu_local(cpu);
    arch::activate_kernel_map();
    arch::trap_init_hart();
    if (!arch::irqchip_init_hart(cpu->id, u32(hart_id)))
        kprintf("hart %lu has no S-mode interrupt context: it takes no device interrupts\n", hart_id);
    start_timer_on_this_cpu();
    cpu->online.store(true, MemoryOrder::Release);
    arch::irq_enable();
    wait_for_boot_work();
}

void run_on_every_cpu(void (*fn)(int cpu))
{
    g_work = fn;
    g_work_done.store(0);
    g_work_generation.fetch_add(1, MemoryOrder::AcqRel);
    for (int i = 1; i < g_cpu_count; i++)
        arch::send_ipi(g_cpus[i].hart_id);
    fn(0);
    while (g_work_done.load(MemoryOrder::Acquire) < g_cpu_count - 1)
        arch::cpu_relax();
}

void release_secondaries_to_scheduler()
{
    g_scheduler_started.store(true, MemoryOrder::Release);
    for (int i = 1; i < g_cpu_count; i++)
        arch::send_ipi(g_cpus[i].hart_id);
}
