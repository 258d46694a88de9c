/*
 * The process table and the life of a process: creation, fork, exit, wait
 * and kill. exec is in exec.cc, scheduling in sched.cc.
 *
 * Lifetime: a slot goes Unused -> Embryo (being built) -> Runnable/Running/
 * Sleeping -> Zombie (exited, waiting for its parent) -> Unused. The parent
 * frees the zombie's kernel stack in wait(); orphans are adopted by init,
 * which reaps them.
 *
 * Locks: g_proc_table_lock (rank ProcTable) guards pids, parent links,
 * exit status and the Zombie transition; each Proc::lock guards the
 * scheduling state. The table lock is always taken first.
 */
#include "proc.h"
#include "../cpu/cpu.h"
#include "../fs/file.h"
#include "../fs/fs_glue.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../console/printk.h"
#include "sched.h"
#include "../shm/shared_region.h"
#include "../sync/futex.h"
#include "../sync/wait_queue.h"
#include "../trap/trap.h"
#include "../lib/kstring.h"


Proc g_procs[NPROC];
HotSpinlock g_proc_table_lock("proc_table", LockRank::ProcTable);

namespace {
int g_next_pid = 1;
Proc* g_init = nullptr;
WaitQueue g_child_exit_queues[NPROC]; // one per slot, guarded by g_proc_table_lock

// First kernel code a new process runs, entered from the scheduler with
// p->lock held.
void first_return_to_user()
{
    Proc* p = current_proc();
    p->lock.unlock();
    arch::irq_disable();
    prepare_user_return(p->trap_frame(), false);
    enter_user(p->trap_frame());
}
} // namespace

void set_killed(Proc* p)
{
    SpinlockGuard guard(p->lock);
    p->killed = true;
}

paddr_t process_page_table(Proc* p) { return p->address_space ? p->address_space->root() : 0; }

// Finds an unused slot and prepares it: pid, kernel stack, a context that
// starts in first_return_to_user. Returns it in state Embryo, or nullptr.
Proc* allocate_process()
{
    paddr_t stack = alloc_pages(KERNEL_STACK_ORDER, PageUse::Kernel);
    if (!stack)
        return nullptr;
    SpinlockGuard table(g_proc_table_lock);
    for (int i = 0; i < NPROC; i++) {
        Proc* p = &g_procs[i];
        SpinlockGuard guard(p->lock);
        if (p->state != ProcState::Unused)
            continue;
        p->state = ProcState::Embryo;
        p->pid = g_next_pid++;
        p->parent = nullptr;
        p->killed = false;
        p->exit_status = 0;
        p->kernel_stack = phys_to_ptr<u8>(stack);
        *reinterpret_cast<Proc**>(p->kernel_stack) = p; // see current_proc()
        p->context.start_at(first_return_to_user, uptr(p->trap_frame())); // below the trap frame
        p->address_space = nullptr;
        for (File*& f : p->files)
            f = nullptr;
        p->cwd = nullptr;
        p->name[0] = 0;
        p->fp_state = FpState{};
        p->robust_list = 0;
        // LAB(syscall) begin
        p->traced = false;
        // LAB(syscall) end
        p->last_cpu = -1;
        p->syscall_count.store(0);
        p->page_fault_count.store(0);
        p->switch_count.store(0);
        p->child_exit = &g_child_exit_queues[i];
        return p;
    }
    free_pages(stack);
    return nullptr;
}

// Returns an Embryo or reaped Zombie slot to the table. Caller holds
// g_proc_table_lock.
void free_process_slot(Proc* p)
{
    kassert(g_proc_table_lock.is_held());
    free_pages(virt_to_phys(p->kernel_stack));
    p->kernel_stack = nullptr;
    p->pid = 0;
    p->pgid = 0;
    p->parent = nullptr;
    p->name[0] = 0;
    SpinlockGuard guard(p->lock);
    p->state = ProcState::Unused;
}

void create_init_process_with(void (*kernel_entry)())
{
    Proc* p = allocate_process();
    if (!p)
        panic("cannot allocate the init process");
    g_init = p;
    p->pgid = p->pid;
    strlcpy(p->name, "init", sizeof p->name);
    // init starts in the kernel, which mounts the file system and execs /bin/init.
    p->context.start_at(kernel_entry, uptr(p->trap_frame()));
    SpinlockGuard guard(p->lock);
    make_runnable(p);
}

Result<int> do_fork()
{
    Proc* parent = current_proc();
    Proc* child = allocate_process();
    if (!child)
        return Error(ERR_NORES);
    auto space = parent->address_space->fork_copy();
    if (space.is_error()) {
        SpinlockGuard table(g_proc_table_lock);
        free_process_slot(child);
        return space.error();
    }
    child->address_space = space.release_value();
    child->address_space->owner = child;
    *child->trap_frame() = *parent->trap_frame();
    child->trap_frame()->set_syscall_return(0); // fork returns 0 in the child
    for (int fd = 0; fd < NOFILE; fd++)
        if (parent->files[fd])
            child->files[fd] = file_dup(parent->files[fd]);
    if (parent->cwd)
        child->cwd = fs_inode_dup(parent->cwd);
    memcpy(child->name, parent->name, sizeof child->name);
    if (arch::fp_dirty())
        arch::fp_save(&parent->fp_state);
    child->fp_state = parent->fp_state;
    // A forked child does not inherit robust-mutex ownership: its list
    // starts empty and the library registers a new one.
    child->robust_list = 0;
    // LAB(syscall) begin
    child->traced = parent->traced;
    // LAB(syscall) end

    int pid;
    {
        SpinlockGuard table(g_proc_table_lock);
        child->parent = parent;
        child->pgid = parent->pgid;
        pid = child->pid;
    }
    SpinlockGuard guard(child->lock);
    make_runnable(child);
    return pid;
}

// Gives the children of p to init. Caller holds g_proc_table_lock.
static void reparent_children(Proc* p)
{
    kassert(g_proc_table_lock.is_held());
    bool gave_zombie = false;
    for (Proc& q : g_procs) {
        if (q.parent == p) {
            q.parent = g_init;
            gave_zombie |= q.state == ProcState::Zombie;
        }
    }
    if (gave_zombie)
        g_init->child_exit->wake_all();
}

void do_exit(int status)
{
    Proc* p = current_proc();
    if (p == g_init)
        panic("init exited with status %d", status);

    // Robust mutexes first, while the address space is still there.
    robust_list_release(p);
    for (File*& f : p->files) {
        if (f) {
            file_close(f);
            f = nullptr;
        }
    }
    if (p->cwd) {
        fs_inode_put(p->cwd);
        p->cwd = nullptr;
    }
    AddressSpace* space;
    {
        SpinlockGuard guard(p->lock); // see exec_image
        space = p->address_space;
        p->address_space = nullptr;
    }
    if (space)
        AddressSpace::destroy(space); // drops views, abandoning region locks
    shm_process_exit(p);              // drops the creator references

    g_proc_table_lock.lock();
    reparent_children(p);
    p->exit_status = status;
    p->parent->child_exit->wake_all();
    p->lock.lock();
    p->state = ProcState::Zombie;
    g_proc_table_lock.unlock();
    sched();
    panic("zombie %d ran again", p->pid);
}

Result<int> do_wait(int pid, int* status)
{
    Proc* me = current_proc();
    SpinlockGuard table(g_proc_table_lock);
    for (;;) {
        bool have_children = false;
        for (Proc& q : g_procs) {
            if (q.parent != me || (pid > 0 && q.pid != pid))
                continue;
            have_children = true;
            // Its lock is free only once it has switched out for good.
            q.lock.lock();
            bool zombie = q.state == ProcState::Zombie;
            q.lock.unlock();
            if (!zombie)
                continue;
            int child_pid = q.pid;
            *status = q.exit_status;
            free_process_slot(&q);
            return child_pid;
        }
        if (!have_children)
            return Error(ERR_CHILD);
        TRY(me->child_exit->wait(g_proc_table_lock, WaitMode::Killable));
    }
}

Proc* find_and_lock_process(int pid)
{
    if (pid <= 0)
        return nullptr;
    for (Proc& q : g_procs) {
        q.lock.lock();
        if (q.pid == pid && q.state != ProcState::Unused && q.state != ProcState::Embryo)
            return &q;
        q.lock.unlock();
    }
    return nullptr;
}

namespace {
// Kills every member of group pgid but init; ERR_SRCH if it has none.
// Group 1 (init's, inherited by everything init starts) is refused with
// ERR_INVAL: "kill everyone" is not a thing Tandem offers.
Result<void> kill_group(int pgid)
{
    if (pgid <= 1)
        return Error(ERR_INVAL);
    int found = 0;
    SpinlockGuard table(g_proc_table_lock);
    for (Proc& q : g_procs) {
        if (q.pgid != pgid || &q == g_init)
            continue;
        SpinlockGuard guard(q.lock);
        if (q.state == ProcState::Unused || q.state == ProcState::Embryo || q.state == ProcState::Zombie)
            continue;
        found++;
        q.killed = true;
        if (q.state == ProcState::Sleeping && q.wait_killable)
            make_runnable(&q);
    }
    return found ? Result<void>() : Error(ERR_SRCH);
}
} // namespace

Result<void> do_setpgid(int pid, int pgid)
{
    Proc* me = current_proc();
    if (pid < 0 || pgid < 0)
        return Error(ERR_INVAL);
    SpinlockGuard table(g_proc_table_lock);
    Proc* target = nullptr;
    for (Proc& q : g_procs)
        if (q.pid != 0 && q.pid == (pid ? pid : me->pid) && (&q == me || q.parent == me))
            target = &q;
    if (!target)
        return Error(ERR_SRCH);
    if (pgid == 0 || pgid == target->pid) {
        target->pgid = target->pid;
        return {};
    }
    for (Proc& q : g_procs) {
        if (q.pid != 0 && q.pgid == pgid) {
            target->pgid = pgid;
            return {};
        }
    }
    return Error(ERR_INVAL); // no such group
}

Result<AddressSpace*> pin_address_space(int pid)
{
    if (pid == 0) {
        AddressSpace* as = current_proc()->address_space;
        as->get();
        return as;
    }
    Proc* p = find_and_lock_process(pid);
    if (!p)
        return Error(ERR_SRCH);
    AddressSpace* as = p->address_space;
    if (as)
        as->get();
    p->lock.unlock();
    return as;
}

Result<void> do_kill(int pid)
{
    if (pid < 0)
        return kill_group(-pid);
    Proc* p = find_and_lock_process(pid);
    if (!p)
        return Error(ERR_SRCH);
    if (p == g_init) {
        p->lock.unlock();
        return Error(ERR_ACCESS);
    }
    p->killed = true;
    if (p->state == ProcState::Sleeping && p->wait_killable)
        make_runnable(p);
    p->lock.unlock();
    return {};
}

void kill_current_after_fault(const char* cause, vaddr_t address)
{
    Proc* p = current_proc();
    kprintf("pid %d (%s): %s at %p, killed\n", p->pid, p->name, cause, reinterpret_cast<void*>(address));
    do_exit(WSTATUS_KILLED);
}

int live_process_count()
{
    int n = 0;
    for (Proc& q : g_procs)
        n += q.state != ProcState::Unused;
    return n;
}
