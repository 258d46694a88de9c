/*
 * The buffer cache: a fixed set of BLOCK_SIZE buffers holding recently used
 * disk blocks, so that each block has at most one copy in memory and every
 * access to it is serialized by that copy's sleep lock.
 *
 * Rules for users:
 *   - bread() returns the buffer locked; the caller must brelse() it.
 *   - Contents change only under the buffer's lock, and a changed buffer
 *     goes to disk only through the log (log_write), never bwrite(), except
 *     inside the log itself.
 *   - The log pins the buffers of the running transaction so that they
 *     cannot be recycled before they are installed.
 */
#pragma once

#include "../lib/list.h"
#include "../sync/sleeplock.h"
#include "block_device.h"

constexpr int NBUF = 128;

struct Buffer {
    // Identity and LRU position: protected by the cache's spin lock.
    u32 block = 0;
    u32 refcount = 0;  // holders, waiters for its lock and log pins
    ListNode lru;      // every buffer, most recently released first

    // Contents: protected by lock.
    SleepLock lock{"buffer"};
    bool valid = false; // data holds the block's contents
    u8* data = nullptr; // BLOCK_SIZE bytes
};

// Uses `device` from now on; forgets everything cached.
void bcache_init(BlockDevice* device);
BlockDevice* bcache_device();

// The buffer of `block`, locked, with its contents read if needed.
Buffer* bread(u32 block);
// The buffer of `block`, locked, filled with zeros without reading the
// disk: for a block about to be overwritten completely (a fresh one).
Buffer* bread_zeroed(u32 block);
// Writes the buffer to disk now. Caller holds its lock.
void bwrite(Buffer* b);
// Unlocks the buffer and drops the caller's reference.
void brelse(Buffer* b);
// Keep/stop keeping a buffer in the cache while it is unreferenced.
void bpin(Buffer* b);
void bunpin(Buffer* b);

// Buffers currently referenced (for leak checks in tests).
int bcache_busy_count();
