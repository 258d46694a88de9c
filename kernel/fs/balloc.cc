/*
 * The free map: one bit per disk block, set when the block is in use.
 *
 * Allocation scans the map from a rotating hint (where the last allocation
 * ended), so consecutive allocations are near each other and a scan does
 * not start over from the first data block each time. The hint is only
 * advice; correctness comes from the bitmap buffer's lock, under which a
 * bit is tested and set.
 *
 * Invariants: bits of the metadata blocks (below data_start) are always
 * set; a freshly allocated block is zeroed through the log in the same
 * operation that marks it used, so a crash never exposes old contents.
 *
 * Locks: bitmap buffers' sleep locks (one at a time), then the zeroed
 * block's buffer. Callers are inside an operation.
 */
#include "../lib/atomic.h"
#include "../console/printk.h"
#include "bcache.h"
#include "inode.h"
#include "log.h"

namespace {

Atomic<u32> g_alloc_hint{0};

// Tries to allocate a block in [lo, hi); returns it or 0.
u32 alloc_in_range(const DiskSuperblock& sb, u32 lo, u32 hi)
{
    u32 b = lo;
    while (b < hi) {
        u32 map_end = min(hi, (b / FS_BITS_PER_BLOCK + 1) * FS_BITS_PER_BLOCK);
        Buffer* bp = bread(fs_bitmap_block(sb, b));
        for (; b < map_end; b++) {
            u32 bit = b % FS_BITS_PER_BLOCK;
            u8& byte = bp->data[bit / 8];
            if (byte == 0xFF && bit % 8 == 0 && b + 8 <= map_end) {
                b += 7; // a full byte: skip it
                continue;
            }
            if (byte & (1u << (bit % 8)))
                continue;
            byte |= u8(1u << (bit % 8));
            log_write(bp);
            brelse(bp);
            return b;
        }
        brelse(bp);
    }
    return 0;
}

} // namespace

Result<u32> block_alloc()
{
    const DiskSuperblock& sb = fs_superblock();
    u32 hint = g_alloc_hint.load(MemoryOrder::Relaxed);
    if (hint < sb.data_start || hint >= sb.block_count)
        hint = sb.data_start;
    u32 b = alloc_in_range(sb, hint, sb.block_count);
    if (!b)
        b = alloc_in_range(sb, sb.data_start, hint);
    if (!b)
        return Error(ERR_NOSPC);
    g_alloc_hint.store(b + 1, MemoryOrder::Relaxed);
    Buffer* zero = bread_zeroed(b);
    log_write(zero);
    brelse(zero);
    return b;
}

void block_free(u32 block)
{
    const DiskSuperblock& sb = fs_superblock();
    if (block < sb.data_start || block >= sb.block_count)
        panic("block_free: block %u is not a data block", block);
    Buffer* bp = bread(fs_bitmap_block(sb, block));
    u32 bit = block % FS_BITS_PER_BLOCK;
    u8 mask = u8(1u << (bit % 8));
    if (!(bp->data[bit / 8] & mask))
        panic("block_free: block %u is already free", block);
    bp->data[bit / 8] &= u8(~mask);
    log_write(bp);
    brelse(bp);
}

u32 count_free_blocks()
{
    const DiskSuperblock& sb = fs_superblock();
    u32 free = 0;
    for (u32 b = sb.data_start; b < sb.block_count;) {
        u32 map_end = min(sb.block_count, (b / FS_BITS_PER_BLOCK + 1) * FS_BITS_PER_BLOCK);
        Buffer* bp = bread(fs_bitmap_block(sb, b));
        for (; b < map_end; b++) {
            u32 bit = b % FS_BITS_PER_BLOCK;
            if (!(bp->data[bit / 8] & (1u << (bit % 8))))
                free++;
        }
        brelse(bp);
    }
    return free;
}

u32 count_free_inodes()
{
    const DiskSuperblock& sb = fs_superblock();
    u32 free = 0;
    for (u32 blk = 0; blk < sb.inode_blocks; blk++) {
        Buffer* bp = bread(sb.inode_start + blk);
        auto* inodes = reinterpret_cast<DiskInode*>(bp->data);
        for (u32 i = 0; i < FS_INODES_PER_BLOCK; i++) {
            u32 inum = blk * FS_INODES_PER_BLOCK + i;
            if (inum != 0 && inum < sb.inode_count && inodes[i].type == 0)
                free++;
        }
        brelse(bp);
    }
    return free;
}
