/*
 * Processes.
 *
 * A process is one thread of execution in its own address space. Its Proc
 * lives in a fixed table of NPROC slots; pid 1 is init.
 *
 * Locking:
 *   - Proc::lock (rank Proc) protects state, killed, the wait-queue and
 *     timer links, and the scheduling fields.
 *   - g_proc_table_lock (rank ProcTable) protects parent links, pids and
 *     the exit/wait handshake.
 *   - Everything else (address space, open files, cwd, name) belongs to the
 *     process itself: only it, or its parent after it has become a zombie,
 *     touches them.
 */
#pragma once

#include "../../riscv/arch.h"
#include "../lib/list.h"
#include "../lib/params.h"
#include "../sync/spinlock.h"
#include "../uapi/proc.h"

constexpr int NPROC = 128;
constexpr int NOFILE = 64;

struct AddressSpace;
struct File;
struct Inode;
class SleepLock;
class WaitQueue;

enum class ProcState { Unused, Embryo, Runnable, Running, Sleeping, Zombie };

struct Proc {
    Spinlock lock{"proc", LockRank::Proc};

    // ---- protected by lock -------------------------------------------
    ProcState state = ProcState::Unused;
    bool killed = false;
    ListNode run_link;          // on the run queue
    ListNode wait_link;         // on a WaitQueue
    ListNode timer_link;        // on the timed-wait list
    u64 wake_deadline = 0;      // timebase ticks, 0 = none
    bool timed_out = false;     // the deadline, not a wake-up, ended the wait
    bool wait_killable = false; // kill() may end the current wait

    // ---- protected by g_proc_table_lock ----------------------------------
    int pid = 0;
    int pgid = 0;               // process group: kill(-pgid) reaches every member
    Proc* parent = nullptr;
    int exit_status = 0;        // wait() status encoding (uapi/proc.h)

    // ---- private to the process --------------------------------------------
    u8* kernel_stack = nullptr; // KERNEL_STACK_SIZE bytes, direct-mapped
    Context context{};
    AddressSpace* address_space = nullptr;
    File* files[NOFILE] = {};
    Inode* cwd = nullptr;
    char name[PROC_NAME_MAX] = {};
    FpState fp_state{};
    bool fp_needs_restore = false;
    u64 robust_list = 0;        // user address of the robust-mutex list head
    ListNode shm_created;       // regions whose creator reference it holds (g_shm_creators_lock)
    u64 slice_end = 0;          // when its time slice ends (timebase ticks)
    // LAB(syscall) begin
    bool traced = false;        // trace(): print each system call (copied by fork, kept by exec)
    // LAB(syscall) end
    // The sleep locks it holds, outermost first, for debuggers
    // (kernel/scripts/gdb/tandem.py: tandem-locks); kept by sleeplock.cc.
    static constexpr int MAX_HELD_SLEEP_LOCKS = 8;
    SleepLock* held_sleep_locks[MAX_HELD_SLEEP_LOCKS] = {};
    int held_sleep_count = 0;
    int last_cpu = -1;          // the hart it last ran on (TLB freshness)

    // Counters for proc_stats().
    Atomic<u64> syscall_count{0};
    Atomic<u64> page_fault_count{0};
    Atomic<u64> switch_count{0};

    // The parent sleeps here in wait() until a child exits (guarded by
    // g_proc_table_lock).
    WaitQueue* child_exit = nullptr;

    TrapFrame* trap_frame() const
    {
        return reinterpret_cast<TrapFrame*>(kernel_stack + KERNEL_STACK_SIZE) - 1;
    }
};

extern Proc g_procs[NPROC];
extern HotSpinlock g_proc_table_lock;

#ifdef TANDEM_HOST
// Host unit tests provide these (tests/host).
Proc* current_proc();
bool current_killed();
#else
// The process running on this hart, or nullptr in the scheduler.
// A thread's kernel stack is KERNEL_STACK_SIZE-aligned and starts with its
// Proc pointer: this stays right even if the thread migrates between
// reading the stack pointer and loading, unlike this_cpu()->current.
// Inline, because it is on every system call's path.
inline Proc* current_proc()
{
    return *reinterpret_cast<Proc**>(arch::stack_pointer() & ~(u64(KERNEL_STACK_SIZE) - 1));
}

// True if the current process has been killed (polled by long loops). A
// racy read is fine: a kill that lands just after is seen at the next check.
inline bool current_killed() { return __atomic_load_n(&current_proc()->killed, __ATOMIC_RELAXED); }
#endif
void set_killed(Proc* p);

// Creates the first process, which runs /init (init.cc); the process
// starts in the kernel at kernel_entry (proc.cc).
void create_init_process();
void create_init_process_with(void (*kernel_entry)());

// Creates a child that is a copy of the caller; returns its pid.
Result<int> do_fork();
[[noreturn]] void do_exit(int status);
// Waits for a child (pid -1 = any); stores its status; returns its pid.
Result<int> do_wait(int pid, int* status);
// Marks process pid killed (pid < -1: every process of group -pid).
Result<void> do_kill(int pid);
// Puts process `pid` (0: the caller; itself or one of its children) in
// group `pgid` (0: a new group numbered pid; else an existing group).
Result<void> do_setpgid(int pid, int pgid);
// Kills the current process after a fault, with a one-line report.
[[noreturn]] void kill_current_after_fault(const char* cause, vaddr_t address);

int live_process_count();
// The page table root of p's address space, or 0 if it has none yet.
paddr_t process_page_table(Proc* p);
// Finds a live process by pid and returns it with its lock held, or nullptr.
Proc* find_and_lock_process(int pid);
// The address space of process pid (0: the caller), pinned with
// AddressSpace::get() so that it stays valid should the process exit; the
// caller put()s it. ERR_SRCH if there is no such process; nullptr for one
// that has no address space (a zombie). For introspection calls.
Result<AddressSpace*> pin_address_space(int pid);
