/*
 * Host stand-ins for the kernel services that the portable sources use:
 * spin locks, interrupt masking, sleep locks, wait queues, kprintf, panic
 * and the direct-map offset.
 *
 * They keep the kernel's rules where breaking one would be a real bug
 * (lock order, releasing a lock one does not hold, sleeping with a spin
 * lock held) and panic on a violation, so the unit tests catch those too.
 * Everything is single-threaded except the spin lock itself, which is a
 * real atomic flag and may be used from several host threads.
 *
 * current_proc() and current_killed() are weak: a test file that needs a
 * richer process model may define its own.
 */
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <mutex>

#include "host_support.h"
#include "kernel/lib/format.h"
#include "kernel/mm/phys.h"
#include "kernel/console/printk.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait_queue.h"

// Tests point this at a host buffer that plays physical memory.
u64 g_direct_map_offset = 0;

namespace {

constexpr int MAX_HELD = 64;

// The identity of this thread in Spinlock::m_owner, which the kernel fills
// with the holding hart's Cpu pointer. Never dereferenced.
thread_local char t_self;
thread_local u8 t_held_ranks[MAX_HELD];
thread_local int t_held_count = 0;
thread_local int t_irq_depth = 0;

Cpu* self() { return reinterpret_cast<Cpu*>(&t_self); }

// Fake processes: distinct addresses, never dereferenced.
char g_fake_procs[64];
Proc* g_current = reinterpret_cast<Proc*>(&g_fake_procs[0]);
bool g_killed = false;
int g_sleeplocks_held = 0;

host::WaitHook g_wait_hook;
u64 g_wakeup_calls = 0;
u64 g_waits_completed = 0;

std::mutex g_output_mutex;
bool g_capturing = false;
std::string g_captured;

void output_char(char c, void*)
{
    if (g_capturing)
        g_captured.push_back(c);
    else
        fputc(c, stdout);
}

void note_acquired(const Spinlock& lock)
{
    u8 rank = u8(lock.rank());
    if (rank != 0)
        for (int i = 0; i < t_held_count && i < MAX_HELD; i++)
            if (t_held_ranks[i] >= rank)
                panic("lock order: taking %s (rank %d) while holding rank %d", lock.name(), rank, t_held_ranks[i]);
    if (t_held_count < MAX_HELD)
        t_held_ranks[t_held_count] = rank;
    t_held_count++;
}

void note_released(const Spinlock& lock)
{
    u8 rank = u8(lock.rank());
    int n = t_held_count < MAX_HELD ? t_held_count : MAX_HELD;
    for (int i = n - 1; i >= 0; i--) {
        if (t_held_ranks[i] == rank) {
            for (int j = i; j + 1 < n; j++)
                t_held_ranks[j] = t_held_ranks[j + 1];
            break;
        }
    }
    t_held_count--;
}

// What a blocked sleeper does on the host: let the test's hook make
// progress, or report that the kernel would never wake up.
Result<void> block(const char* what, const char* name, WaitMode mode, u64 deadline)
{
    if (g_wait_hook) {
        g_wait_hook();
        g_waits_completed++;
        return {};
    }
    if (mode == WaitMode::Killable && g_killed)
        return Error(ERR_INTR);
    if (deadline != NO_DEADLINE)
        return Error(ERR_TIMEDOUT);
    panic("%s %s would sleep forever: nothing can wake it in a single-threaded host test "
          "(install host::set_wait_hook)",
          what, name ? name : "");
}

} // namespace

// ---- interrupts -------------------------------------------------------------

void push_irq_off() { t_irq_depth++; }

void pop_irq_off()
{
    if (t_irq_depth < 1)
        panic("pop_irq_off: unbalanced");
    t_irq_depth--;
}

// ---- spin locks -----------------------------------------------------------------

void Spinlock::lock()
{
    push_irq_off();
    if (m_owner == self() && m_locked.load(MemoryOrder::Relaxed))
        panic("spin lock %s: already held by this thread", m_name);
    note_acquired(*this);
    while (m_locked.exchange(1, MemoryOrder::Acquire) != 0)
        sched_yield();
    m_owner = self();
}

bool Spinlock::try_lock()
{
    push_irq_off();
    if (m_locked.exchange(1, MemoryOrder::Acquire) != 0) {
        pop_irq_off();
        return false;
    }
    note_acquired(*this);
    m_owner = self();
    return true;
}

void Spinlock::unlock()
{
    if (m_owner != self() || !m_locked.load(MemoryOrder::Relaxed))
        panic("spin lock %s: released by a thread that does not hold it", m_name);
    note_released(*this);
    m_owner = nullptr;
    m_locked.store(0, MemoryOrder::Release);
    pop_irq_off();
}

bool Spinlock::is_held() const { return m_locked.load(MemoryOrder::Relaxed) && m_owner == self(); }

// ---- sleep locks ----------------------------------------------------------------

void SleepLock::lock()
{
    auto r = lock_killable();
    if (r.is_error())
        panic("sleep lock %s: uninterruptible lock failed", m_name);
}

Result<void> SleepLock::lock_killable()
{
    // A sleep lock may sleep, and sleeping with a spin lock held deadlocks.
    if (t_held_count > 0)
        panic("sleep lock %s taken while holding %d spin lock(s)", m_name, t_held_count);
    for (;;) {
        SpinlockGuard guard(m_guard);
        if (m_state.load(MemoryOrder::Relaxed) == FREE) {
            m_state.store(LOCKED, MemoryOrder::Relaxed);
            m_holder = g_current;
            g_sleeplocks_held++;
            return {};
        }
        if (m_holder == g_current)
            panic("sleep lock %s: already held by this process (deadlock)", m_name);
        // Contended: the hook may switch process and release it.
        m_guard.unlock();
        Result<void> r = block("sleep lock", m_name, WaitMode::Killable, NO_DEADLINE);
        m_guard.lock();
        if (r.is_error())
            return r;
    }
}

void SleepLock::unlock()
{
    SpinlockGuard guard(m_guard);
    if (m_state.load(MemoryOrder::Relaxed) == FREE || m_holder != g_current)
        panic("sleep lock %s: released by a process that does not hold it", m_name);
    m_state.store(FREE, MemoryOrder::Relaxed);
    m_holder = nullptr;
    g_sleeplocks_held--;
}

bool SleepLock::is_held_by_current() const { return m_state.load(MemoryOrder::Relaxed) != FREE && m_holder == g_current; }

// ---- wait queues ----------------------------------------------------------------

Result<void> WaitQueue::wait(Spinlock& lock, WaitMode mode, u64 deadline)
{
    if (!lock.is_held())
        panic("WaitQueue::wait: the guarding lock %s is not held", lock.name());
    lock.unlock();
    Result<void> r = block("wait on lock", lock.name(), mode, deadline);
    lock.lock();
    return r;
}

int WaitQueue::wake(int, WakeHint)
{
    g_wakeup_calls++;
    return 0; // nobody sleeps on the host
}

Proc* WaitQueue::first_waiter() const { return nullptr; }

// ---- processes (weak: a test may provide its own) --------------------------------

__attribute__((weak)) Proc* current_proc() { return g_current; }
__attribute__((weak)) bool current_killed() { return g_killed; }

// ---- messages and panics ----------------------------------------------------------

void vkprintf(const char* fmt, va_list args)
{
    std::lock_guard<std::mutex> guard(g_output_mutex);
    vformat(output_char, nullptr, fmt, args);
    if (!g_capturing)
        fflush(stdout);
}

void kprintf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

void print_backtrace(u64, u64) { kprintf("backtrace: (not available on the host)\n"); }

bool kernel_panicked() { return false; }

void panic(const char* fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf_k(message, sizeof message, fmt, args);
    va_end(args);
    fprintf(stderr, "panic: %s\n", message);
    fflush(stderr);
    abort();
}

// ---- the test-facing API ------------------------------------------------------------

namespace host {

int spinlocks_held() { return t_held_count; }
int irq_off_depth() { return t_irq_depth; }
Proc* current_process() { return g_current; }
void set_current_process(Proc* p) { g_current = p; }
Proc* fake_process(int n) { return reinterpret_cast<Proc*>(&g_fake_procs[size_t(n) % sizeof g_fake_procs]); }
int sleeplocks_held() { return g_sleeplocks_held; }
void set_killed(bool killed) { g_killed = killed; }
void set_wait_hook(WaitHook hook) { g_wait_hook = std::move(hook); }
u64 wakeup_calls() { return g_wakeup_calls; }
u64 waits_completed() { return g_waits_completed; }

void capture_output(bool on)
{
    std::lock_guard<std::mutex> guard(g_output_mutex);
    g_capturing = on;
    if (on)
        g_captured.clear();
}

std::string captured_output()
{
    std::lock_guard<std::mutex> guard(g_output_mutex);
    return g_captured;
}

ChildOutcome run_in_child(const std::function<int()>& fn, int timeout_ms)
{
    ChildOutcome outcome;
    fflush(stdout);
    fflush(stderr);
    int fds[2];
    if (pipe(fds) != 0) {
        outcome.output = "pipe failed";
        return outcome;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        outcome.output = "fork failed";
        return outcome;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        int code = fn();
        fflush(stdout);
        fflush(stderr);
        _exit(code);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    int status = 0;
    bool reaped = false;
    char buf[4096];
    for (int waited = 0;; waited += 5) {
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof buf)) > 0)
            outcome.output.append(buf, size_t(n));
        if (waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            break;
        }
        if (waited >= timeout_ms)
            break;
        usleep(5000);
    }
    if (!reaped) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        outcome.timed_out = true;
    }
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        outcome.output.append(buf, size_t(n));
    close(fds[0]);
    if (!outcome.timed_out) {
        outcome.exited = WIFEXITED(status);
        outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : 0;
        outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    return outcome;
}

bool panics(const std::function<void()>& fn, std::string* output)
{
    ChildOutcome o = run_in_child([&] {
        fn();
        return 0;
    });
    if (output)
        *output = o.timed_out ? o.output + "\n(timed out: the child hung)" : o.output;
    return !o.timed_out && !(o.exited && o.exit_code == 0);
}

std::vector<u8> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {};
    return std::vector<u8>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string dtb_dir()
{
    if (const char* env = getenv("TANDEM_DTB_DIR"))
        return env;
#ifdef TANDEM_DTB_DIR
    return TANDEM_DTB_DIR;
#else
    return "build/host";
#endif
}

} // namespace host
