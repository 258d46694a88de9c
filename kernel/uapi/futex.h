/*
 * Futexes and robust mutex lists: what the kernel and the user library's
 * mutexes (user/include/sync.h) must agree on. docs/sync.md explains the
 * protocol in full.
 *
 * A process-shared mutex is a 32-bit word (the futex word):
 *
 *   0                           free
 *   pid                         held by pid, nobody waiting
 *   pid | FUTEX_WAITERS         held, and someone may sleep in futex_wait
 *   pid | WAITERS | HANDOFF     held, and a sleeper has waited too long:
 *                               the unlock hands the mutex straight to the
 *                               oldest sleeper (FUTEX_WAKE_HANDOFF)
 *                               instead of freeing it
 *   FUTEX_OWNER_DIED [| W]      free, but its owner died holding it: the
 *                               next owner is told (ERR_OWNERDEAD)
 *   pid | FUTEX_OWNER_DIED [|W] held by pid, which took it from a dead
 *                               owner and has not called mutex_consistent
 *   FUTEX_NOTRECOVERABLE        given up on: nobody can ever lock it again
 *
 * The kernel touches the word in two places only: at exit, through the
 * robust list below, and in FUTEX_WAKE_HANDOFF. The rest of the protocol
 * is the library's.
 *
 * Each process may register one robust list (set_robust_list): a circular
 * singly-linked list, in user memory, of the robust mutexes it holds,
 * through a link field embedded in each mutex. At exit the kernel walks it
 * (at most ROBUST_LIST_LIMIT entries, with checked user access, stopping at
 * the first unreadable link) and, for every mutex whose owner field is the
 * exiting pid, replaces the word by FUTEX_OWNER_DIED (keeping
 * FUTEX_WAITERS) and wakes one waiter. `pending` names the one mutex the
 * process was in the middle of locking or unlocking, which may or may not
 * be on the list yet; the kernel treats it the same way.
 */
#ifndef TANDEM_UAPI_FUTEX_H
#define TANDEM_UAPI_FUTEX_H

#include <stdint.h>

#define FUTEX_WAITERS 0x80000000u    /* someone may be asleep on the word */
#define FUTEX_OWNER_DIED 0x40000000u /* the previous owner died holding it */
#define FUTEX_HANDOFF 0x20000000u    /* a sleeper is starving: unlock hands over */
#define FUTEX_TID_MASK 0x1fffffffu   /* the owner's pid, 0 when free */

/* The owner field of a mutex that was given up on. No process ever has
   this pid, so nobody owns it, the kernel never touches it, and the fast
   path (compare-and-swap from 0) always fails on it. */
#define FUTEX_NOTRECOVERABLE FUTEX_TID_MASK

/*
 * futex_wake(addr, FUTEX_WAKE_HANDOFF): the caller owns the mutex whose
 * word is at addr (its pid is the owner field) and gives it straight to
 * the oldest process sleeping on that word: the kernel writes that
 * process's pid into the owner field (keeping FUTEX_WAITERS and
 * FUTEX_HANDOFF if others still sleep there, clearing both if not) and
 * wakes it. Nobody can barge in between, which is what makes the hand-over
 * fair. Returns 1, or 0 if nobody eligible sleeps there (the word is then
 * unchanged and the caller still owns the mutex); ERR_INVAL if the caller
 * does not own the word or FUTEX_OWNER_DIED is set in it; ERR_FAULT if the
 * caller may not write the word.
 */
#define FUTEX_WAKE_HANDOFF (-0x7fffffff - 1)

/* How many entries the kernel walks at most, so a cycle cannot hang it. */
#define ROBUST_LIST_LIMIT 2048

/* One link, embedded in each robust mutex. */
struct robust_entry {
    uint64_t next; /* user address of the next entry; the head's own address ends the list */
};

/* The list head a process registers. */
struct robust_list_head {
    struct robust_entry list;  /* first entry (or the head itself when empty) */
    int64_t futex_offset;      /* the mutex word is at entry address + futex_offset */
    uint64_t pending;          /* entry being locked or unlocked right now, or 0 */
};

#endif
