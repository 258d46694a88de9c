/*
 * The address-space invariant checker (boot argument `vmcheck`, off by
 * default; the fuzz and stress runs of `make test` turn it on).
 *
 * After every system call and every page fault of a process it checks the
 * process's address space (vm_check.cc lists what) and panics with a
 * report naming the event, the address and the region at the first
 * violation, so that a bookkeeping bug shows where it happens instead of
 * as a leak or a wrong byte much later.
 */
#pragma once

#include "../lib/types.h"

struct AddressSpace;
struct MemRegion;

struct VmViolation {
    const char* what = nullptr;        // the rule broken
    vaddr_t va = 0;                    // where
    const MemRegion* region = nullptr; // the region concerned, if any
    u64 detail = 0;                    // a number that explains (a count, a page, rights)
};

// Checks `as`, whose lock the caller holds; false with *violation filled in
// at the first broken rule.
bool vm_check_space(AddressSpace* as, VmViolation* violation);

// Turned on at boot by the `vmcheck` argument.
void vm_check_init(bool enabled);
inline bool g_vm_check_enabled = false;
inline bool vm_check_enabled() { return __builtin_expect(g_vm_check_enabled, false); }

// Checks the current process's space after `event` (a system call's name,
// or "page fault") at `address`; panics on a violation.
void vm_check_current(const char* event, u64 address);
