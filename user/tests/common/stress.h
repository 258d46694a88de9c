/*
 * What the stress, fuzz and abuse programs share (shmstress, syzfuzz,
 * killtests, exhausttests, securitytests): a seedable random generator,
 * seeds from the command line, shared anonymous pages for bookkeeping
 * between processes, memory snapshots with a settle for asynchronous
 * reaping, and small helpers around processes.
 *
 * Header only: each program is one binary (user/user.mk), and this
 * directory has no .cc so the build does not take it for a program.
 *
 * Reproducibility: everything random in these programs comes from an Rng
 * seeded from the run's seed (printed first thing) and a stream number,
 * never from the clock or a pid, so a seed replays the same choices; the
 * interleaving of processes on several harts is, of course, not replayed.
 */
#pragma once

#include "shm.h"
#include "sync.h"
#include "ulib.h"

namespace stress {

constexpr size_t PAGE = 4096;

// Addresses that no system call may accept as a buffer (riscv/memlayout.h).
constexpr uintptr_t KERNEL_DIRECT_MAP = 0xffffffc000000000; // the direct map of RAM
constexpr uintptr_t KERNEL_RAM = 0xffffffc080200000;        // the kernel's own pages (RAM at 0x80000000)
constexpr uintptr_t KERNEL_IMAGE = 0xffffffff80200000;      // the kernel image's mapping
constexpr uintptr_t USER_END = 0x4000000000;                // first address above user space
constexpr uintptr_t UNMAPPED = 0x800000000;                 // user half, never mapped
constexpr uintptr_t NONCANONICAL = 0x0000800000000000;

// splitmix64: small, fast, and every seed (0 included) gives a good stream.
struct Rng {
    uint64_t state;

    explicit Rng(uint64_t seed = 0) : state(seed) {}
    // A generator for stream `n` of a run seeded with `seed`: workers and
    // children get streams of their own, so each replays independently.
    static Rng stream(uint64_t seed, uint64_t n)
    {
        Rng r(seed ^ (n * 0xD1342543DE82EF95ull));
        r.next();
        return r;
    }
    uint64_t next()
    {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound); 0 for bound 0.
    uint64_t below(uint64_t bound) { return bound ? next() % bound : 0; }
    // Uniform in [lo, hi].
    uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
    // True with probability percent/100.
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T, size_t N> const T& pick(const T (&items)[N]) { return items[below(N)]; }
};

// Mixes values into a 64-bit hash (for patterns and checksums).
inline uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 33);
}

// The command lines of these programs: single-letter options, each a flag
// ("-v") or followed by a value ("-t 30"). Calls flag(letter) for a letter
// in `flags`, value(letter, text) for any other, which returns false for
// a letter it does not know. False for a malformed or unknown option: the
// caller prints its usage.
template <typename Flag, typename Value>
inline bool parse_options(int argc, char** argv, const char* flags, Flag flag, Value value)
{
    for (int i = 1; i < argc; i++) {
        const char* a = argv[i];
        if (a[0] != '-' || !a[1] || a[2])
            return false;
        if (strchr(flags, a[1])) {
            flag(a[1]);
            continue;
        }
        if (i + 1 >= argc || !value(a[1], argv[i + 1]))
            return false;
        i++;
    }
    return true;
}

// A seed from the command line ("-s 1234", decimal or 0x...), or a fresh
// one from the clock when none was given.
inline uint64_t parse_seed(const char* text) { return strtoul(text, nullptr, 0); }
inline uint64_t fresh_seed()
{
    Rng r(clock_ns());
    return r.next() & 0xffffffffffull; // short enough to type back in
}

// MAP_SHARED | MAP_ANONYMOUS memory: bookkeeping that every process of a
// run sees (and that is not a named region, so it never shows in the
// region counts). Returns nullptr on failure.
inline void* shared_pages(size_t bytes)
{
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return mmap_failed(p) ? nullptr : p;
}

// Sequentially consistent atomics on words shared between processes
// (plain or volatile; the value's type follows the word's).
template <typename T> inline T atomic_load(const volatile T* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
template <typename T, typename V> inline void atomic_store(volatile T* p, V v)
{
    __atomic_store_n(p, T(v), __ATOMIC_SEQ_CST);
}
template <typename T, typename V> inline T atomic_add(volatile T* p, V v)
{
    return __atomic_fetch_add(p, T(v), __ATOMIC_SEQ_CST);
}
template <typename T, typename V> inline bool atomic_cas(volatile T* p, V expected, V desired)
{
    T e = T(expected);
    return __atomic_compare_exchange_n(p, &e, T(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

// ---- memory and object counts -----------------------------------------------

struct Counts {
    uint64_t available; // free + file cache pages: what a leak lowers
    uint64_t regions;   // live named shared regions
    uint64_t quota;     // bytes charged to the shared-memory quota
    uint64_t processes;
    uint64_t self_resident; // pages the measuring process itself has mapped
    struct meminfo info;    // the whole picture, for describing a leak
};

inline Counts counts()
{
    struct meminfo m;
    memset(&m, 0, sizeof m);
    meminfo(&m);
    struct proc_stats self;
    memset(&self, 0, sizeof self);
    proc_stats(0, &self);
    return Counts{m.free_pages + m.filecache_pages, m.shm_regions, m.shm_quota_used, m.processes,
                  self.resident_pages, m};
}

// Pages available now, not counting those the measuring process itself
// paged in since `before` (its code and data on the way to the verdict
// are not a leak of the processes it watched).
inline uint64_t available_for(const Counts& before, const Counts& now)
{
    return now.available + (now.self_resident - before.self_resident);
}

// Waits (up to timeout_ms) until every count is back to `before`: exited
// processes are reaped, and their pages freed, a little after wait()
// returns. Returns the last counts seen.
inline Counts settle(const Counts& before, unsigned timeout_ms = 5000)
{
    Counts now = counts();
    for (unsigned waited = 0; waited < timeout_ms; waited += 10) {
        if (available_for(before, now) >= before.available && now.regions == before.regions &&
            now.quota == before.quota && now.processes <= before.processes)
            break;
        sleep(10);
        now = counts();
    }
    return now;
}

// Waits (up to timeout_ms) until the shared-region count and quota are
// back to `before`, for checks made from inside a process whose own
// memory has grown meanwhile. Returns the last counts seen.
inline Counts settle_regions(const Counts& before, unsigned timeout_ms = 5000)
{
    Counts now = counts();
    for (unsigned waited = 0; waited < timeout_ms; waited += 10) {
        if (now.regions == before.regions && now.quota == before.quota)
            break;
        sleep(10);
        now = counts();
    }
    return now;
}

// Describes how `now` differs from `before` ("" if it does not).
inline void describe_counts(char* buf, size_t size, const Counts& before, const Counts& now)
{
    const struct meminfo& a = before.info;
    const struct meminfo& b = now.info;
    snprintf(buf, size,
             "available pages %lu -> %lu (%ld), regions %lu -> %lu, quota %lu -> %lu, processes %lu -> %lu; pages "
             "used by kernel %+ld, slab %+ld, page tables %+ld, user %+ld, shared %+ld",
             (unsigned long)before.available, (unsigned long)available_for(before, now),
             long(available_for(before, now)) - long(before.available), (unsigned long)before.regions,
             (unsigned long)now.regions, (unsigned long)before.quota, (unsigned long)now.quota,
             (unsigned long)before.processes, (unsigned long)now.processes, long(b.kernel_pages - a.kernel_pages),
             long(b.slab_pages - a.slab_pages), long(b.pagetable_pages - a.pagetable_pages),
             long(b.user_pages - a.user_pages), long(b.shared_pages - a.shared_pages));
}

inline bool counts_back(const Counts& before, const Counts& now)
{
    return available_for(before, now) >= before.available && now.regions == before.regions &&
           now.quota == before.quota && now.processes <= before.processes;
}

// Touches `bytes` of stack, so that a long-lived supervisor's lazily grown
// stack is not mistaken for a leak of the processes it watches.
__attribute__((noinline)) inline void prefault_stack(size_t bytes = 64 * 1024)
{
    volatile char* pad = static_cast<volatile char*>(__builtin_alloca(bytes));
    for (size_t i = 0; i < bytes; i += 512)
        pad[i] = 0;
}

// waitpid that retries until the child is really gone; returns its status
// or a negative error.
inline int reap(int pid)
{
    int status = 0;
    int r = waitpid(pid, &status);
    return r < 0 ? r : status;
}

// Kills pid and reaps it; returns its wait status or a negative error.
inline int kill_and_reap(int pid)
{
    kill(pid);
    return reap(pid);
}

// The buffer process_alive reads the process table into. A program that
// will call it with memory exhausted touches it first (prefault_process_table),
// or the page fault on it could be the one that finds no memory.
constexpr int PROC_TABLE_SIZE = 128;
inline struct procinfo* process_table()
{
    static struct procinfo table[PROC_TABLE_SIZE];
    return table;
}
inline void prefault_process_table() { memset(process_table(), 0, sizeof(struct procinfo) * PROC_TABLE_SIZE); }

// True if pid exists and has not exited yet (a zombie has).
inline bool process_alive(int pid)
{
    struct procinfo* table = process_table();
    int n = procinfo(table, PROC_TABLE_SIZE);
    for (int i = 0; i < n; i++)
        if (table[i].pid == pid)
            return table[i].state != PSTATE_ZOMBIE;
    return false;
}

// Milliseconds since boot.
inline uint64_t now_ms() { return uptime(); }

} // namespace stress
