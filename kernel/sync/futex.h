/*
 * Futexes: sleeping on a 32-bit word of user memory until another process
 * (or the same one) wakes that word. The user library builds its mutexes,
 * condition variables, semaphores and barriers on these two calls
 * (docs/sync.md).
 *
 * Waiters are keyed by what the word is, not where it appears: in shared
 * memory by (store, byte offset in the store), so processes that map one
 * region at different addresses meet; in private memory by (address
 * space, address), so they meet only within the process.
 */
#pragma once

#include "../lib/result.h"

struct AddressSpace;

// Sleeps if the word at user address addr still holds `expected`, until a
// wake, the deadline or a kill. deadline_ns is an absolute clock_ns() time,
// 0 for none; the wait never ends before it. Ok when woken (or spuriously);
// ERR_AGAIN (value differs; checked first), ERR_TIMEDOUT, ERR_INTR
// (killed), ERR_INVAL (misaligned), ERR_FAULT (not readable user memory).
// Takes the address-space lock, then a bucket lock; call it holding neither.
Result<void> futex_wait(u64 addr, u32 expected, u64 deadline_ns);
// Wakes up to n waiters of the word at addr, oldest first; returns how
// many. ERR_INVAL (misaligned, n < 0), ERR_FAULT (no region there).
Result<int> futex_wake(u64 addr, int n);
// The same, for an address in a given address space (used at exit).
Result<int> futex_wake_in(AddressSpace* as, u64 addr, int n);
// Releases the robust mutexes process p still owns (robust.cc): each is
// marked owner-died and one of its sleepers woken. Called while p's address
// space still exists (exit, exec); forgets the list.
struct Proc;
void robust_list_release(Proc* p);
// FUTEX_WAKE_HANDOFF (uapi/futex.h): the caller owns the mutex word at
// addr; make the oldest live sleeper on it the owner and wake it. 1 if
// handed over, 0 if nobody sleeps there (word unchanged); ERR_INVAL if
// the caller does not own the word; ERR_FAULT if it may not write it.
Result<int> futex_handoff(u64 addr);
