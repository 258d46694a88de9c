/*
 * An inode's contents: mapping file block numbers to disk blocks through
 * the direct, single-indirect and double-indirect addresses, and reading,
 * writing and truncating.
 *
 *   file block 0 .. 11            addrs[0..11]
 *   next 1024                     the block addrs[12] points at
 *   next 1024 * 1024              addrs[13] -> 1024 blocks -> 1024 each
 *
 * An address of 0 is a hole: it reads as zeros and is allocated on the
 * first write. Every address taken from the disk is checked to lie in the
 * data region before it is used (a corrupt image panics, it does not
 * scribble over the log or the inode table).
 *
 * The caller holds the inode's lock for all of these; writes and truncation
 * run inside an operation. A write allocates as it goes: when the disk
 * fills up halfway, what was written stays written and the inode stays
 * consistent (every allocated block is reachable from it).
 *
 * A mapped file also has a page cache (ip->cache, kernel/mm/file_store.h)
 * whose resident pages may be newer than the disk (a mapping wrote them).
 * So reads take a page's bytes from the cache when it is resident, writes
 * put their bytes into the resident page as well as on the disk, and size
 * changes are announced to the cache. Blocks and pages are both 4 KiB, so
 * a piece of one block is a piece of one page. Invariant kept on disk: the
 * bytes of the last block past the end of the file are zero, so growing a
 * file never needs to write.
 */
#include "../lib/kstring.h"
#include "../console/printk.h"
#include "../uapi/fcntl.h"
#include "bcache.h"
#include "inode.h"
#include "log.h"

static_assert(FS_BLOCK_SIZE == PAGE_SIZE, "the page cache maps file blocks onto pages one to one");

namespace {

enum class MapMode { Lookup, Allocate };
// Whether a write also goes into the file's page cache (write()) or comes
// from it (write-back).
enum class CacheCopy { Yes, No };

void check_data_block(u32 block)
{
    const DiskSuperblock& sb = fs_superblock();
    if (block != 0 && (block < sb.data_start || block >= sb.block_count))
        panic("fs: block address %u outside the data region (corrupt file system?)", block);
}

// *slot, allocating a block for it if it is 0 and mode says so.
// Returns 0 for a hole in Lookup mode. The caller logs the change of *slot.
Result<u32> map_slot(u32* slot, MapMode mode, bool* changed)
{
    check_data_block(*slot);
    if (*slot == 0 && mode == MapMode::Allocate) {
        *slot = TRY(block_alloc());
        *changed = true;
    }
    return *slot;
}

// Entry `index` of the indirect block `block`, allocated if needed.
Result<u32> map_indirect(u32 block, u32 index, MapMode mode)
{
    Buffer* bp = bread(block);
    bool changed = false;
    auto entry = map_slot(reinterpret_cast<u32*>(bp->data) + index, mode, &changed);
    if (changed)
        log_write(bp);
    brelse(bp);
    return entry;
}

// The disk block holding file block fbn, or 0 for a hole (Lookup mode).
// In Allocate mode the inode's addrs may change: the caller updates it.
Result<u32> map_block(Inode* ip, u64 fbn, MapMode mode)
{
    bool changed = false;
    if (fbn < FS_DIRECT_BLOCKS)
        return map_slot(&ip->addrs[fbn], mode, &changed);
    fbn -= FS_DIRECT_BLOCKS;
    if (fbn < FS_ADDRS_PER_BLOCK) {
        u32 ind = TRY(map_slot(&ip->addrs[FS_INDIRECT_SLOT], mode, &changed));
        if (!ind)
            return 0u;
        return map_indirect(ind, u32(fbn), mode);
    }
    fbn -= FS_ADDRS_PER_BLOCK;
    if (fbn < u64(FS_ADDRS_PER_BLOCK) * FS_ADDRS_PER_BLOCK) {
        u32 top = TRY(map_slot(&ip->addrs[FS_DOUBLE_SLOT], mode, &changed));
        if (!top)
            return 0u;
        u32 mid = TRY(map_indirect(top, u32(fbn / FS_ADDRS_PER_BLOCK), mode));
        if (!mid)
            return 0u;
        return map_indirect(mid, u32(fbn % FS_ADDRS_PER_BLOCK), mode);
    }
    panic("map_block: file block beyond the largest file");
}

// Frees the blocks an indirect block points at (depth 1) or the indirect
// blocks it points at, recursively (depth 2), then the block itself.
void free_indirect(u32 block, int depth)
{
    check_data_block(block);
    Buffer* bp = bread(block);
    const u32* entries = reinterpret_cast<const u32*>(bp->data);
    for (u32 i = 0; i < FS_ADDRS_PER_BLOCK; i++) {
        u32 e = entries[i];
        if (!e)
            continue;
        check_data_block(e);
        if (depth > 1) {
            // Release our buffer first: the recursion reads another block.
            brelse(bp);
            free_indirect(e, depth - 1);
            bp = bread(block);
            entries = reinterpret_cast<const u32*>(bp->data);
        } else {
            block_free(e);
        }
    }
    brelse(bp);
    block_free(block);
}

// Frees entries [from, FS_ADDRS_PER_BLOCK) of the indirect block `block`
// (data blocks at depth 1, indirect blocks at depth 2) and zeroes them.
void free_entries(u32 block, u32 from, int depth)
{
    check_data_block(block);
    Buffer* bp = bread(block);
    u32* entries = reinterpret_cast<u32*>(bp->data);
    for (u32 i = from; i < FS_ADDRS_PER_BLOCK; i++) {
        u32 e = entries[i];
        if (!e)
            continue;
        check_data_block(e);
        entries[i] = 0;
        log_write(bp);
        if (depth > 1) {
            // Release our buffer first: the recursion reads another block.
            brelse(bp);
            free_indirect(e, depth - 1);
            bp = bread(block);
            entries = reinterpret_cast<u32*>(bp->data);
        } else {
            block_free(e);
        }
    }
    brelse(bp);
}

// Frees every block of the file from file block `keep` on. Changes at most
// the single-indirect block, the double-indirect top, one second-level
// block, the free map and (through the caller) the inode.
void free_blocks_from(Inode* ip, u64 keep)
{
    for (u64 i = keep; i < FS_DIRECT_BLOCKS; i++) {
        if (ip->addrs[i]) {
            check_data_block(ip->addrs[i]);
            block_free(ip->addrs[i]);
            ip->addrs[i] = 0;
        }
    }
    u64 base = FS_DIRECT_BLOCKS;
    if (u32 ind = ip->addrs[FS_INDIRECT_SLOT]) {
        if (keep <= base) {
            free_indirect(ind, 1);
            ip->addrs[FS_INDIRECT_SLOT] = 0;
        } else if (keep < base + FS_ADDRS_PER_BLOCK) {
            free_entries(ind, u32(keep - base), 1);
        }
    }
    base += FS_ADDRS_PER_BLOCK;
    if (u32 top = ip->addrs[FS_DOUBLE_SLOT]) {
        if (keep <= base) {
            free_indirect(top, 2);
            ip->addrs[FS_DOUBLE_SLOT] = 0;
            return;
        }
        u64 kept = keep - base; // data blocks kept under the double-indirect block
        u64 whole_mids = (kept + FS_ADDRS_PER_BLOCK - 1) / FS_ADDRS_PER_BLOCK;
        if (whole_mids < FS_ADDRS_PER_BLOCK)
            free_entries(top, u32(whole_mids), 2);
        if (kept % FS_ADDRS_PER_BLOCK) {
            Buffer* bp = bread(top);
            u32 mid = reinterpret_cast<u32*>(bp->data)[kept / FS_ADDRS_PER_BLOCK];
            brelse(bp);
            if (mid)
                free_entries(mid, u32(kept % FS_ADDRS_PER_BLOCK), 1);
        }
    }
}

// Copies m bytes from src into a cached block through a small bounce
// buffer, so that a fault in the middle leaves the block changed only by
// whole pieces that were copied: returns how many bytes that is.
size_t copy_into_block(Space space, u8* dst, u64 src, size_t m)
{
    if (space == Space::Kernel) {
        memcpy(dst, reinterpret_cast<const void*>(src), m);
        return m;
    }
    constexpr size_t PIECE = 256;
    u8 bounce[PIECE];
    size_t done = 0;
    while (done < m) {
        size_t k = min(m - done, PIECE);
        if (copy_from_user(bounce, src + done, k).is_error())
            break;
        memcpy(dst + done, bounce, k);
        done += k;
    }
    return done;
}

} // namespace

Result<u32> inode_block_at(Inode* ip, u64 fbn)
{
    if (fbn >= FS_MAX_FILE_BLOCKS)
        return 0u;
    return map_block(ip, fbn, MapMode::Lookup);
}

size_t inode_write_chunk()
{
    // Blocks one chunk may change: its data blocks (one more than the chunk
    // when it is not block-aligned), the inode, up to four indirect blocks
    // (the single one, the double top and two second-level ones) and the
    // free-map blocks that all those allocations may touch.
    u32 bitmap = min(fs_superblock().bitmap_blocks, FS_MAX_BITMAP_BLOCKS);
    u32 data_blocks = FS_MAX_OP_BLOCKS - 1 - 1 - 4 - bitmap;
    return size_t(data_blocks) * FS_BLOCK_SIZE;
}

Result<size_t> inode_read(Inode* ip, Space space, u64 dst, u64 off, size_t n)
{
    if (off >= ip->size || n == 0)
        return size_t(0);
    n = size_t(min(u64(n), ip->size - off));
    size_t done = 0;
    while (done < n) {
        u64 pos = off + done;
        size_t in_block = pos % FS_BLOCK_SIZE;
        size_t m = min(n - done, size_t(FS_BLOCK_SIZE) - in_block);
        Result<void> copied;
        if (ip->cache) {
            // A resident page of a mapped file is newer than its block.
            auto cached = file_cache_read(ip->cache, pos, space, dst + done, m);
            if (cached.is_error()) {
                if (done == 0)
                    return cached.error();
                break;
            }
            if (cached.value()) {
                done += m;
                continue;
            }
        }
        u32 block = TRY(map_block(ip, pos / FS_BLOCK_SIZE, MapMode::Lookup));
        if (!block) {
            copied = zero_out(space, dst + done, m);
        } else {
            Buffer* bp = bread(block);
            copied = copy_out(space, dst + done, bp->data + in_block, m);
            brelse(bp);
        }
        if (copied.is_error()) {
            if (done == 0)
                return copied.error();
            break;
        }
        done += m;
    }
    return done;
}

namespace {
Result<size_t> write_blocks(Inode* ip, Space space, u64 src, u64 off, size_t n, CacheCopy cache_copy)
{
    if (n == 0)
        return size_t(0);
    if (off >= FS_MAX_FILE_SIZE)
        return Error(ERR_RANGE);
    n = size_t(min(u64(n), FS_MAX_FILE_SIZE - off));
    if (n > inode_write_chunk())
        panic("inode_write: %zu bytes do not fit in one operation", n);
    FileStore* cache = cache_copy == CacheCopy::Yes ? ip->cache : nullptr;
    u64 old_size = ip->size;
    if (cache && off + n > old_size)
        file_cache_extend(cache, old_size);
    size_t done = 0;
    int error = 0;
    while (done < n) {
        u64 pos = off + done;
        size_t in_block = pos % FS_BLOCK_SIZE;
        size_t m = min(n - done, size_t(FS_BLOCK_SIZE) - in_block);
        auto block = map_block(ip, pos / FS_BLOCK_SIZE, MapMode::Allocate);
        if (block.is_error()) {
            error = block.error_code();
            break;
        }
        Buffer* bp = bread(block.value());
        size_t copied = copy_into_block(space, bp->data + in_block, src + done, m);
        if (copied)
            log_write(bp);
        if (copied && cache)
            file_cache_wrote(cache, pos, bp->data + in_block, copied);
        brelse(bp);
        done += copied;
        if (copied < m) {
            error = ERR_FAULT;
            break;
        }
    }
    if (off + done > ip->size)
        ip->size = off + done;
    // Even a failed write may have allocated blocks: keep them reachable.
    inode_update(ip);
    if (cache && ip->size != old_size)
        file_cache_resized(cache, ip->size);
    if (done == 0 && error)
        return Error(error);
    return done;
}
} // namespace

Result<size_t> inode_write(Inode* ip, Space space, u64 src, u64 off, size_t n)
{
    return write_blocks(ip, space, src, off, n, CacheCopy::Yes);
}

Result<size_t> inode_write_back(Inode* ip, const void* src, u64 off, size_t n)
{
    if (n > PAGE_SIZE || off + n > ip->size)
        panic("inode_write_back: %zu bytes at %lu of a %lu-byte file", n, off, ip->size);
    return write_blocks(ip, Space::Kernel, u64(src), off, n, CacheCopy::No);
}

Result<void> inode_resize(Inode* ip, u64 size)
{
    if (size > FS_MAX_FILE_SIZE)
        return Error(ERR_RANGE);
    u64 old_size = ip->size;
    if (size == old_size)
        return {};
    if (size > old_size) {
        // A hole: the disk already reads as zeros past the old end.
        if (ip->cache)
            file_cache_extend(ip->cache, old_size);
        ip->size = size;
        inode_update(ip);
        if (ip->cache)
            file_cache_resized(ip->cache, size);
        return {};
    }
    if (ip->cache)
        TRY(file_cache_shrink(ip->cache, size));
    free_blocks_from(ip, (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE);
    if (size % FS_BLOCK_SIZE) {
        // Keep the invariant: nothing but zeros past the end of the file.
        u32 block = TRY(map_block(ip, size / FS_BLOCK_SIZE, MapMode::Lookup));
        if (block) {
            Buffer* bp = bread(block);
            memset(bp->data + size % FS_BLOCK_SIZE, 0, FS_BLOCK_SIZE - size % FS_BLOCK_SIZE);
            log_write(bp);
            brelse(bp);
        }
    }
    ip->size = size;
    inode_update(ip);
    return {};
}

void inode_truncate(Inode* ip)
{
    // Only for a file nobody maps: an inode being freed (its cache went
    // with its last reference). open(O_TRUNC) uses inode_resize.
    if (ip->cache)
        MUST(file_cache_shrink(ip->cache, 0)); // nothing maps it: nothing can refuse
    for (u32 i = 0; i < FS_DIRECT_BLOCKS; i++) {
        if (ip->addrs[i]) {
            check_data_block(ip->addrs[i]);
            block_free(ip->addrs[i]);
            ip->addrs[i] = 0;
        }
    }
    if (ip->addrs[FS_INDIRECT_SLOT]) {
        free_indirect(ip->addrs[FS_INDIRECT_SLOT], 1);
        ip->addrs[FS_INDIRECT_SLOT] = 0;
    }
    if (ip->addrs[FS_DOUBLE_SLOT]) {
        free_indirect(ip->addrs[FS_DOUBLE_SLOT], 2);
        ip->addrs[FS_DOUBLE_SLOT] = 0;
    }
    ip->size = 0;
    inode_update(ip);
}

void inode_stat(Inode* ip, struct stat* out)
{
    out->dev = int32_t(FS_DEVICE_NUMBER);
    out->ino = ip->inum;
    out->type = int16_t(ip->type);
    out->nlink = int16_t(ip->nlink);
    out->pad = 0;
    out->size = ip->size;
}
