/*
 * Scheduling: the run queue, each hart's scheduler loop, giving up the hart
 * (sched/yield), idle harts, and the list of timed waits.
 *
 * Locks: RunQueue (rank RunQueue) protects the run queue; Timer (rank
 * Timer) the timed-wait list. Both are taken inside Proc::lock, never the
 * other way round: the tick handler therefore moves expired entries off the
 * timer list first and takes each Proc::lock afterwards.
 */
#include "sched.h"
#include "../cpu/cpu.h"
#include "../mm/address_space.h"
#include "../lib/params.h"
#include "../console/printk.h"
#include "proc.h"

namespace {

constexpr u64 IDLE_POLL_US = 50;

HotSpinlock g_run_lock("run_queue", LockRank::RunQueue);
IntrusiveList<Proc, &Proc::run_link> g_run_queue;

HotSpinlock g_timer_lock("timer_list", LockRank::Timer);
IntrusiveList<Proc, &Proc::timer_link> g_timer_list; // sorted by wake_deadline

Proc* dequeue()
{
    SpinlockGuard guard(g_run_lock);
    return g_run_queue.pop_front();
}

bool run_queue_empty()
{
    SpinlockGuard guard(g_run_lock);
    return g_run_queue.is_empty();
}

} // namespace

// Wakes one idle hart, if any, so new work does not wait for a tick.
void kick_idle_hart()
{
    Cpu* me = this_cpu();
    me->kick_pending = false;
    int preferred = me->kick_preferred;
    me->kick_preferred = -1;
    if (!me->current)
        return; // this hart is in its scheduler loop and looks at the queue next
    // A hart polling the queue will take the work without an interrupt.
    for (int i = 0; i < g_cpu_count; i++)
        if (g_cpus[i].polling.load(MemoryOrder::Relaxed))
            return;
    // The hart the work last ran on, if idle: no migration, no TLB flush.
    if (preferred >= 0 && preferred < g_cpu_count && &g_cpus[preferred] != me &&
        g_cpus[preferred].idle.load()) {
        g_cpus[preferred].idle.store(false);
        arch::send_ipi(g_cpus[preferred].hart_id);
        return;
    }
    for (int i = 0; i < g_cpu_count; i++) {
        Cpu& cpu = g_cpus[i];
        if (&cpu != me && cpu.idle.load()) {
            cpu.idle.store(false);
            arch::send_ipi(cpu.hart_id);
            return;
        }
    }
}

namespace {


// Waits for work. First it polls the run queue for IDLE_POLL_US: a process
// that just went to sleep is often woken again within microseconds (a
// ping-pong, a producer and its consumer), and waking a halted hart costs
// far more than that under emulation or in a virtual machine (Linux's
// haltpoll does the same for KVM guests). Then it halts in wfi with
// interrupts off, so an IPI that arrives after the last check still ends
// the wfi (a pending interrupt wakes wfi even when masked).
void idle(Cpu* cpu)
{
    u64 poll_until = arch::time_now() + arch::timebase_hz() / 1000000 * IDLE_POLL_US;
    cpu->polling.store(true);
    while (arch::time_now() < poll_until) {
        // A racy peek: a wrong answer only costs one more look.
        if (!g_run_queue.is_empty()) {
            cpu->polling.store(false);
            return;
        }
        arch::cpu_relax();
    }
    cpu->polling.store(false);

    arch::irq_disable();
    // Let go of the last process's page table, so it can be freed.
    AddressSpace::activate(nullptr, false);
    cpu->idle.store(true);
    if (run_queue_empty())
        arch::wait_for_interrupt();
    cpu->idle.store(false);
    arch::irq_enable();
}

void switch_to(Cpu* cpu, Proc* p)
{
    p->state = ProcState::Running;
    p->switch_count.fetch_add(1, MemoryOrder::Relaxed);
    p->slice_end = arch::time_now() + arch::timebase_hz() / TICK_HZ;
    cpu->current = p;
    cpu->trap_entry.kernel_stack_top = uptr(p->kernel_stack) + KERNEL_STACK_SIZE;
    cpu->trap_entry.current_pid = u64(p->pid);
    cpu->trap_entry.current_syscalls = p->syscall_count.raw();
    // The kernel half is in every table, so staying in the same space needs
    // no satp write; but a process coming back from another hart may have
    // changed its mappings there, so this hart's TLB must be flushed.
    AddressSpace::activate(p->address_space, p->last_cpu != int(cpu->id));
    p->last_cpu = int(cpu->id);
    p->fp_needs_restore = true;
    context_switch(&cpu->scheduler_context, &p->context);
    // p gave the hart back through sched(), holding p->lock.
    cpu->current = nullptr;
}

} // namespace

void scheduler_loop()
{
    Cpu* cpu = this_cpu();
    for (;;) {
        arch::irq_enable();
        if (kernel_panicked())
            idle(cpu);
        Proc* p = dequeue();
        if (!p) {
            idle(cpu);
            continue;
        }
        p->lock.lock();
        if (p->state == ProcState::Runnable)
            switch_to(cpu, p);
        p->lock.unlock();
    }
}

void make_runnable(Proc* p, Kick kick)
{
    p->state = ProcState::Runnable;
    {
        SpinlockGuard guard(g_run_lock);
        g_run_queue.push_back(p);
    }
    if (kick == Kick::Yes) {
        this_cpu()->kick_pending = true;
        this_cpu()->kick_preferred = p->last_cpu;
    }
}

void sched()
{
    Cpu* cpu = this_cpu();
    Proc* p = cpu->current;
    if (!p->lock.is_held())
        panic("sched: proc lock not held");
    if (cpu->irq_off_depth != 1)
        panic("sched: holding %d spin locks", cpu->irq_off_depth);
    if (p->state == ProcState::Running)
        panic("sched: process still running");
    if (arch::irq_enabled())
        panic("sched: interrupts enabled");
    if (arch::fp_dirty())
        arch::fp_save(&p->fp_state);
    // The interrupt-enable state belongs to this thread, not to the hart.
    bool were_enabled = cpu->irq_were_enabled;
    context_switch(&p->context, &cpu->scheduler_context);
    this_cpu()->irq_were_enabled = were_enabled;
    // This hart may have switched here from inside another thread's
    // kernel-mode trap: put back what a return to user mode relies on.
    arch::after_switch_in();
}

void yield()
{
    Proc* p = current_proc();
    p->lock.lock();
    // This hart is about to pick from the queue itself: no need to wake another.
    make_runnable(p, Kick::No);
    sched();
    p->lock.unlock();
}

bool time_slice_expired()
{
    Proc* p = current_proc();
    return p && arch::time_now() >= p->slice_end;
}

void sched_ipi()
{
    // Nothing to do: the interrupt itself ended the idle hart's wfi.
}

void timer_list_add(Proc* p)
{
    SpinlockGuard guard(g_timer_lock);
    Proc* at = g_timer_list.front();
    while (at && at->wake_deadline <= p->wake_deadline)
        at = g_timer_list.next(at);
    g_timer_list.insert_before(at, p);
}

void timer_list_remove(Proc* p)
{
    SpinlockGuard guard(g_timer_lock);
    if (p->timer_link.is_linked())
        g_timer_list.remove(p);
}

void sched_timer_tick()
{
    if (this_cpu()->id != 0)
        return;
    // Collect expired waits under the timer lock, then wake each under its
    // own lock (Proc ranks below Timer).
    constexpr int BATCH = 16;
    Proc* expired[BATCH];
    u64 deadlines[BATCH];
    int n = 0;
    u64 now = arch::time_now();
    {
        SpinlockGuard guard(g_timer_lock);
        while (n < BATCH) {
            Proc* p = g_timer_list.front();
            if (!p || p->wake_deadline > now)
                break;
            g_timer_list.remove(p);
            deadlines[n] = p->wake_deadline;
            expired[n++] = p;
        }
    }
    for (int i = 0; i < n; i++) {
        Proc* p = expired[i];
        SpinlockGuard guard(p->lock);
        if (p->state == ProcState::Sleeping && p->wake_deadline == deadlines[i]) {
            p->timed_out = true;
            make_runnable(p);
        }
    }
}
