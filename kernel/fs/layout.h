/*
 * The on-disk format of the Tandem file system, shared by the kernel and
 * the host tool mkfs. It must compile for the host too, so it uses only
 * <stdint.h> and <stddef.h>, and every structure has a fixed size and no
 * padding the compiler could choose differently.
 *
 * A disk is an array of FS_BLOCK_SIZE-byte blocks (4 KiB, the same as
 * BLOCK_SIZE in block_device.h and the page size). Its regions, in order:
 *
 *   block 0           unused (room for a boot loader)
 *   block 1           the superblock
 *   log_start ...     the write-ahead log: one header block, then the
 *                     blocks of the transaction being committed
 *   inode_start ...   the inode table, FS_INODES_PER_BLOCK inodes a block
 *   bitmap_start ...  the free map: one bit per block of the whole disk,
 *                     set when the block is in use (metadata included)
 *   data_start ...    file and directory contents, indirect blocks
 *
 * Invariants a consistent image keeps (tests/host/test_fs.cc checks them):
 *   - a bitmap bit is set exactly for the metadata blocks and the blocks
 *     some live inode points at, and no block is pointed at twice;
 *   - an inode is free iff its type is 0; inode 0 is never used and
 *     FS_ROOT_INODE is the root directory;
 *   - every directory starts with "." (itself) and ".." (its parent; the
 *     root's ".." is the root itself);
 *   - nlink of an inode = the entries naming it other than "." and "..",
 *     plus, for a directory, one for each subdirectory's ".." entry; the
 *     root counts one more, as though its parent named it (as in xv6).
 */
#ifndef TANDEM_FS_LAYOUT_H
#define TANDEM_FS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

// ---- sizes -------------------------------------------------------------------

constexpr uint32_t FS_BLOCK_SIZE = 4096;
constexpr uint32_t FS_MAGIC = 0x544E4653; // "SFNT" little-endian: Tandem FS
constexpr uint32_t FS_VERSION = 1;

constexpr uint32_t FS_SUPERBLOCK = 1;     // block number of the superblock
constexpr uint32_t FS_ROOT_INODE = 1;     // inode number of "/"

// Default image: 16 MiB, 1024 inodes, a 64-block log.
constexpr uint32_t FS_DEFAULT_BLOCKS = 4096;
constexpr uint32_t FS_DEFAULT_INODES = 1024;
constexpr uint32_t FS_DEFAULT_LOG_BLOCKS = 64; // header included

// Limits. The free map may not exceed FS_MAX_BITMAP_BLOCKS blocks (1 GiB of
// disk) so that freeing every block of a file fits in one transaction.
constexpr uint32_t FS_BITS_PER_BLOCK = FS_BLOCK_SIZE * 8;
constexpr uint32_t FS_MAX_BITMAP_BLOCKS = 8;
constexpr uint32_t FS_MIN_BLOCKS = 64;
constexpr uint32_t FS_MAX_BLOCKS = FS_MAX_BITMAP_BLOCKS * FS_BITS_PER_BLOCK;
constexpr uint32_t FS_MAX_INODES = 65536;
// One file-system operation writes at most FS_MAX_OP_BLOCKS distinct
// blocks (large writes are split to respect it), so the log must hold at
// least that many besides its header.
constexpr uint32_t FS_MAX_OP_BLOCKS = 21;
constexpr uint32_t FS_MIN_LOG_BLOCKS = FS_MAX_OP_BLOCKS + 1;

// ---- superblock ----------------------------------------------------------------

struct DiskSuperblock {
    uint32_t magic;          // FS_MAGIC
    uint32_t version;        // FS_VERSION
    uint32_t block_count;    // blocks in the file system (the whole image)
    uint32_t inode_count;    // inodes, numbered 0 .. inode_count-1 (0 unused)
    uint32_t log_start;      // first log block (the header)
    uint32_t log_blocks;     // log blocks, header included
    uint32_t inode_start;    // first inode-table block
    uint32_t inode_blocks;
    uint32_t bitmap_start;   // first free-map block
    uint32_t bitmap_blocks;
    uint32_t data_start;     // first data block
    uint32_t data_blocks;    // block_count - data_start
};
static_assert(sizeof(DiskSuperblock) == 48, "superblock layout");

// ---- write-ahead log -----------------------------------------------------------

// The log header: how many blocks the committed transaction has and where
// each one belongs. It fits in the first 512-byte sector of its block, so
// writing it is atomic on any disk that writes whole sectors: that write is
// the commit point.
constexpr uint32_t FS_LOG_MAX_ENTRIES = 126;

struct DiskLogHeader {
    uint32_t count;                        // 0: nothing to recover
    uint32_t blocks[FS_LOG_MAX_ENTRIES];   // home block of log block i+1
    uint32_t reserved;
};
static_assert(sizeof(DiskLogHeader) == 512, "log header fills one sector");

// ---- inodes -----------------------------------------------------------------------

constexpr uint32_t FS_DIRECT_BLOCKS = 12;
constexpr uint32_t FS_ADDRS_PER_BLOCK = FS_BLOCK_SIZE / sizeof(uint32_t); // 1024
// Index of the single- and double-indirect block addresses in addrs[].
constexpr uint32_t FS_INDIRECT_SLOT = FS_DIRECT_BLOCKS;
constexpr uint32_t FS_DOUBLE_SLOT = FS_DIRECT_BLOCKS + 1;
constexpr uint32_t FS_INODE_ADDRS = FS_DIRECT_BLOCKS + 2;
// Largest file, in blocks and bytes (about 4 GiB).
constexpr uint64_t FS_MAX_FILE_BLOCKS =
    FS_DIRECT_BLOCKS + FS_ADDRS_PER_BLOCK + uint64_t(FS_ADDRS_PER_BLOCK) * FS_ADDRS_PER_BLOCK;
constexpr uint64_t FS_MAX_FILE_SIZE = FS_MAX_FILE_BLOCKS * FS_BLOCK_SIZE;

// type is T_DIR, T_FILE or T_DEVICE of uapi/fcntl.h, or 0 for a free inode.
// A block address of 0 means "not allocated" (a hole reads as zeros):
// block 0 is never a data block.
struct DiskInode {
    uint16_t type;
    uint16_t major;          // T_DEVICE only
    uint16_t minor;
    uint16_t nlink;          // directory entries naming this inode
    uint32_t generation;     // bumped each time the inode is reused
    uint32_t flags;          // reserved, 0
    uint64_t size;           // bytes
    uint32_t addrs[FS_INODE_ADDRS]; // 12 direct, 1 indirect, 1 double-indirect
    uint8_t reserved[128 - 24 - 4 * FS_INODE_ADDRS];
};
static_assert(sizeof(DiskInode) == 128, "inode layout");

constexpr uint32_t FS_INODES_PER_BLOCK = FS_BLOCK_SIZE / sizeof(DiskInode); // 32

// ---- directories --------------------------------------------------------------------

// A directory is a file of these entries; ino 0 marks a free slot. A name
// is 1 to FS_NAME_MAX bytes, NUL-padded (so always NUL-terminated).
constexpr uint32_t FS_NAME_MAX = 59;
struct DiskDirent {
    uint32_t ino;
    char name[FS_NAME_MAX + 1];
};
static_assert(sizeof(DiskDirent) == 64, "directory entry layout");

constexpr uint32_t FS_DIRENTS_PER_BLOCK = FS_BLOCK_SIZE / sizeof(DiskDirent); // 64

// ---- where things are ---------------------------------------------------------------

// The inode-table block holding inode inum.
constexpr uint32_t fs_inode_block(const DiskSuperblock& sb, uint32_t inum)
{
    return sb.inode_start + inum / FS_INODES_PER_BLOCK;
}

// The free-map block holding the bit of block b.
constexpr uint32_t fs_bitmap_block(const DiskSuperblock& sb, uint32_t b)
{
    return sb.bitmap_start + b / FS_BITS_PER_BLOCK;
}

// Computes the layout of a fresh file system. Returns false (and leaves
// *sb partly filled) if the numbers cannot make a usable file system:
// too few or too many blocks or inodes, or no room left for data.
inline bool fs_compute_layout(uint32_t block_count, uint32_t inode_count, uint32_t log_blocks, DiskSuperblock* sb)
{
    if (block_count < FS_MIN_BLOCKS || block_count > FS_MAX_BLOCKS)
        return false;
    if (inode_count < 2 || inode_count > FS_MAX_INODES)
        return false;
    if (log_blocks < FS_MIN_LOG_BLOCKS || log_blocks > FS_LOG_MAX_ENTRIES + 1)
        return false;
    sb->magic = FS_MAGIC;
    sb->version = FS_VERSION;
    sb->block_count = block_count;
    sb->inode_count = inode_count;
    sb->log_start = FS_SUPERBLOCK + 1;
    sb->log_blocks = log_blocks;
    sb->inode_start = sb->log_start + log_blocks;
    sb->inode_blocks = (inode_count + FS_INODES_PER_BLOCK - 1) / FS_INODES_PER_BLOCK;
    sb->bitmap_start = sb->inode_start + sb->inode_blocks;
    sb->bitmap_blocks = (block_count + FS_BITS_PER_BLOCK - 1) / FS_BITS_PER_BLOCK;
    sb->data_start = sb->bitmap_start + sb->bitmap_blocks;
    if (sb->data_start + 8 > block_count) // a root directory and a little more
        return false;
    sb->data_blocks = block_count - sb->data_start;
    return true;
}

// True if a superblock read from disk describes a sane layout that fits on
// a device of device_blocks blocks (the same rules as fs_compute_layout).
inline bool fs_superblock_valid(const DiskSuperblock& sb, uint64_t device_blocks)
{
    DiskSuperblock expect{};
    if (sb.magic != FS_MAGIC || sb.version != FS_VERSION)
        return false;
    if (!fs_compute_layout(sb.block_count, sb.inode_count, sb.log_blocks, &expect))
        return false;
    return sb.block_count <= device_blocks && sb.log_start == expect.log_start &&
           sb.inode_start == expect.inode_start && sb.inode_blocks == expect.inode_blocks &&
           sb.bitmap_start == expect.bitmap_start && sb.bitmap_blocks == expect.bitmap_blocks &&
           sb.data_start == expect.data_start && sb.data_blocks == expect.data_blocks;
}

#endif
