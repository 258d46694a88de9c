/*
 * The File layer: what read(), write(), fstat(), lseek() and close() do
 * for each kind of open file. Each entry point dispatches on File::kind;
 * FileKind::SharedRegion descriptors belong to kernel/shm: closing one
 * drops its reference on the region, fstat reports the region's size, and
 * reading or writing one is ERR_INVAL (map it instead).
 *
 * Invariants: kind, readable, writable, append and the object pointers
 * are set once when the file is opened and never change, so they need no
 * lock; refcount is atomic; an inode file's offset is read and changed
 * only under the inode's lock.
 *
 * Writes to inode files are split into chunks of inode_write_chunk()
 * bytes, each its own operation, so a large write never overflows the log
 * (a crash may then leave a prefix of it on disk, as on Unix).
 *
 * Locks: begin_op, then the inode's sleep lock; pipes take their own spin
 * lock. Nothing here holds a spin lock while copying to or from the user.
 */
#include "file.h"
#include "../shm/shared_region.h"
#include "../lib/kstring.h"
#include "../mm/kmalloc.h"
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
    switch (f->kind) {
    case FileKind::Pipe:
        pipe_close(f->pipe, f->writable ? PipeEnd::Write : PipeEnd::Read);
        break;
    case FileKind::Inode:
    case FileKind::Device: {
        // The last reference to an unlinked file frees it: an operation.
        FsTransaction op;
        inode_put(f->inode);
        break;
    }
    case FileKind::SharedRegion:
        shm_file_release(f); // drops the handle's reference on the region
        break;
    case FileKind::None:
        break;
    }
    destroy(f);
}

namespace {

Result<size_t> read_inode_file(File* f, u64 user_buf, size_t n)
{
    Inode* ip = f->inode;
    inode_lock(ip);
    if (ip->type == T_DIR) {
        inode_unlock(ip);
        return Error(ERR_ISDIR);
    }
    auto r = inode_read(ip, Space::User, user_buf, f->offset, n);
    if (r.ok())
        f->offset += r.value();
    inode_unlock(ip);
    return r;
}

Result<size_t> write_inode_file(File* f, u64 user_buf, size_t n)
{
    Inode* ip = f->inode;
    size_t chunk = inode_write_chunk();
    size_t done = 0;
    while (done < n) {
        size_t m = min(n - done, chunk);
        Result<size_t> r = size_t(0);
        {
            FsTransaction op;
            inode_lock(ip);
            if (ip->type == T_DIR) {
                r = Error(ERR_ISDIR);
            } else {
                if (f->append)
                    f->offset = ip->size;
                r = inode_write(ip, Space::User, user_buf + done, f->offset, m);
                if (r.ok())
                    f->offset += r.value();
            }
            inode_unlock(ip);
        }
        if (r.is_error())
            return done ? Result<size_t>(done) : r.error();
        done += r.value();
        if (r.value() < m)
            break; // disk full or a bad source address part-way
        if (done < n && current_killed())
            break;
    }
    return done;
}

} // namespace

Result<size_t> file_read(File* f, u64 user_buf, size_t n)
{
    if (!f->readable)
        return Error(ERR_BADF);
    switch (f->kind) {
    case FileKind::Pipe:
        return pipe_read(f->pipe, user_buf, n);
    case FileKind::Inode:
        return read_inode_file(f, user_buf, n);
    case FileKind::Device: {
        const DeviceOps* ops = device_ops(f->major);
        if (!ops || !ops->read)
            return Error(ERR_INVAL);
        return ops->read(user_buf, n);
    }
    case FileKind::SharedRegion:
        return Error(ERR_INVAL);
    case FileKind::None:
        break;
    }
    return Error(ERR_BADF);
}

Result<size_t> file_write(File* f, u64 user_buf, size_t n)
{
    if (!f->writable)
        return Error(ERR_BADF);
    switch (f->kind) {
    case FileKind::Pipe:
        return pipe_write(f->pipe, user_buf, n);
    case FileKind::Inode:
        return write_inode_file(f, user_buf, n);
    case FileKind::Device: {
        const DeviceOps* ops = device_ops(f->major);
        if (!ops || !ops->write)
            return Error(ERR_INVAL);
        return ops->write(user_buf, n);
    }
    case FileKind::SharedRegion:
        return Error(ERR_INVAL);
    case FileKind::None:
        break;
    }
    return Error(ERR_BADF);
}

Result<void> file_stat(File* f, struct stat* out)
{
    switch (f->kind) {
    case FileKind::Pipe:
        pipe_stat(f->pipe, out);
        return {};
    case FileKind::Inode:
    case FileKind::Device:
        inode_lock(f->inode);
        inode_stat(f->inode, out);
        inode_unlock(f->inode);
        return {};
    case FileKind::SharedRegion:
        shm_file_stat(f, out);
        return {};
    case FileKind::None:
        break;
    }
    return Error(ERR_BADF);
}

Result<u64> file_seek(File* f, i64 offset, int whence)
{
    if (f->kind != FileKind::Inode)
        return Error(ERR_INVAL); // pipes and devices have no position
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

Result<size_t> file_getdents(File* f, u64 user_entries, size_t max)
{
    if (f->kind != FileKind::Inode)
        return Error(ERR_NOTDIR);
    if (!f->readable)
        return Error(ERR_BADF);
    Inode* ip = f->inode;
    inode_lock(ip);
    if (ip->type != T_DIR) {
        inode_unlock(ip);
        return Error(ERR_NOTDIR);
    }
    size_t count = 0;
    int error = 0;
    u64 off = align_up(f->offset, sizeof(DiskDirent));
    while (count < max && ip->nlink > 0 && off + sizeof(DiskDirent) <= ip->size) {
        DiskDirent e;
        auto r = inode_read(ip, Space::Kernel, u64(&e), off, sizeof(e));
        if (r.is_error() || r.value() != sizeof(e))
            break;
        if (e.ino != 0) {
            struct dirent d {};
            d.ino = e.ino;
            memcpy(d.name, e.name, sizeof(d.name));
            d.name[sizeof(d.name) - 1] = '\0';
            if (auto put = copy_to_user(user_entries + count * sizeof(d), &d, sizeof(d)); put.is_error()) {
                error = put.error_code();
                break;
            }
            count++;
        }
        off += sizeof(DiskDirent);
    }
    f->offset = off;
    inode_unlock(ip);
    if (count == 0 && error)
        return Error(error);
    return count;
}
