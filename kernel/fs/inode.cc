/*
 * The inode cache and inode allocation (see inode.h for the rules).
 *
 * Invariants:
 *   - at most one cache entry has a given inum while its refcount is > 0;
 *     an entry with refcount 0 may be reused for another inode, and its
 *     cached copy is then thrown away (valid = false);
 *   - valid is true only while the entry's fields equal the disk inode as
 *     changed by committed or running operations;
 *   - a mapped file's page cache (Inode::cache) lives until the last
 *     reference goes, like the cached copy of the disk inode;
 *   - an inode with nlink 0 and type != 0 is freed (blocks and all) when
 *     its last reference goes, inside the operation that drops it. A crash
 *     while such an unlinked file is still open leaks it (as in xv6):
 *     `mkfs --check` reports it as allocated but unreachable.
 *
 * Locks: g_cache_lock (rank InodeCache) guards inum and refcount of every
 * entry; it is a leaf here (no I/O or sleeping under it). The inode's
 * SleepLock guards the rest and is held across disk reads of the inode.
 */
#include "../lib/kstring.h"
#include "../console/printk.h"
#include "../uapi/fcntl.h"
#include "bcache.h"
#include "inode.h"
#include "log.h"

namespace {

Spinlock g_cache_lock("inode_cache", LockRank::InodeCache);
Inode g_inodes[NINODE];
Atomic<u32> g_inode_hint{0};

DiskInode* disk_inode_in(Buffer* bp, u32 inum)
{
    return reinterpret_cast<DiskInode*>(bp->data) + inum % FS_INODES_PER_BLOCK;
}

// The fields an inode keeps on disk, from the disk to the cache (inode_lock)
// or back (inode_update).
template <typename To, typename From> void copy_inode_fields(To* to, const From* from)
{
    to->type = from->type;
    to->major = from->major;
    to->minor = from->minor;
    to->nlink = from->nlink;
    to->generation = from->generation;
    to->size = from->size;
    static_assert(sizeof(to->addrs) == sizeof(from->addrs));
    memcpy(to->addrs, from->addrs, sizeof(to->addrs));
}

void check_inum(u32 inum, const char* who)
{
    if (inum == 0 || inum >= fs_superblock().inode_count)
        panic("%s: inode number %u out of range (corrupt file system?)", who, inum);
}

} // namespace

void inode_cache_init()
{
    // A new mount starts its allocation scan afresh: the hint belongs to the
    // file system that was mounted (and a test that mounts twice sees the
    // same allocations both times).
    g_inode_hint.store(0, MemoryOrder::Relaxed);
    SpinlockGuard guard(g_cache_lock);
    for (Inode& ip : g_inodes) {
        if (ip.refcount != 0)
            panic("inode_cache_init: inode %u still referenced", ip.inum);
        ip.inum = 0;
        ip.valid = false;
    }
}

Result<Inode*> inode_get(u32 inum)
{
    check_inum(inum, "inode_get");
    SpinlockGuard guard(g_cache_lock);
    Inode* empty = nullptr;
    for (Inode& ip : g_inodes) {
        if (ip.refcount > 0 && ip.inum == inum) {
            ip.refcount++;
            return &ip;
        }
        if (!empty && ip.refcount == 0)
            empty = &ip;
    }
    if (!empty)
        return Error(ERR_NORES);
    empty->inum = inum;
    empty->refcount = 1;
    empty->valid = false;
    return empty;
}

Inode* inode_dup(Inode* ip)
{
    SpinlockGuard guard(g_cache_lock);
    ip->refcount++;
    return ip;
}

void inode_lock(Inode* ip)
{
    if (!ip || ip->refcount < 1)
        panic("inode_lock: unreferenced inode");
    ip->lock.lock();
    if (ip->valid)
        return;
    Buffer* bp = bread(fs_inode_block(fs_superblock(), ip->inum));
    copy_inode_fields(ip, disk_inode_in(bp, ip->inum));
    brelse(bp);
    ip->valid = true;
    if (ip->type == 0)
        panic("inode_lock: inode %u is free (corrupt directory?)", ip->inum);
}

void inode_unlock(Inode* ip)
{
    if (!ip->lock.is_held_by_current())
        panic("inode_unlock: inode %u not locked", ip->inum);
    ip->lock.unlock();
}

void inode_update(Inode* ip)
{
    Buffer* bp = bread(fs_inode_block(fs_superblock(), ip->inum));
    copy_inode_fields(disk_inode_in(bp, ip->inum), ip);
    log_write(bp);
    brelse(bp);
}

void inode_put(Inode* ip)
{
    g_cache_lock.lock();
    FileStore* cache = nullptr;
    if (ip->refcount == 1 && ip->cache) {
        // The page cache goes with the last reference (every view holds
        // one, so nothing maps it now); its pages were written back when
        // the views went.
        cache = ip->cache;
        ip->cache = nullptr;
    }
    if (ip->refcount == 1 && ip->valid && ip->nlink == 0) {
        // The last reference to an unlinked inode: no directory names it,
        // so nobody can find it and take its lock; free it.
        g_cache_lock.unlock();
        ip->lock.lock();
        inode_truncate(ip);
        ip->type = 0;
        inode_update(ip);
        ip->valid = false;
        ip->lock.unlock();
        g_cache_lock.lock();
    }
    if (ip->refcount < 1)
        panic("inode_put: inode %u not referenced", ip->inum);
    ip->refcount--;
    g_cache_lock.unlock();
    if (cache)
        file_cache_drop(cache);
}

void inode_unlock_put(Inode* ip)
{
    inode_unlock(ip);
    inode_put(ip);
}

// Marks inode inum (free on disk, in bp) as allocated with the given type.
static void claim_disk_inode(Buffer* bp, u32 inum, u16 type)
{
    DiskInode* dip = disk_inode_in(bp, inum);
    u32 generation = dip->generation + 1;
    memset(dip, 0, sizeof(*dip));
    dip->type = type;
    dip->generation = generation;
    log_write(bp);
}

Result<Inode*> inode_alloc(u16 type)
{
    const DiskSuperblock& sb = fs_superblock();
    u32 total = sb.inode_count - 1; // inodes 1 .. inode_count-1
    u32 start = g_inode_hint.load(MemoryOrder::Relaxed);
    if (start == 0 || start >= sb.inode_count)
        start = 1;
    u32 n = 0;
    while (n < total) {
        // Scan what is left of one inode-table block under one read.
        u32 block = fs_inode_block(sb, 1 + (start - 1 + n) % total);
        Buffer* bp = bread(block);
        for (; n < total; n++) {
            u32 inum = 1 + (start - 1 + n) % total;
            if (fs_inode_block(sb, inum) != block)
                break;
            if (disk_inode_in(bp, inum)->type != 0)
                continue;
            claim_disk_inode(bp, inum, type);
            brelse(bp);
            g_inode_hint.store(inum + 1, MemoryOrder::Relaxed);
            Result<Inode*> ip = inode_get(inum);
            if (ip.is_error()) {
                // No cache slot: give the inode back so nothing leaks.
                bp = bread(block);
                disk_inode_in(bp, inum)->type = 0;
                log_write(bp);
                brelse(bp);
            }
            return ip;
        }
        brelse(bp);
    }
    return Error(ERR_NOSPC);
}

int inode_cache_busy_count()
{
    SpinlockGuard guard(g_cache_lock);
    int n = 0;
    for (Inode& ip : g_inodes)
        if (ip.refcount)
            n++;
    return n;
}
