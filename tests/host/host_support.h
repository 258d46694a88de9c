/*
 * What host unit tests can ask of the host stand-ins in fakes.cc.
 *
 * The portable kernel sources are linked against fakes for the parts of the
 * kernel they need but that only make sense on the machine (spin locks,
 * sleep locks, wait queues, kprintf, panic, the direct map). The fakes keep
 * count of what they are asked to do, so a test can check that code it
 * drove released every lock it took, and they turn situations that would
 * hang a single-threaded test (sleeping on a lock nobody will release)
 * into a panic with a message instead.
 *
 * Include <doctest/doctest.h> before any kernel header: kernel/lib/types.h
 * defines macros (likely, unlikely) that must not leak into the standard
 * headers doctest pulls in.
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernel/lib/types.h"

struct Proc;

namespace host {

// ---- spin locks and interrupt nesting ---------------------------------------
// Spin locks the calling thread holds right now.
int spinlocks_held();
// push_irq_off() calls minus pop_irq_off() calls on this thread.
int irq_off_depth();

// ---- harts ----------------------------------------------------------------------
// The hart this_cpu() names (0 unless a test plays another; unit tests only).
void set_hart(u32 id);

// ---- processes and sleep locks ------------------------------------------------
// The "current process" sleep locks record as their holder. By default a
// fixed dummy; a test can switch between several to play different processes.
Proc* current_process();
void set_current_process(Proc* p);
// A fresh, distinct Proc pointer for set_current_process (never dereferenced).
Proc* fake_process(int n);
// Sleep locks held, by any fake process.
int sleeplocks_held();
// Makes killable waits of the current process end with ERR_INTR.
void set_killed(bool killed);

// ---- wait queues ----------------------------------------------------------------
// A single-threaded test has nobody to wake a sleeper. A test that wants a
// wait to succeed installs a hook: a wait (or a contended sleep lock) then
// releases its lock, calls the hook (which should make the awaited condition
// true, for example complete an I/O or switch the current process and unlock)
// and returns as if woken. Without a hook a wait with a deadline times out at
// once, a killable wait of a killed process returns ERR_INTR, and anything
// else panics, because in the kernel it would sleep forever.
using WaitHook = std::function<void()>;
void set_wait_hook(WaitHook hook);
// Calls of WaitQueue::wake() and the number of waits that returned.
u64 wakeup_calls();
u64 waits_completed();

// ---- output ------------------------------------------------------------------
// While capturing, kprintf output goes to a buffer instead of stdout.
void capture_output(bool on);
std::string captured_output();

// How a function run in a forked child ended (see run_in_child).
struct ChildOutcome {
    bool timed_out = false; // killed after the time limit (a hang)
    bool exited = false;    // returned or called exit; exit_code is valid
    int exit_code = 0;
    int signal = 0;         // the signal that ended it, if any
    std::string output;     // everything it wrote to stdout and stderr
};

// Runs fn in a forked child, so a test can survive code that aborts
// (panic(), a failed sanitizer check) or never returns. The child exits
// with fn's return value; after timeout_ms it is killed.
ChildOutcome run_in_child(const std::function<int()>& fn, int timeout_ms = 20000);

// Runs fn in a forked child and reports whether it panicked (kernel panic()
// or any abort, such as a failed sanitizer check); a child that hangs did
// not panic. The child's output, which holds the panic message, is stored
// in *output if given.
bool panics(const std::function<void()>& fn, std::string* output = nullptr);

// ---- files ----------------------------------------------------------------------
// Reads a whole file; an empty vector if it cannot be read.
std::vector<u8> read_file(const std::string& path);
// Where the build put the device trees the tests read (TANDEM_DTB_DIR).
std::string dtb_dir();

} // namespace host
