/*
 * Mounting the root file system and the small services fs.h offers the
 * rest of the kernel.
 *
 * Invariants: g_superblock is written once by fs_init() (before any other
 * file-system call) and only read afterwards, so it needs no lock.
 */
#include "fs.h"
#include "../lib/kstring.h"
#include "../console/printk.h"
#include "bcache.h"
#include "file.h"
#include "inode.h"
#include "log.h"


namespace {
DiskSuperblock g_superblock;
} // namespace

const DiskSuperblock& fs_superblock() { return g_superblock; }
void fs_set_superblock(const DiskSuperblock& sb) { g_superblock = sb; }

Result<void> fs_init()
{
    BlockDevice* device = root_block_device();
    if (!device)
        return Error(ERR_NOTEXIST);
    if (device->block_count() < FS_MIN_BLOCKS) {
        kprintf("fs: %s is too small for a file system\n", device->name());
        return Error(ERR_INVAL);
    }
    bcache_init(device);
    inode_cache_init();
    DiskSuperblock sb;
    Buffer* bp = bread(FS_SUPERBLOCK);
    memcpy(&sb, bp->data, sizeof(sb));
    brelse(bp);
    if (!fs_superblock_valid(sb, device->block_count())) {
        kprintf("fs: %s holds no valid Tandem file system\n", device->name());
        return Error(ERR_INVAL);
    }
    fs_set_superblock(sb);
    log_init(sb);
    register_null_device();
#ifndef TANDEM_HOST
    register_console_device();
#endif
    kprintf("fs: %s: %u blocks (%u KiB each), %u inodes, log of %u blocks\n", device->name(), sb.block_count,
            FS_BLOCK_SIZE / 1024, sb.inode_count, sb.log_blocks);
    return {};
}

FsStats fs_stats()
{
    return FsStats{g_superblock.block_count, count_free_blocks(), g_superblock.inode_count, count_free_inodes()};
}
