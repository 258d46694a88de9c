/*
 * syzfuzz: what the supervisor (../syzfuzz.cc) and the fuzzing children
 * (child.cc, args.cc) share.
 *
 * Each child slot has a Ring in shared memory: the child writes every call
 * into it (number, arguments, and the result once the call returns) before
 * and after making it, so the supervisor can tell a child that is stuck in
 * a call from one that works, and can print the last RING_SIZE calls of a
 * child that hung or died. Grandchildren (forked by a child's own fork
 * calls) never write the ring; their pids are listed in it so the
 * supervisor can kill them at the end.
 */
#pragma once

#include "../common/stress.h"

namespace syzfuzz {

using stress::PAGE;

constexpr int MAX_CHILDREN = 16;
constexpr int RING_SIZE = 48;
constexpr int MAX_GRANDCHILDREN = 8;
constexpr int ERROR_KINDS = 40; // -ERR_LAST + a few

enum RecordState : uint32_t { REC_EMPTY = 0, REC_IN_CALL = 1, REC_DONE = 2 };

struct CallRecord {
    uint64_t seq;
    uint64_t nr;
    uint64_t args[6];
    int64_t result;
    uint32_t state;
    uint32_t hostile; // some argument was chosen to be bad
};

struct Ring {
    int32_t pid;           // the current child, 0 between children
    uint32_t generation;   // children started in this slot so far
    uint64_t child_seed;   // replays this child alone: syzfuzz -r <seed>
    uint64_t calls;        // calls completed (the heartbeat)
    uint32_t in_call;      // 1 while a call is in progress
    uint32_t killed_by_watchdog;
    int32_t grandchildren[MAX_GRANDCHILDREN];
    // Totals of this slot over all its children.
    uint64_t total_calls;
    uint64_t hostile_calls;
    uint64_t errors[ERROR_KINDS]; // by -code
    uint64_t successes;
    uint64_t forks, execs;
    // A system call that accepted a pointer into the kernel (or past the
    // end of user space) as a buffer it read or wrote.
    uint32_t violations;
    CallRecord first_violation;
    CallRecord rec[RING_SIZE];
};

struct Control {
    uint64_t seed;
    uint64_t deadline_ms;
    uint32_t children;
    uint32_t calls_per_child;
    uint32_t trace;      // every child prints each call (slow; for reproducing a panic)
    uint32_t verbose;    // report watchdog kills and deaths with their last calls
    uint32_t stop;
    uint32_t go;         // every nanny's pid is known: start fuzzing
    int32_t supervisor;  // pids no fuzzing child may kill
    int32_t nannies[MAX_CHILDREN];
    // Outcomes, counted by the nannies.
    uint64_t started, finished, killed_by_watchdog, died, exited_early, execed;
    Ring rings[MAX_CHILDREN];
};

extern Control* g_ctl;

// The name of system call nr ("?" if it has none).
const char* call_name(uint64_t nr);
// Prints the last `last` calls of a ring, oldest first.
void print_ring(int slot, const Ring& ring, int last);
// Prints one record.
void print_record(const char* prefix, const CallRecord& rec);

// Runs fuzzing child `slot` with the given seed (in the slot's ring, or
// alone with tracing when slot < 0); never returns.
[[noreturn]] void child_main(int slot, uint64_t child_seed, uint32_t calls);

} // namespace syzfuzz
