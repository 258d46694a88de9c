/*
 * The buffer cache (see bcache.h).
 *
 * Invariants:
 *   - at most one buffer has a given block number while its refcount is
 *     non-zero or it is valid: lookups and recycling happen under g_lock;
 *   - a buffer is recycled only when its refcount is 0, and the least
 *     recently released such buffer goes first (the LRU list is kept in
 *     release order: front = most recent);
 *   - when every buffer is in use, bget() sleeps on g_free_waiters until
 *     brelse() or bunpin() frees one, instead of failing.
 *
 * Locks: g_lock (rank Bcache) guards block, refcount and the LRU list; it
 * is never held while sleeping on a buffer's lock or doing I/O. Each
 * buffer's SleepLock guards valid and data and is held across the I/O.
 * Disk I/O errors are not recoverable here: they panic.
 */
#include "bcache.h"
#include "../lib/kstring.h"
#include "../console/printk.h"

namespace {

Spinlock g_lock("bcache", LockRank::Bcache);
WaitQueue g_free_waiters;
Buffer g_buffers[NBUF];
alignas(BLOCK_SIZE) u8 g_buffer_data[NBUF][BLOCK_SIZE];
IntrusiveList<Buffer, &Buffer::lru> g_lru;
BlockDevice* g_device = nullptr;

// The next more recently released buffer than b, or nullptr if b is the
// most recent. Caller holds g_lock.
Buffer* more_recent(Buffer* b) { return b == g_lru.front() ? nullptr : container_of(b->lru.prev, Buffer, lru); }

// The buffer for `block` with a new reference, not yet locked.
Buffer* bget(u32 block)
{
    SpinlockGuard guard(g_lock);
    for (;;) {
        for (Buffer* b : g_lru) {
            if (b->block == block && (b->valid || b->refcount > 0)) {
                b->refcount++;
                return b;
            }
        }
        // Not cached: recycle the least recently released free buffer.
        for (Buffer* b = g_lru.back(); b; b = more_recent(b)) {
            if (b->refcount == 0) {
                b->block = block;
                b->valid = false;
                b->refcount = 1;
                return b;
            }
        }
        (void)g_free_waiters.wait(g_lock);
    }
}

} // namespace

void bcache_init(BlockDevice* device)
{
    SpinlockGuard guard(g_lock);
    g_device = device;
    for (int i = 0; i < NBUF; i++) {
        Buffer* b = &g_buffers[i];
        if (b->refcount != 0)
            panic("bcache_init: buffer of block %u still in use", b->block);
        b->data = g_buffer_data[i];
        b->valid = false;
        b->block = 0;
        if (!IntrusiveList<Buffer, &Buffer::lru>::contains_node(b))
            g_lru.push_back(b);
    }
}

BlockDevice* bcache_device() { return g_device; }

Buffer* bread(u32 block)
{
    if (block >= g_device->block_count())
        panic("bread: block %u beyond the end of %s", block, g_device->name());
    Buffer* b = bget(block);
    b->lock.lock();
    if (!b->valid) {
        if (g_device->read_block(block, b->data).is_error())
            panic("bread: %s: cannot read block %u", g_device->name(), block);
        b->valid = true;
    }
    return b;
}

Buffer* bread_zeroed(u32 block)
{
    if (block >= g_device->block_count())
        panic("bread_zeroed: block %u beyond the end of %s", block, g_device->name());
    Buffer* b = bget(block);
    b->lock.lock();
    memset(b->data, 0, BLOCK_SIZE);
    b->valid = true;
    return b;
}

void bwrite(Buffer* b)
{
    if (!b->lock.is_held_by_current())
        panic("bwrite: buffer not locked");
    if (g_device->write_block(b->block, b->data).is_error())
        panic("bwrite: %s: cannot write block %u", g_device->name(), b->block);
}

void brelse(Buffer* b)
{
    if (!b->lock.is_held_by_current())
        panic("brelse: buffer not locked");
    b->lock.unlock();
    SpinlockGuard guard(g_lock);
    if (--b->refcount == 0) {
        g_lru.remove(b);
        g_lru.push_front(b);
        g_free_waiters.wake_all();
    }
}

void bpin(Buffer* b)
{
    SpinlockGuard guard(g_lock);
    b->refcount++;
}

void bunpin(Buffer* b)
{
    SpinlockGuard guard(g_lock);
    if (--b->refcount == 0)
        g_free_waiters.wake_all();
}

int bcache_busy_count()
{
    SpinlockGuard guard(g_lock);
    int n = 0;
    for (int i = 0; i < NBUF; i++)
        if (g_buffers[i].refcount)
            n++;
    return n;
}
