/*
 * Futexes: sleeping on a 32-bit word of user memory until another process
 * (or the same one) wakes that word.
 *
 * Waiters are keyed by what the word is, not where it appears: in shared
 * memory by (store, byte offset in the store), so processes that map one
 * region at different addresses meet; in private memory by (address
 * space, address).
 */
#pragma once

#include "../lib/result.h"

struct AddressSpace;

// Sleeps if the word at user address addr still holds `expected`.
// deadline_ns is an absolute clock_ns() time, 0 for none.
// ERR_AGAIN (value differs), ERR_TIMEDOUT, ERR_INTR (killed), ERR_INVAL
// (misaligned), ERR_FAULT (not mapped readable).
Result<void> futex_wait(u64 addr, u32 expected, u64 deadline_ns);
// Wakes up to n waiters of the word at addr; returns how many.
Result<int> futex_wake(u64 addr, int n);
// The same, for an address in a given address space (used at exit).
Result<int> futex_wake_in(AddressSpace* as, u64 addr, int n);
