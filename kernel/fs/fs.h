/*
 * The file system's entry points for the rest of the kernel.
 *
 * Boot: probe_block_devices() once on the boot hart after the PLIC is up
 * (it picks the root disk); fs_init() from the first process, since it
 * sleeps on disk I/O. Processes: fork and exit may use fd_copy_table() and
 * fd_close_all() (file.h); exec and cwd handling use the inode interface
 * (inode.h: inode_get/inode_lock/inode_read/inode_put, dir.h: namei),
 * calling namei() and inode_put() inside begin_op()/end_op() (log.h).
 * Everything else goes through the system calls in sys_file.cc and
 * sys_path.cc.
 */
#pragma once

#include "../lib/result.h"

class BlockDevice;

// Finds a virtio block device, else the RAM disk of the initrd, and makes
// it the root block device (root_block_device() stays null if neither).
void probe_block_devices();
// The drivers probe_block_devices() tries (kernel/drivers): each returns
// its device, ready for use, or nullptr if there is none.
BlockDevice* virtio_blk_probe();
BlockDevice* ramdisk_probe();

// Mounts the root device: checks the superblock, replays the log, and
// registers the console and null devices. ERR_NOTEXIST without a root
// device, ERR_INVAL if it holds no valid file system. It does not touch the
// caller's cwd.
Result<void> fs_init();

// Free blocks and inodes, for statistics.
struct FsStats {
    u32 block_count;
    u32 free_blocks;
    u32 inode_count;
    u32 free_inodes;
};
FsStats fs_stats();
