/*
 * The kernel's lock order. A thread may take a spin lock only if its rank
 * is higher than the rank of every spin lock it already holds; Spinlock
 * checks this on every acquisition and panics on a violation. Locks of rank
 * None are leaves that are never held while taking another lock.
 *
 * Sleep locks are always taken before any spin lock (a thread must not
 * sleep holding a spin lock), in the order listed in their own files.
 *
 * Order (outermost first):
 *   ShmTable      the shared-region name table
 *   Region        one shared region's state (views, lock owner)
 *   AddressSpace  a process's region list and page table
 *   Store         a memory store's page cache
 *   Futex         a futex hash bucket
 *   ProcTable     process table (parent/child links, pid allocation)
 *   Proc          one process's scheduling state
 *   RunQueue      the scheduler's run queue
 *   Timer         the timed-wait list
 *   PageAlloc     the physical page allocator
 *   Console       console output
 */
#pragma once

#include "../lib/types.h"

enum class LockRank : u8 {
    None = 0,
    ShmTable = 10,
    Region = 20,
    FileTable = 25,
    AddressSpace = 30,
    Store = 40,
    Pipe = 45,
    Futex = 50,
    ProcTable = 60,
    Proc = 70,
    WaitQueue = 75,
    RunQueue = 80,
    Timer = 85,
    Device = 88,
    Kmalloc = 89,
    PageAlloc = 90,
    Console = 100,
};
