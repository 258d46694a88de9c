/*
 * The kernel's lock order, checked at run time.
 *
 * Sleep locks come first and may be held while taking spin locks; a spin
 * lock is never held while sleeping or while touching user memory. Among
 * sleep locks the order is:
 *   a pipe's read lock  ->
 *   AddressSpace::lock  ->  a file-system operation (begin_op)  ->
 *   inode locks (a directory before its entries)  ->  buffer locks.
 *
 * Spin locks carry a rank. A hart may take a spin lock only if its rank is
 * higher than every spin lock it already holds; Spinlock::lock() checks
 * this and panics on a violation. Rank None means unchecked (a leaf lock
 * that is never held while taking another).
 *
 * Spin locks, outermost first:
 *   ShmTable     a part of the shared-region name table (by the name's hash):
 *                its names, its regions' last references
 *   ShmCreators  the links between processes and the regions they created
 *   RegionState  one shared region's size, views, handles and mappings in
 *                progress (the calls of one process on its own region take
 *                this, not the table lock every process shares)
 *   Region       one shared region's lock state (lockSharedRegion)
 *   Store        a page cache store's misses and resizes
 *   FileCaches   the list of every file's page cache (reclaim walks it)
 *   FileStore    a mapped file's page cache: its index, dirty bits, size and
 *                view list (file_store.h); taken under the AddressSpace and
 *                inode sleep locks, never with another store's lock
 *   Pipe         a pipe's buffer
 *   Futex        a futex hash bucket
 *   ProcTable    pids, parent links, exit status
 *   SleepGuard   the spin lock inside a SleepLock; every SleepLock
 *                acquisition is checked at this rank, also the
 *                uncontended ones that do not take it (sleeplock.h)
 *   Log, Bcache, InodeCache: file-system state
 *   Console      console input
 *   Disk         a disk's request queue (virtio-blk)
 *   Proc         one process's scheduling state
 *   RunQueue     the run queue
 *   Timer        the timed-wait list
 *   Kmalloc      a kmalloc size class
 *   HartPages    one hart's cache of free pages
 *   PageAlloc    the page allocator's buddy lists
 *   Print        kernel message output
 *   ConsoleTx    the console's transmit ring (kprintf flushes it)
 */
#pragma once

#include "../lib/types.h"

enum class LockRank : u8 {
    None = 0,
    ShmTable = 10,
    ShmCreators = 12,
    RegionState = 15,
    Region = 20,
    Store = 40,
    FileCaches = 41,
    FileStore = 42,
    Pipe = 45,
    Futex = 50,
    ProcTable = 60,
    SleepGuard = 62,
    Log = 63,
    Bcache = 64,
    InodeCache = 65,
    Console = 66,
    Disk = 67,
    Proc = 70,
    RunQueue = 80,
    Timer = 85,
    Kmalloc = 88,
    HartPages = 89,
    PageAlloc = 90,
    Print = 100,
    ConsoleTx = 101,
};
