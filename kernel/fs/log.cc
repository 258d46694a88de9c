/*
 * The write-ahead log (see log.h), in the manner of xv6's: group commit,
 * one committing group at a time, and absorption (a block changed many
 * times in one group takes one log slot).
 *
 * Disk protocol of a commit:
 *   1. copy every changed block into the log area (slots after the header);
 *   2. write the header with the count and the home block numbers: the
 *      commit point (the header fits in one sector, see layout.h);
 *   3. copy each block to its home location;
 *   4. write the header with count 0.
 * Recovery redoes 3 and 4 if the header says count > 0; redoing is safe
 * because installing is idempotent.
 *
 * Invariants (under g_log.lock unless committing):
 *   - count <= capacity, and every logged buffer is pinned in the cache
 *     until it is installed, so its changes cannot be evicted unwritten;
 *   - count + outstanding * FS_MAX_OP_BLOCKS <= capacity: each running
 *     operation has room reserved for its worst case;
 *   - while committing is true, no operation runs and only the committer
 *     touches count, blocks[] and g_header_block;
 *   - operations are admitted in the order they called begin_op (a ticket
 *     each; now_serving is the oldest not yet admitted).
 *
 * Why tickets: without them, whoever runs first after a wake-up gets in.
 * A process doing operation after operation (a writer in a loop) ends its
 * own operation, commits, and is back in begin_op before the processes
 * woken by its commit have run, so with one hart it took the log again and
 * again while others waited for tens of seconds, and a killed process
 * could not finish exiting (exit closes files: an operation), which looked
 * like a hang. FIFO admission bounds every wait by the operations ahead.
 *
 * Locks: g_log.lock (rank Log); waiters sleep on g_log.waiters with it.
 * The committer holds no spin lock while it does I/O.
 */
#include "log.h"
#include "../lib/kstring.h"
#include "../console/printk.h"

namespace {

struct LogState {
    Spinlock lock{"log", LockRank::Log};
    WaitQueue waiters;      // begin_op() waiting for room or for a commit
    u32 start = 0;          // header block
    u32 capacity = 0;       // data slots after the header
    int outstanding = 0;    // operations between begin_op and end_op
    bool committing = false;
    u32 count = 0;          // blocks in the current group
    u64 next_ticket = 0;    // begin_op's place in line
    u64 now_serving = 0;    // the oldest ticket not admitted yet
    u32 blocks[FS_LOG_MAX_ENTRIES] = {};
    u64 commits = 0;
    u64 blocks_written = 0;
};

LogState g_log;
alignas(BLOCK_SIZE) u8 g_header_block[BLOCK_SIZE];

DiskLogHeader* header() { return reinterpret_cast<DiskLogHeader*>(g_header_block); }

BlockDevice* device() { return bcache_device(); }

void write_slot(u32 slot, const void* data)
{
    if (device()->write_block(g_log.start + 1 + slot, data).is_error())
        panic("log: cannot write log block %u", slot);
}

void write_header()
{
    memset(g_header_block, 0, BLOCK_SIZE);
    header()->count = g_log.count;
    for (u32 i = 0; i < g_log.count; i++)
        header()->blocks[i] = g_log.blocks[i];
    if (device()->write_block(g_log.start, g_header_block).is_error())
        panic("log: cannot write the log header");
}

// Step 1: copies the group's blocks from the cache into the log area.
void write_group()
{
    for (u32 i = 0; i < g_log.count; i++) {
        Buffer* b = bread(g_log.blocks[i]);
        write_slot(i, b->data);
        brelse(b);
    }
}

// Step 3 after a commit: the cached copies are the newest; write them home
// and let the cache forget them when it likes.
void install_from_cache()
{
    for (u32 i = 0; i < g_log.count; i++) {
        Buffer* b = bread(g_log.blocks[i]);
        bwrite(b);
        bunpin(b);
        brelse(b);
    }
}

// Step 3 at recovery: the log area holds the newest copies.
void install_from_log()
{
    for (u32 i = 0; i < g_log.count; i++) {
        Buffer* b = bread(g_log.blocks[i]);
        if (device()->read_block(g_log.start + 1 + i, b->data).is_error())
            panic("log: cannot read log block %u", i);
        bwrite(b);
        brelse(b);
    }
}

void commit()
{
    if (g_log.count == 0)
        return;
    write_group();
    write_header();
    install_from_cache();
    g_log.commits++;
    g_log.blocks_written += g_log.count;
    g_log.count = 0;
    write_header();
}

} // namespace

void log_init(const DiskSuperblock& sb)
{
    {
        SpinlockGuard guard(g_log.lock);
        if (g_log.outstanding || g_log.committing)
            panic("log_init: operations in progress");
        g_log.start = sb.log_start;
        g_log.capacity = min(sb.log_blocks - 1, FS_LOG_MAX_ENTRIES);
        g_log.count = 0;
        g_log.commits = 0;
        g_log.blocks_written = 0;
        g_log.committing = true; // nobody may begin an operation yet
    }
    if (device()->read_block(g_log.start, g_header_block).is_error())
        panic("log: cannot read the log header");
    u32 count = header()->count;
    if (count > g_log.capacity)
        panic("log: corrupt header (%u blocks, room for %u)", count, g_log.capacity);
    for (u32 i = 0; i < count; i++) {
        u32 home = header()->blocks[i];
        if (home < sb.inode_start || home >= sb.block_count)
            panic("log: corrupt header (block %u)", home);
        g_log.blocks[i] = home;
    }
    g_log.count = count;
    if (count) {
        kprintf("fs: recovering %u blocks from the log\n", count);
        install_from_log();
    }
    g_log.count = 0;
    write_header();
    SpinlockGuard guard(g_log.lock);
    g_log.committing = false;
}

void begin_op()
{
    SpinlockGuard guard(g_log.lock);
    u64 ticket = g_log.next_ticket++;
    for (;;) {
        bool room = g_log.count + u32(g_log.outstanding + 1) * FS_MAX_OP_BLOCKS <= g_log.capacity;
        if (ticket == g_log.now_serving && !g_log.committing && room) {
            g_log.now_serving++;
            g_log.outstanding++;
            // The next in line may fit beside us.
            if (g_log.now_serving != g_log.next_ticket)
                g_log.waiters.wake_all();
            return;
        }
        (void)g_log.waiters.wait(g_log.lock);
    }
}

void end_op()
{
    bool do_commit = false;
    {
        SpinlockGuard guard(g_log.lock);
        if (g_log.outstanding < 1 || g_log.committing)
            panic("end_op: no operation in progress");
        g_log.outstanding--;
        if (g_log.outstanding == 0) {
            g_log.committing = true;
            do_commit = true;
        } else {
            // Less is reserved now: a waiter may fit.
            g_log.waiters.wake_all();
        }
    }
    if (!do_commit)
        return;
    commit();
    SpinlockGuard guard(g_log.lock);
    g_log.committing = false;
    g_log.waiters.wake_all();
}

void log_write(Buffer* b)
{
    SpinlockGuard guard(g_log.lock);
    if (g_log.outstanding < 1)
        panic("log_write: block %u changed outside an operation", b->block);
    for (u32 i = 0; i < g_log.count; i++)
        if (g_log.blocks[i] == b->block)
            return; // absorbed: already in the group
    if (g_log.count >= g_log.capacity)
        panic("log_write: transaction too big (%u blocks)", g_log.count);
    g_log.blocks[g_log.count++] = b->block;
    bpin(b);
}

LogStats log_stats()
{
    SpinlockGuard guard(g_log.lock);
    return LogStats{g_log.commits, g_log.blocks_written, g_log.capacity};
}
