/*
 * Inodes: the in-memory cache of on-disk inodes, block allocation, and
 * reading and writing an inode's contents.
 *
 * An Inode in the cache has two kinds of state:
 *   - identity (inum, refcount): protected by the inode-cache spin lock
 *     (rank InodeCache); a reference keeps the entry from being reused;
 *   - the copy of the disk inode (valid, type, size, addrs...): protected
 *     by the inode's SleepLock, taken with inode_lock(). inode_lock() reads
 *     the disk inode the first time.
 *
 * Typical use, inside an operation (begin_op/end_op) when anything changes:
 *     Inode* ip = TRY(namei(path));   // a reference, unlocked
 *     inode_lock(ip);
 *     ... read or modify ip, inode_update(ip) after changing its fields ...
 *     inode_unlock_put(ip);
 *
 * inode_put() of the last reference to an inode with no links frees it and
 * its blocks, so it must run inside an operation.
 *
 * Lock order between inodes: a directory before the entries in it; never
 * lock two inodes otherwise. Inode locks come after begin_op() and before
 * buffer locks. Nobody touches user memory while holding an inode lock: a
 * fault on a mapped file's page takes that file's lock (file_store.h).
 *
 * A regular file that has been mapped has a page cache (Inode::cache, a
 * FileStore): its resident pages are the newest copy of the file's bytes,
 * and the functions below read from it and keep it in step when they
 * write, grow or shrink the file (docs/mmap.md).
 */
#pragma once

#include "../lib/atomic.h"
#include "../sync/sleeplock.h"
#include "iocopy.h"
#include "layout.h"

struct stat;
class FileStore;

constexpr int NINODE = 256;  // inodes cached at once
constexpr u32 FS_DEVICE_NUMBER = 1; // st_dev of the root file system

struct Inode {
    // Identity: protected by the inode-cache lock.
    u32 inum = 0;
    int refcount = 0;

    // The disk inode's copy: protected by lock.
    SleepLock lock{"inode"};
    bool valid = false;
    u16 type = 0;
    u16 major = 0;
    u16 minor = 0;
    u16 nlink = 0;
    u32 generation = 0;
    u64 size = 0;
    u32 addrs[FS_INODE_ADDRS] = {};
    // The page cache of a mapped file, or null: set under lock, dropped
    // with the last reference (one store reference belongs to the inode).
    FileStore* cache = nullptr;
    // Who may change the file's bytes (write_access.cc): above 0, the
    // writers (descriptors open for writing, shared writable views,
    // writable file-backed regions); below 0, the program segments running
    // from it. Never both. Atomic; each count belongs to a reference.
    Atomic<i32> write_access{0};
};

// ---- the mounted file system's superblock (set by fs_init) ----------------
const DiskSuperblock& fs_superblock();
void fs_set_superblock(const DiskSuperblock& sb);

// ---- blocks (balloc.cc) ---------------------------------------------------
// Allocates a zeroed data block; ERR_NOSPC when the disk is full. In an operation.
Result<u32> block_alloc();
void block_free(u32 block);
// Free data blocks and inodes right now (slow: scans the disk).
u32 count_free_blocks();
u32 count_free_inodes();

// ---- the cache (inode.cc) ---------------------------------------------------
// Forgets every cached inode; none may be referenced.
void inode_cache_init();
// A reference to inode inum (not locked, maybe not read yet); ERR_NORES if
// the cache is full.
Result<Inode*> inode_get(u32 inum);
Inode* inode_dup(Inode* ip);
void inode_put(Inode* ip);
void inode_lock(Inode* ip);
void inode_unlock(Inode* ip);
void inode_unlock_put(Inode* ip);
// Allocates a fresh inode of the given type, returned referenced and
// unlocked, with nlink 0; ERR_NOSPC if none is free. In an operation.
Result<Inode*> inode_alloc(u16 type);
// Writes the cached fields to disk (through the log). Caller holds the lock.
void inode_update(Inode* ip);
// Inodes currently referenced (for leak checks in tests).
int inode_cache_busy_count();

// ---- a running program's file does not change (write_access.cc) -----------
// As Linux's ETXTBSY: a file cannot be opened for writing, truncated or
// mapped shared and writable while a program runs from it, nor run while it
// is open for writing. Each get/deny is undone by one put/allow.
// A writer's right: ERR_TXTBSY while a program runs from the file.
Result<void> inode_get_write_access(Inode* ip);
void inode_put_write_access(Inode* ip);
// A running program's guard: ERR_TXTBSY while the file is open for writing.
Result<void> inode_deny_write_access(Inode* ip);
void inode_allow_write_access(Inode* ip);

// ---- contents (inode_data.cc); the caller holds the inode's lock ----------
// Reads up to n bytes at off (fewer at the end of the file); holes read as
// zeros. Returns the count, or an error if nothing could be copied.
Result<size_t> inode_read(Inode* ip, Space space, u64 dst, u64 off, size_t n);
// Writes n bytes at off, growing the file; in an operation, and n must be
// at most inode_write_chunk() so that it fits in one. Returns the count
// written, which is short (or an error if 0) when the disk fills
// (ERR_NOSPC) or the source faults; ERR_RANGE past the largest file size.
Result<size_t> inode_write(Inode* ip, Space space, u64 src, u64 off, size_t n);
// The disk block holding file block fbn, or 0 for a hole.
Result<u32> inode_block_at(Inode* ip, u64 fbn);
// The most bytes one inode_write() may be asked to write.
size_t inode_write_chunk();
// Frees every block and sets the size to 0. In an operation.
void inode_truncate(Inode* ip);
// Sets the size of a regular file: growing leaves a hole (zeros), shrinking
// frees the blocks past the new end and zeroes the rest of the last block.
// ERR_BUSY if a mapping covers a page that shrinking would cut (the page
// cache refuses, as Windows refuses to truncate a mapped file);
// ERR_RANGE past the largest file. In an operation: it fits in one.
Result<void> inode_resize(Inode* ip, u64 size);
// Writes n bytes of a page of the file's own page cache back to its blocks
// at off (within the file's size), leaving the cache alone: write-back.
// In an operation; n at most a page.
Result<size_t> inode_write_back(Inode* ip, const void* src, u64 off, size_t n);
void inode_stat(Inode* ip, struct stat* out);

// ---- the page cache side (kernel/mm/file_store.cc) ------------------------
// Called by the functions above with the inode locked, when ip->cache is set.
// Copies n bytes at pos (inside one page) from a resident cache page to dst;
// false if the page is not resident.
Result<bool> file_cache_read(FileStore* cache, u64 pos, Space space, u64 dst, size_t n);
// The same n bytes at pos were just written to the disk: copy them into the
// resident page, if any.
void file_cache_wrote(FileStore* cache, u64 pos, const void* src, size_t n);
// The file is about to grow past old_size: the bytes past it in the resident
// last page (stores through a mapping past the end) become zeros.
void file_cache_extend(FileStore* cache, u64 old_size);
// The file's size is now size (after growing).
void file_cache_resized(FileStore* cache, u64 size);
// The file is about to shrink to size: ERR_BUSY if a view covers a page
// that would be cut; else those pages leave the cache and the rest of the
// new last page is zeroed.
Result<void> file_cache_shrink(FileStore* cache, u64 size);
// The inode's last reference is gone: drop its reference on the store.
void file_cache_drop(FileStore* cache);
// Writes back what mappings of ip wrote (if it has a cache). The caller
// holds a reference to ip, not its lock, and is not in an operation.
Result<void> file_cache_sync(Inode* ip);
