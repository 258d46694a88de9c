/*
 * Interrupt handling common to every hart: the device interrupt table, the
 * periodic timer tick, and inter-processor interrupts.
 */
#include "../boot/boot.h"
#include "../cpu/cpu.h"
#include "../lib/params.h"
#include "../console/printk.h"
#include "../proc/sched.h"
#include "interrupts.h"
#include "trap.h"

namespace {
constexpr u32 MAX_IRQ = 1024; // the PLIC and APLIC allow sources 1..1023
struct IrqSlot {
    IrqHandler handler;
    void* context;
};
IrqSlot g_irqs[MAX_IRQ];
} // namespace

void irq_register(u32 irq, IrqHandler handler, void* context)
{
    if (irq == 0 || irq >= MAX_IRQ)
        return;
    g_irqs[irq] = IrqSlot{handler, context};
    arch::irqchip_enable(this_cpu()->id, irq);
}

void handle_device_interrupt(u32 irq)
{
    if (irq < MAX_IRQ && g_irqs[irq].handler)
        g_irqs[irq].handler(g_irqs[irq].context);
    else
        kprintf("spurious interrupt %u\n", irq);
}

static u64 tick_interval() { return arch::timebase_hz() / TICK_HZ; }

void start_timer_on_this_cpu()
{
    Cpu* cpu = this_cpu();
    cpu->next_tick = arch::time_now() + tick_interval();
    arch::timer_init_hart(cpu->hart_id);
    arch::timer_set(cpu->next_tick);
}

void handle_timer_interrupt()
{
    Cpu* cpu = this_cpu();
    cpu->ticks.fetch_add(1, MemoryOrder::Relaxed);
    // Schedule from the previous deadline so ticks do not drift, but never
    // into the past (after a long stall).
    u64 now = arch::time_now();
    cpu->next_tick += tick_interval();
    if (cpu->next_tick <= now)
        cpu->next_tick = now + tick_interval();
    arch::timer_set(cpu->next_tick);
    sched_timer_tick();
}

void handle_ipi()
{
    if (kernel_panicked()) {
        // Another hart panicked: stop here, quietly.
        arch::irq_disable();
        for (;;)
            arch::wait_for_interrupt();
    }
    sched_ipi();
}

void kernel_stop_other_harts()
{
    for (int i = 0; i < g_cpu_count; i++)
        if (&g_cpus[i] != this_cpu() && g_cpus[i].online.load())
            arch::send_ipi(g_cpus[i].hart_id);
}
