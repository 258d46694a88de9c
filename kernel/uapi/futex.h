/*
 * Futexes and robust mutex lists, shared by the kernel and the user
 * library's mutexes.
 *
 * A process-shared mutex is a 32-bit word: 0 when free, otherwise the
 * owner's pid in the low bits, with FUTEX_WAITERS set when someone may be
 * sleeping on it and FUTEX_OWNER_DIED set by the kernel when the owner
 * exited holding it.
 *
 * Each process may register one robust list (set_robust_list): a circular
 * list, in user memory, of the robust mutexes it holds. At exit the kernel
 * walks it (at most ROBUST_LIST_LIMIT entries, with checked access) and,
 * for every mutex still owned by the exiting process, sets
 * FUTEX_OWNER_DIED, clears the owner and wakes one waiter.
 */
#ifndef TANDEM_UAPI_FUTEX_H
#define TANDEM_UAPI_FUTEX_H

#include <stdint.h>

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

#define ROBUST_LIST_LIMIT 2048

/* One link, embedded in each robust mutex. */
struct robust_entry {
    uint64_t next; /* user address of the next entry; the head's address ends the list */
};

/* The list head a process registers. */
struct robust_list_head {
    struct robust_entry list;  /* first entry (or the head itself when empty) */
    int64_t futex_offset;      /* the mutex word is at entry address + futex_offset */
    uint64_t pending;          /* entry being locked or unlocked right now, or 0 */
};

#endif
