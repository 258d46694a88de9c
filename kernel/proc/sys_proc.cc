/*
 * System calls about processes, time and the machine.
 */
#include "../../riscv/arch.h"
#include "../cpu/cpu.h"
#include "../lib/kstring.h"
#include "../mm/kmalloc.h"
#include "../mm/page_alloc.h"
#include "../mm/uaccess.h"
#include "../mm/address_space.h"
#include "../shm/shared_region.h"
#include "../console/printk.h"
#include "sched.h"
#include "../sync/wait_queue.h"
#include "../trap/syscall.h"
#include "proc.h"

Result<long> sys_fork(const SyscallArgs&) { return TRY(do_fork()); }

Result<long> sys_exit(const SyscallArgs& args) { do_exit((args.as_int(0) & 0xff) << 8); }

namespace {
Result<long> wait_common(int pid, u64 user_status)
{
    // Check the status pointer before reaping, so a bad pointer does not
    // make a child's status vanish.
    if (user_status)
        TRY(put_user(user_status, 0));
    int status = 0;
    int child = TRY(do_wait(pid, &status));
    if (user_status)
        TRY(put_user(user_status, status));
    return child;
}
} // namespace

Result<long> sys_wait(const SyscallArgs& args) { return wait_common(-1, args[0]); }

Result<long> sys_waitpid(const SyscallArgs& args)
{
    int pid = args.as_int(0);
    if (pid == 0 || pid < -1)
        return Error(ERR_INVAL);
    return wait_common(pid, args[1]);
}

Result<long> sys_kill(const SyscallArgs& args)
{
    TRY(do_kill(args.as_int(0)));
    return 0;
}

Result<long> sys_setpgid(const SyscallArgs& args)
{
    TRY(do_setpgid(args.as_int(0), args.as_int(1)));
    return 0;
}

// LAB(syscall) begin
// trace(on): system-call tracing of the caller on (1) or off (0); returns
// the previous setting. Only the process itself changes the flag, and only
// its own system-call path reads it, so it needs no lock (fork copies it
// while the parent is in fork).
Result<long> sys_trace(const SyscallArgs& args)
{
    int on = args.as_int(0);
    if (on != 0 && on != 1)
        return Error(ERR_INVAL);
    Proc* p = current_proc();
    bool was = p->traced;
    p->traced = on;
    return was ? 1 : 0;
}
// LAB(syscall) end

// The trap entry answers getpid and trap_floor itself (riscv/trap.S,
// docs/performance.md); these handlers are the table's entries for them
// and give the same answers.
Result<long> sys_getpid(const SyscallArgs&) { return current_proc()->pid; }
Result<long> sys_trap_floor(const SyscallArgs&) { return 0; }

Result<long> sys_getppid(const SyscallArgs&)
{
    SpinlockGuard guard(g_proc_table_lock);
    Proc* parent = current_proc()->parent;
    return parent ? parent->pid : 0;
}

Result<long> sys_sleep(const SyscallArgs& args)
{
    u64 ms = u32(args[0]);
    u64 deadline = arch::time_now() + ms * (arch::timebase_hz() / 1000);
    // Nobody wakes this queue: only the deadline (or a kill) ends the wait.
    WaitQueue queue;
    Spinlock lock("sleep");
    SpinlockGuard guard(lock);
    for (;;) {
        if (arch::time_now() >= deadline)
            return 0;
        auto waited = queue.wait(lock, WaitMode::Killable, deadline);
        if (waited.error_code() == ERR_INTR)
            return waited.error();
    }
}

Result<long> sys_uptime(const SyscallArgs&) { return long(arch::time_now() / (arch::timebase_hz() / 1000)); }

Result<long> sys_clock_ns(const SyscallArgs&) { return long(arch::ticks_to_ns(arch::time_now())); }

Result<long> sys_yield(const SyscallArgs&)
{
    yield();
    return 0;
}

Result<long> sys_procinfo(const SyscallArgs& args)
{
    int max = args.as_int(1);
    if (max < 0)
        return Error(ERR_INVAL);
    int n = min(max, NPROC);
    auto* table = static_cast<struct procinfo*>(kzalloc(sizeof(struct procinfo) * NPROC));
    if (!table)
        return Error(ERR_NOMEM);
    int count = 0;
    {
        SpinlockGuard guard(g_proc_table_lock);
        for (Proc& p : g_procs) {
            if (count == n)
                break;
            SpinlockGuard plock(p.lock);
            if (p.state == ProcState::Unused || p.state == ProcState::Embryo)
                continue;
            struct procinfo& info = table[count++];
            info.pid = p.pid;
            info.ppid = p.parent ? p.parent->pid : 0;
            info.state = p.state == ProcState::Running    ? PSTATE_RUNNING
                         : p.state == ProcState::Runnable ? PSTATE_RUNNABLE
                         : p.state == ProcState::Sleeping ? PSTATE_SLEEPING
                                                          : PSTATE_ZOMBIE;
            info.memory_bytes = p.address_space ? p.address_space->resident_pages() * PAGE_SIZE : 0;
            memcpy(info.name, p.name, sizeof info.name);
        }
    }
    auto copied = copy_to_user(args[0], table, sizeof(struct procinfo) * u64(count));
    kfree(table);
    TRY(copied);
    return count;
}

Result<long> sys_proc_stats(const SyscallArgs& args)
{
    int pid = args.as_int(0);
    struct proc_stats stats {};
    Proc* p = pid == 0 ? current_proc() : find_and_lock_process(pid);
    if (!p)
        return Error(ERR_SRCH);
    stats.syscalls = p->syscall_count.load(MemoryOrder::Relaxed);
    stats.page_faults = p->page_fault_count.load(MemoryOrder::Relaxed);
    stats.context_switches = p->switch_count.load(MemoryOrder::Relaxed);
    stats.resident_pages = p->address_space ? p->address_space->resident_pages() : 0;
    if (pid != 0)
        p->lock.unlock();
    TRY(copy_to_user(args[1], &stats, sizeof stats));
    return 0;
}

Result<long> sys_meminfo(const SyscallArgs& args)
{
    PageStats ps = page_stats();
    struct meminfo info {};
    info.total_pages = ps.total_pages;
    info.free_pages = ps.free_pages;
    info.kernel_pages = ps.used_by[u32(PageUse::Kernel)];
    info.slab_pages = ps.used_by[u32(PageUse::Slab)];
    info.pagetable_pages = ps.used_by[u32(PageUse::PageTable)];
    info.user_pages = ps.used_by[u32(PageUse::User)];
    info.shared_pages = ps.used_by[u32(PageUse::Shared)];
    info.filecache_pages = ps.used_by[u32(PageUse::FileCache)];
    info.processes = u64(live_process_count());
    shm_fill_meminfo(&info);
    TRY(copy_to_user(args[0], &info, sizeof info));
    return 0;
}

Result<long> sys_poweroff(const SyscallArgs& args)
{
    int status = args.as_int(0);
    kprintf("poweroff: status %d\n", status);
    arch::power_off(status);
}
