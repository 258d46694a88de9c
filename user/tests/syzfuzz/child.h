/*
 * syzfuzz: the state of a fuzzing child and the pools its arguments are
 * drawn from (args.cc), shared with the call loop (child.cc).
 *
 * The arenas sit at fixed addresses in the mmap area, 1 MiB apart, with
 * unmapped gaps between them: an oversized buffer runs into a hole, never
 * into another arena or the ring.
 */
#pragma once

#include "fuzz.h"

extern "C" char _end[]; // end of bss: the heap starts at the next page

namespace syzfuzz {

using stress::Rng;

constexpr uintptr_t ARENA = 0x2000000000;
constexpr uintptr_t BUF = ARENA;                     // 4 pages, read-write
constexpr size_t BUF_SIZE = 4 * PAGE;
constexpr uintptr_t RO = ARENA + 0x100000;           // 1 page, read-only
constexpr uintptr_t NONE = ARENA + 0x200000;         // 1 page, PROT_NONE (touched first)
constexpr uintptr_t EDGE = ARENA + 0x300000;         // 1 page, an unmapped page after it
constexpr uintptr_t SHARED = ARENA + 0x400000;       // 1 page, MAP_SHARED (futex words)
constexpr uintptr_t NAMES = ARENA + 0x500000;        // 2 pages: strings of the current call
constexpr uintptr_t ARGV = ARENA + 0x600000;         // 1 page: argv arrays, robust lists

constexpr int MAX_FDS = 16;
constexpr int MAX_MAPS = 16;

struct Child {
    int slot;
    int pid;
    int parent;
    bool grandchild;
    bool trace;
    int trace_fd;
    Rng rng;
    Ring* ring;             // nullptr when alone or a grandchild
    uint64_t seq;
    int fds[MAX_FDS];       // descriptors calls returned
    uintptr_t maps[MAX_MAPS];
    size_t map_len[MAX_MAPS];
    size_t name_used;       // bytes of NAMES used by the current call
    bool hostile;           // the current call got a bad argument
    uint64_t arg_kind[6];   // what each argument of the current call is (for the oracle)
    // The supervisor and the nannies, copied from the control block at the
    // start: a fuzzed call may unmap or overwrite the control block, and
    // the child must still know whom never to kill.
    int32_t supervisor;
    int32_t nannies[MAX_CHILDREN];
};

// The one child of this process (a grandchild reuses it after fork).
extern Child c;

// What the oracle knows of an argument: whether it lies outside user space.
enum Bad : uint64_t { GOOD = 0, BAD_KERNEL = 1 };

enum class PathUse { ReadOnly, Destructive };

void fill_random(void* p, size_t n);
void setup_arenas();

// ---- argument pools (args.cc); each sets c.hostile when it picks a bad value
uint64_t kernel_address();
// Any address a call might be given as a buffer; *bad: outside user space.
uint64_t pointer(bool* bad = nullptr);
uint64_t length();
uint64_t count_value();
uint64_t fd_value();
uint64_t pid_value();
// A pid for kill: never pid 1, the supervisor or a nanny.
uint64_t kill_pid();
// A path; destructive uses never get a real file's name.
uint64_t path_value(PathUse use);
uint64_t shm_name();
uint64_t copy_string(const char* text);
uint64_t open_flags();
uint64_t prot_value();
uint64_t mmap_flags();
// An address for mmap hints, munmap, mprotect, msync, destroyMapping.
uint64_t address_value();
// The first page of the heap, and an address in or around the heap.
uint64_t heap_start();
uint64_t heap_address();
// Rewrites (most of the time) a range that would unmap or re-protect what
// the child itself runs on: text, stack, arenas, the ring.
void spare_vital(uint64_t* addr, uint64_t len);
uint64_t offset_value();
uint64_t shm_size();
uint64_t shm_open_flags();
uint64_t sleep_ms();
uint64_t futex_address(bool* readable);
uint64_t deadline_value();
uint64_t wake_count();
uint64_t argv_value();
uint64_t robust_value();
extern const char* const k_dictionary[8];

} // namespace syzfuzz
