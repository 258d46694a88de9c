/*
 * Placeholder scheduler: idles until processes exist.
 */
#include "sched.h"
#include "cpu.h"

void sched_timer_tick() {}
void sched_ipi() {}

void scheduler_loop()
{
    arch::irq_enable();
    for (;;)
        arch::wait_for_interrupt();
}
