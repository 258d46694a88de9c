/*
 * The File layer: the entry points of the descriptor system calls, which
 * check what every kind shares and call the file's FileOps; and the
 * operations of inode files (regular files and directories) and devices.
 * Pipes have theirs in pipe.cc; other subsystems (kernel/shm) bring their
 * own tables, and this layer knows nothing of them.
 *
 * Invariants: ops, readable, writable, append and the object pointers
 * are set once when the file is opened and never change, so they need no
 * lock; refcount is atomic; an inode file's offset is read and changed
 * only under the inode's lock.
 *
 * Writes to inode files are split into chunks of inode_write_chunk()
 * bytes, each its own operation, so a large write never overflows the log
 * (a crash may then leave a prefix of it on disk, as on Unix).
 *
 * Reads and writes of inode files go through a kernel bounce buffer, so
 * that user memory is never touched with an inode locked: the user buffer
 * may be a mapping of a file (even of this one), whose page faults take
 * that file's lock (kernel/mm/file_store.h).
 *
 * Locks: begin_op, then the inode's sleep lock; pipes take their own spin
 * lock. Nothing here holds a spin lock while copying to or from the user.
 */
#include "file.h"
#include "../lib/kstring.h"
#include "../mm/kmalloc.h"
#include "../mm/mmap_sources.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "inode.h"
#include "log.h"
#include "pipe.h"

Result<File*> file_alloc()
{
    File* f = make<File>();
    if (!f)
        return Error(ERR_NOMEM);
    return f;
}

File* file_dup(File* f)
{
    f->refcount.fetch_add(1);
    return f;
}

void file_close(File* f)
{
    if (f->refcount.fetch_sub(1) != 1)
        return;
    if (f->ops && f->ops->release)
        f->ops->release(f);
    destroy(f);
}

// ---- inode files: regular files and directories ----------------------------------

namespace {

// The last close of an inode file or a device. What mappings of a file
// wrote reaches the disk at close (docs/mmap.md); the mappings stay.
void release_inode_file(File* f)
{
    if (f->ops == &g_inode_file_ops) {
        (void)file_cache_sync(f->inode);
        if (f->writable)
            inode_put_write_access(f->inode); // taken by open_path
    }
    // The last reference to an unlinked file frees it: an operation.
    FsTransaction op;
    inode_put(f->inode);
}

void stat_inode_file(File* f, struct stat* out)
{
    inode_lock(f->inode);
    inode_stat(f->inode, out);
    inode_unlock(f->inode);
}

// Reads a block's worth at a time into a kernel page under the inode's
// lock, then copies it out with the lock released. A bad destination part
// of the way returns what was copied before it (ERR_FAULT if nothing), and
// the file position covers exactly that.
Result<size_t> read_inode_file(File* f, u64 user_buf, size_t n)
{
    Inode* ip = f->inode;
    u8* bounce = static_cast<u8*>(kmalloc(FS_BLOCK_SIZE));
    if (!bounce)
        return Error(ERR_NOMEM);
    size_t done = 0;
    Result<size_t> status = size_t(0);
    for (;;) {
        inode_lock(ip);
        if (ip->type == T_DIR) {
            inode_unlock(ip);
            status = Error(ERR_ISDIR);
            break;
        }
        if (done == n) {
            inode_unlock(ip);
            break;
        }
        if (current_killed()) { // a long read stops at a kill
            inode_unlock(ip);
            status = Error(ERR_INTR);
            break;
        }
        u64 off = f->offset;
        size_t m = min(n - done, size_t(FS_BLOCK_SIZE - off % FS_BLOCK_SIZE));
        auto r = inode_read(ip, Space::Kernel, u64(bounce), off, m);
        if (r.ok())
            f->offset = off + r.value();
        inode_unlock(ip);
        if (r.is_error()) {
            status = r.error();
            break;
        }
        if (r.value() == 0)
            break; // end of file
        if (auto copied = copy_to_user(user_buf + done, bounce, r.value()); copied.is_error()) {
            // Those bytes were not delivered: give them back to the position
            // (unless another reader of this File moved it meanwhile).
            inode_lock(ip);
            if (f->offset == off + r.value())
                f->offset = off;
            inode_unlock(ip);
            status = copied.error();
            break;
        }
        done += r.value();
        if (r.value() < m)
            break; // end of file
    }
    kfree(bounce);
    if (done)
        return done;
    return status;
}

// Copies up to m bytes from user memory; returns how many bytes arrived.
// All at once normally; if that faults, again in small pieces, stopping at
// the first piece that faults (a bad source part of the way still writes
// what came before it).
size_t copy_in_pieces(u8* dst, u64 user_src, size_t m)
{
    if (copy_from_user(dst, user_src, m).ok())
        return m;
    constexpr size_t PIECE = 256;
    size_t done = 0;
    while (done < m) {
        size_t k = min(m - done, PIECE);
        if (copy_from_user(dst + done, user_src + done, k).is_error())
            break;
        done += k;
    }
    return done;
}

// Copies a chunk from the user into a kernel buffer, then writes it in one
// operation; a bad source part of the way writes what came before it.
Result<size_t> write_inode_file(File* f, u64 user_buf, size_t n)
{
    Inode* ip = f->inode;
    if (n == 0)
        return size_t(0);
    size_t chunk = min(inode_write_chunk(), n);
    u8* bounce = static_cast<u8*>(kmalloc(chunk));
    if (!bounce && chunk > FS_BLOCK_SIZE) {
        chunk = FS_BLOCK_SIZE; // memory is tight: smaller operations
        bounce = static_cast<u8*>(kmalloc(chunk));
    }
    if (!bounce)
        return Error(ERR_NOMEM);
    size_t done = 0;
    Result<size_t> status = size_t(0);
    while (done < n) {
        size_t m = min(n - done, chunk);
        size_t got = copy_in_pieces(bounce, user_buf + done, m);
        Result<size_t> r = Error(ERR_FAULT);
        if (got > 0) {
            FsTransaction op;
            inode_lock(ip);
            if (ip->type == T_DIR) {
                r = Error(ERR_ISDIR);
            } else {
                if (f->append)
                    f->offset = ip->size;
                r = inode_write(ip, Space::Kernel, u64(bounce), f->offset, got);
                if (r.ok())
                    f->offset += r.value();
            }
            inode_unlock(ip);
        }
        if (r.is_error()) {
            status = r.error();
            break;
        }
        done += r.value();
        if (r.value() < m)
            break; // disk full or a bad source address part-way
        if (done < n && current_killed())
            break;
    }
    kfree(bounce);
    if (done)
        return done;
    return status;
}

Result<void> truncate_inode_file(File* f, u64 size)
{
    if (!f->writable)
        return Error(ERR_ACCESS);
    if (size > FS_MAX_FILE_SIZE)
        return Error(ERR_INVAL);
    Inode* ip = f->inode;
    FsTransaction op;
    inode_lock(ip);
    Result<void> r = ip->type == T_FILE ? inode_resize(ip, size) : Result<void>(Error(ERR_INVAL));
    inode_unlock(ip);
    return r;
}

Result<u64> seek_inode_file(File* f, i64 offset, int whence)
{
    Inode* ip = f->inode;
    inode_lock(ip);
    i64 base;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = i64(f->offset);
        break;
    case SEEK_END:
        base = i64(ip->size);
        break;
    default:
        inode_unlock(ip);
        return Error(ERR_INVAL);
    }
    i64 target;
    if (__builtin_add_overflow(base, offset, &target) || target < 0 || u64(target) > FS_MAX_FILE_SIZE) {
        inode_unlock(ip);
        return Error(ERR_INVAL);
    }
    f->offset = u64(target);
    inode_unlock(ip);
    return u64(target);
}

Result<size_t> read_directory(File* f, u64 user_entries, size_t max)
{
    Inode* ip = f->inode;
    // A few entries at a time under the directory's lock, copied out with
    // the lock released (user memory is never touched under an inode lock).
    constexpr size_t BATCH = 8;
    struct dirent batch[BATCH];
    u64 after[BATCH]; // the directory offset just past each entry
    size_t count = 0;
    int error = 0;
    bool at_end = false;
    while (count < max && !at_end && !error) {
        if (current_killed()) { // a long listing stops at a kill
            error = ERR_INTR;
            break;
        }
        inode_lock(ip);
        if (ip->type != T_DIR) {
            inode_unlock(ip);
            return Error(ERR_NOTDIR);
        }
        u64 start = align_up(f->offset, sizeof(DiskDirent));
        u64 off = start;
        size_t n = 0;
        while (n < BATCH && count + n < max) {
            DiskDirent e;
            if (ip->nlink == 0 || off + sizeof(DiskDirent) > ip->size) {
                at_end = true;
                break;
            }
            auto r = inode_read(ip, Space::Kernel, u64(&e), off, sizeof(e));
            if (r.is_error() || r.value() != sizeof(e)) {
                at_end = true;
                break;
            }
            off += sizeof(DiskDirent);
            if (e.ino != 0) {
                batch[n] = {};
                batch[n].ino = e.ino;
                memcpy(batch[n].name, e.name, sizeof(batch[n].name));
                batch[n].name[sizeof(batch[n].name) - 1] = '\0';
                after[n++] = off;
            }
        }
        f->offset = off;
        inode_unlock(ip);
        for (size_t i = 0; i < n; i++) {
            auto put = copy_to_user(user_entries + (count + i) * sizeof(struct dirent), &batch[i], sizeof(batch[i]));
            if (put.is_error()) {
                // Entries from this one on were not delivered: read them again next time.
                error = put.error_code();
                inode_lock(ip);
                f->offset = i == 0 ? start : after[i - 1];
                inode_unlock(ip);
                n = i;
                break;
            }
        }
        count += n;
    }
    if (count == 0 && error)
        return Error(error);
    return count;
}

// ---- devices: the driver of the file's major ----------------------------------------

Result<size_t> read_device(File* f, u64 user_buf, size_t n)
{
    const DeviceOps* ops = device_ops(f->major);
    if (!ops || !ops->read)
        return Error(ERR_INVAL);
    return ops->read(user_buf, n);
}

Result<size_t> write_device(File* f, u64 user_buf, size_t n)
{
    const DeviceOps* ops = device_ops(f->major);
    if (!ops || !ops->write)
        return Error(ERR_INVAL);
    return ops->write(user_buf, n);
}

} // namespace

const FileOps g_inode_file_ops = {
    .read = read_inode_file,
    .write = write_inode_file,
    .stat = stat_inode_file,
    .seek = seek_inode_file,
    .truncate = truncate_inode_file,
    .getdents = read_directory,
    .prepare_mapping = prepare_file_mapping, // kernel/mm/fd_mapping.cc
    .release = release_inode_file,
};

const FileOps g_device_file_ops = {.read = read_device, .write = write_device, .stat = stat_inode_file,
                                   .release = release_inode_file};
