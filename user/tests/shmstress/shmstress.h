/*
 * shmstress: what the supervisor (../shmstress.cc) and the workers
 * (worker.cc, verify.cc) share: the control block, the layout of the
 * regions they fight over, and the worker's entry point.
 *
 * Layout of every region (both interfaces, any size):
 *   page 0      a Header: magic, generation, which lock guards the data
 *               (the region lock of the original interface, or a robust
 *               mutex kept in the header), and counters;
 *   page 1..    one Slot per page: who wrote it, when, for which region
 *               incarnation and page, and a payload derived from all that.
 * Writers fill a slot under the region's lock: state WRITING first, then
 * the payload, then VALID. A slot found WRITING under the lock was torn by
 * a writer that died holding the lock; it is legitimate only if that
 * writer is really gone, which is checked. Private views write PRIVATE
 * slots that must never show in the region.
 */
#pragma once

#include "../common/stress.h"

namespace shmstress {

using stress::PAGE;

constexpr int MAX_WORKERS = 32;
constexpr int NAME_COUNT = 6;       // names "stress.0" .. "stress.5"
constexpr uint32_t MAX_REGION_PAGES = 16;

constexpr uint32_t MAGIC_READY = 0x53545253;  // "STRS"
constexpr uint32_t MAGIC_BUSY = 0x42555359;   // being initialised

enum LockKind : uint32_t { LOCK_REGION = 0, LOCK_MUTEX = 1 };

struct Header {
    uint32_t magic;
    uint32_t lock_kind;
    uint64_t gen;          // unique per region incarnation
    mutex_t mutex;         // LOCK_MUTEX: guards every slot
    uint64_t writes;       // under the lock
    uint64_t repairs;      // torn slots cleared, under the lock
};

enum SlotState : uint32_t { SLOT_EMPTY = 0, SLOT_WRITING = 1, SLOT_VALID = 2, SLOT_PRIVATE = 3 };

constexpr size_t PAYLOAD_WORDS = (PAGE - 40) / 8;

struct Slot {
    uint32_t state;
    uint32_t pid;
    uint64_t seq;
    uint64_t gen;
    uint64_t page; // index in the region
    uint64_t sum;  // over the payload
    uint64_t payload[PAYLOAD_WORDS];
};
static_assert(sizeof(Slot) == PAGE, "a slot is a page");

// Counters in the control block, one per operation or event.
enum Counter {
    C_OPS,
    C_CREATE,
    C_OPEN,
    C_MAP,
    C_UNMAP,
    C_CLOSE,
    C_WRITE,
    C_PRIVATE_WRITE,
    C_VERIFY,
    C_PAGES_VERIFIED,
    C_DESTROY,
    C_UNLINK,
    C_TRUNCATE,
    C_FORK,
    C_LOCKS,
    C_ABANDONED,     // region lock taken from a dead owner
    C_OWNERDEAD,     // robust mutex taken from a dead owner
    C_REPAIRED,      // torn slots cleared
    C_SKIPPED,       // operations that found nothing to do
    C_EXITS,         // workers that left on purpose
    C_KILLS,         // workers killed by the killer
    C_DIED_HOLDING,  // workers that exited on purpose holding a lock
    C_REFUSED,       // expected errors (EXIST, NOTEXIST, BUSY, NOMEM, ...)
    C_COUNT
};

struct WorkerSlot {
    int32_t pid;
    uint32_t incarnation;
    int32_t kill_pid;     // the pid the killer last killed in this slot
    uint32_t leaving;     // it is exiting on purpose
    uint64_t ops;         // heartbeat
    uint32_t last_op;
    uint32_t pad;
};

// One page (or a few) of MAP_SHARED anonymous memory, made before anything
// is measured, shared by every process of the run.
struct Control {
    uint64_t seed;
    uint64_t deadline_ms;    // uptime() when workers stop
    uint32_t workers;
    uint32_t kill_ms;        // mean time between kills (0: no killing)
    uint32_t verbose;
    uint32_t stop;           // set when the run must end now
    uint64_t next_gen;
    uint64_t counters[C_COUNT];
    uint32_t integrity_errors;
    uint32_t unexpected_errors;
    uint32_t crashes;        // workers killed by the kernel (a fault), not by us
    uint32_t hung;           // the watchdog fired
    uint32_t done;           // the run is over (the watchdog may go)
    char first_integrity[200];
    char first_unexpected[200];
    char first_crash[200];
    WorkerSlot slots[MAX_WORKERS];
};

extern Control* g_ctl;

inline void count(Counter c, uint64_t n = 1) { stress::atomic_add(&g_ctl->counters[c], n); }

// Records an integrity failure (data that cannot be right) or a system
// call result that the interface does not allow; the first of each kind
// is kept for the summary, every one is printed.
void integrity_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void unexpected_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// "stress.<i>"
void region_name(int i, char* buf, size_t size);

// Runs worker `index`, incarnation `incarnation`, until the deadline or
// until it decides to leave; never returns.
[[noreturn]] void worker_main(int index, uint32_t incarnation);

// ---- patterns (verify.cc) -----------------------------------------------------

// The payload word j of a slot.
uint64_t pattern_word(uint32_t pid, uint64_t seq, uint64_t page, size_t j);
// Fills a slot (state last, so a torn write stays WRITING).
void write_slot(Slot* s, uint32_t state, uint32_t pid, uint64_t seq, uint64_t gen, uint64_t page);
// Checks a slot's payload against its header fields.
bool slot_payload_ok(const Slot* s, size_t* bad_word);
// True once pid is a zombie or gone, waiting up to 3 s: a process that
// died holding a lock has released it before it has finished exiting.
bool writer_gone(int pid);

} // namespace shmstress
