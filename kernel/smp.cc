/*
 * Bringing up the other harts, and running a function on every hart before
 * the scheduler starts (used by the kernel self-tests).
 *
 * CPU numbers are dense: the boot hart is CPU 0, then every other usable
 * hart in device-tree order, up to MAX_CPUS.
 */
#include "../riscv/kernel_map.h"
#include "boot.h"
#include "cpu.h"
#include "mm/page_alloc.h"
#include "mm/phys.h"
#include "params.h"
#include "printk.h"
#include "sched.h"

constinit Cpu g_cpus[MAX_CPUS];
int g_cpu_count = 1;

void start_timer_on_this_cpu();

namespace {
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
} // namespace

void start_secondary_harts()
{
    const BoardInfo& board = g_board;
    for (int i = 0; i < board.hart_count && g_cpu_count < MAX_CPUS; i++) {
        const HartInfo& hart = board.harts[i];
        if (!hart.usable || hart.hart_id == g_cpus[0].hart_id)
            continue;
        paddr_t stack = alloc_pages(KERNEL_STACK_ORDER, PageUse::Kernel);
        if (!stack)
            panic("no memory for a boot stack");
        Cpu& cpu = g_cpus[g_cpu_count];
        cpu.id = u32(g_cpu_count);
        cpu.hart_id = hart.hart_id;
        g_cpu_count++;
        *phys_to_ptr<u64>(stack) = 0; // no process runs on a boot stack (current_proc)
        u64 top = uptr(phys_to_virt(stack)) + KERNEL_STACK_SIZE;
        if (!arch::start_hart(hart.hart_id, top)) {
            kprintf("hart %u did not start\n", hart.hart_id);
            g_cpu_count--;
            free_pages(stack);
            continue;
        }
        // Wait for it, so that CPU numbers and the banner are deterministic.
        // A hart that never arrives would hang the boot before the banner
        // with nothing on the console; say which one it is.
        u64 complain_at = arch::time_now() + 2 * arch::timebase_hz();
        while (!cpu.online.load(MemoryOrder::Acquire)) {
            if (complain_at && arch::time_now() >= complain_at) {
                kprintf("still waiting for hart %u to come online\n", hart.hart_id);
                complain_at = 0;
            }
            arch::cpu_relax();
        }
    }
}

extern "C" [[noreturn]] void secondary_main(u64 hart_id)
{
    Cpu* cpu = nullptr;
    for (int i = 0; i < MAX_CPUS; i++)
        if (g_cpus[i].hart_id == hart_id && (i == 0 || g_cpus[i].id != 0))
            cpu = &g_cpus[i];
    if (!cpu)
        for (;;)
            arch::wait_for_interrupt();
    arch::set_cpu_local(cpu);
    activate_kernel_map();
    arch::trap_init_hart();
    arch::plic_init_hart(u32(hart_id));
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
