/*
 * The scheduler: one run queue shared by every hart, round-robin with a
 * time slice of one timer tick.
 *
 * A process gives up its hart through sched(), always holding its own
 * Proc::lock and nothing else; the hart's scheduler loop then releases
 * that lock. Whoever makes a process runnable must hold its lock, which
 * cannot happen until it has fully switched out (xv6's protocol). An idle
 * hart waits in wfi; enqueuing work sends it an IPI.
 */
#pragma once

#include "../lib/types.h"

struct Proc;

// Called on every timer tick, interrupts off.
void sched_timer_tick();
// Called when another hart sent this one an IPI.
void sched_ipi();
// This hart's scheduler loop; never returns.
[[noreturn]] void scheduler_loop();

// Caller holds p->lock; p is not running. Puts p on the run queue; an idle
// hart is woken when this hart leaves its critical section.
enum class Kick { Yes, No };
void make_runnable(Proc* p, Kick kick = Kick::Yes);
// Wakes one idle hart (if any) for queued work.
void kick_idle_hart();
// Gives up the hart; the caller holds p->lock and has set p->state.
void sched();
// Lets other runnable processes run first.
void yield();
// True if the current time slice is over.
bool time_slice_expired();

// Timed waits: the timer list wakes p at its wake_deadline. Caller holds p->lock.
void timer_list_add(Proc* p);
void timer_list_remove(Proc* p);
