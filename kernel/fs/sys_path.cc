/*
 * System calls that name files by path: open, mkdir, mknod, link, unlink,
 * chdir. Each runs as one file-system operation (begin_op .. end_op), so a
 * crash leaves it either done or not done, and keeps directory entries and
 * link counts in step.
 *
 * Locks, in order: the operation; a parent directory's lock; then the lock
 * of an entry in it (never two unrelated inodes). An existing inode found
 * by create() is locked only after its directory is unlocked.
 */
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "dir.h"
#include "file.h"
#include "log.h"

namespace {

using PathBuffer = char[FS_PATH_MAX];

Result<void> get_path(u64 user_path, PathBuffer& out)
{
    TRY(copy_string_from_user(out, user_path, FS_PATH_MAX));
    return {};
}

struct Created {
    Inode* ip;    // locked
    bool existed; // the name was taken: ip is what it named
};

// Makes a new inode of `type` at path, or finds what is already there.
// In an operation.
Result<Created> create(const char* path, u16 type, u16 major, u16 minor)
{
    char name[FS_NAME_MAX + 1];
    auto parent = nameiparent(path, name);
    if (parent.error_code() == ERR_INVAL) {
        // No last element: the path names the root, which exists.
        Inode* root = TRY(namei(path));
        inode_lock(root);
        return Created{root, true};
    }
    Inode* dp = TRY(move(parent));
    inode_lock(dp);
    auto existing = dir_lookup(dp, StringView(name), nullptr);
    if (existing.ok()) {
        inode_unlock_put(dp);
        inode_lock(existing.value());
        return Created{existing.value(), true};
    }
    Result<void> status = existing.error_code() == ERR_NOTEXIST ? Result<void>() : existing.error();
    if (status.ok() && dp->nlink == 0)
        status = Error(ERR_NOTEXIST); // the directory was removed
    if (status.ok() && type == T_DIR && dp->nlink == 0xFFFF)
        status = Error(ERR_NORES); // its ".." count would overflow
    if (status.is_error()) {
        inode_unlock_put(dp);
        return status.error();
    }
    auto made = inode_alloc(type);
    if (made.is_error()) {
        inode_unlock_put(dp);
        return made.error();
    }
    Inode* ip = made.value();
    inode_lock(ip);
    ip->major = major;
    ip->minor = minor;
    ip->nlink = 1;
    inode_update(ip);
    if (type == T_DIR) {
        status = dir_link(ip, ".", ip->inum);
        if (status.ok())
            status = dir_link(ip, "..", dp->inum);
    }
    if (status.ok())
        status = dir_link(dp, StringView(name), ip->inum);
    if (status.is_error()) {
        // Undo: with no links, dropping it frees the inode and its blocks.
        ip->nlink = 0;
        inode_update(ip);
        inode_unlock_put(ip);
        inode_unlock_put(dp);
        return status.error();
    }
    if (type == T_DIR) {
        dp->nlink++; // the new directory's ".."
        inode_update(dp);
    }
    inode_unlock_put(dp);
    return Created{ip, false};
}

constexpr int OPEN_FLAGS = O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL | O_APPEND;

// Opens path as one operation; returns the new descriptor.
Result<int> open_path(const char* path, int flags)
{
    int access = flags & O_ACCMODE;
    if ((flags & ~OPEN_FLAGS) || access == O_ACCMODE)
        return Error(ERR_INVAL);
    bool readable = access == O_RDONLY || access == O_RDWR;
    bool writable = access == O_WRONLY || access == O_RDWR;

    FsTransaction op;
    Inode* ip;
    if (flags & O_CREAT) {
        Created c = TRY(create(path, T_FILE, 0, 0));
        ip = c.ip;
        if (c.existed && (flags & O_EXCL)) {
            inode_unlock_put(ip);
            return Error(ERR_EXIST);
        }
    } else {
        ip = TRY(namei(path));
        inode_lock(ip);
    }
    int error = 0;
    if (ip->type == T_DIR && (writable || (flags & (O_CREAT | O_TRUNC))))
        error = ERR_ISDIR;
    else if (ip->type == T_DEVICE && !device_ops(ip->major))
        error = ERR_NOTEXIST; // no driver for this major
    // A writer of a regular file holds write access while it is open:
    // refused (ERR_TXTBSY) while a program runs from the file.
    bool write_access = false;
    if (!error && writable && ip->type == T_FILE) {
        if (auto got = inode_get_write_access(ip); got.is_error())
            error = got.error_code();
        else
            write_access = true;
    }
    File* f = nullptr;
    if (!error) {
        auto allocated = file_alloc();
        if (allocated.is_error())
            error = allocated.error_code();
        else
            f = allocated.value();
    }
    int fd = -1;
    if (!error) {
        auto installed = fd_install(f);
        if (installed.is_error()) {
            error = installed.error_code();
            file_close(f); // no operations yet: frees only the File
        } else {
            fd = installed.value();
        }
    }
    if (!error && (flags & O_TRUNC) && writable && ip->type == T_FILE && ip->size > 0) {
        // Refused (ERR_BUSY) while a mapping covers the file's pages.
        if (auto cut = inode_resize(ip, 0); cut.is_error()) {
            error = cut.error_code();
            MUST(fd_remove(fd)); // installed just above, in this single-threaded process
            file_close(f); // no operations yet: frees only the File
        }
    }
    if (error) {
        if (write_access)
            inode_put_write_access(ip);
        inode_unlock_put(ip);
        return Error(error);
    }
    f->ops = ip->type == T_DEVICE ? &g_device_file_ops : &g_inode_file_ops;
    f->major = ip->major;
    f->inode = ip; // the file keeps our reference
    f->readable = readable;
    f->writable = writable;
    f->append = (flags & O_APPEND) != 0;
    inode_unlock(ip);
    return fd;
}

Result<void> link_path(const char* existing, const char* new_path)
{
    FsTransaction op;
    Inode* ip = TRY(namei(existing));
    inode_lock(ip);
    if (ip->type == T_DIR || ip->nlink == 0xFFFF) {
        int error = ip->type == T_DIR ? ERR_ISDIR : ERR_NORES;
        inode_unlock_put(ip);
        return Error(error);
    }
    ip->nlink++;
    inode_update(ip);
    inode_unlock(ip);

    char name[FS_NAME_MAX + 1];
    Result<void> status;
    auto dp = nameiparent(new_path, name);
    if (dp.is_error()) {
        status = dp.error();
    } else {
        inode_lock(dp.value());
        status = dir_link(dp.value(), StringView(name), ip->inum);
        inode_unlock_put(dp.value());
    }
    if (status.is_error()) {
        inode_lock(ip);
        ip->nlink--;
        inode_update(ip);
        inode_unlock(ip);
    }
    inode_put(ip);
    return status;
}

Result<void> unlink_path(const char* path)
{
    FsTransaction op;
    char name[FS_NAME_MAX + 1];
    Inode* dp = TRY(nameiparent(path, name));
    inode_lock(dp);
    StringView element(name);
    if (element == "." || element == "..") {
        inode_unlock_put(dp);
        return Error(ERR_INVAL);
    }
    u64 offset;
    auto found = dir_lookup(dp, element, &offset);
    if (found.is_error()) {
        inode_unlock_put(dp);
        return found.error();
    }
    Inode* ip = found.value();
    inode_lock(ip);
    if (ip->type == T_DIR && !dir_is_empty(ip)) {
        inode_unlock_put(ip);
        inode_unlock_put(dp);
        return Error(ERR_NOTEMPTY);
    }
    dir_unlink_at(dp, offset);
    if (ip->type == T_DIR) {
        dp->nlink--; // its ".." is gone with it
        inode_update(dp);
    }
    inode_unlock_put(dp);
    if (ip->nlink > 0)
        ip->nlink--;
    inode_update(ip);
    inode_unlock_put(ip); // frees it if that was the last link and reference
    return {};
}

// Makes a directory or device node; ERR_EXIST if the name is taken.
Result<void> make_node(const char* path, u16 type, u16 major, u16 minor)
{
    FsTransaction op;
    Created c = TRY(create(path, type, major, minor));
    inode_unlock_put(c.ip);
    return c.existed ? Result<void>(Error(ERR_EXIST)) : Result<void>();
}

Result<void> change_directory(const char* path)
{
    FsTransaction op;
    Inode* ip = TRY(namei(path));
    inode_lock(ip);
    if (ip->type != T_DIR) {
        inode_unlock_put(ip);
        return Error(ERR_NOTDIR);
    }
    inode_unlock(ip);
    Proc* p = current_proc();
    if (p->cwd)
        inode_put(p->cwd);
    p->cwd = ip;
    return {};
}

} // namespace

Result<long> sys_open(const SyscallArgs& args)
{
    PathBuffer path;
    TRY(get_path(args[0], path));
    return TRY(open_path(path, args.as_int(1)));
}

Result<long> sys_mkdir(const SyscallArgs& args)
{
    PathBuffer path;
    TRY(get_path(args[0], path));
    TRY(make_node(path, T_DIR, 0, 0));
    return 0;
}

Result<long> sys_mknod(const SyscallArgs& args)
{
    PathBuffer path;
    TRY(get_path(args[0], path));
    // The user prototype passes shorts: look only at their 16 bits.
    i16 major = i16(args[1]);
    u16 minor = u16(args[2]);
    if (major <= 0 || major >= i16(NDEV))
        return Error(ERR_INVAL);
    TRY(make_node(path, T_DEVICE, u16(major), minor));
    return 0;
}

Result<long> sys_link(const SyscallArgs& args)
{
    PathBuffer existing, new_path;
    TRY(get_path(args[0], existing));
    TRY(get_path(args[1], new_path));
    TRY(link_path(existing, new_path));
    return 0;
}

Result<long> sys_unlink(const SyscallArgs& args)
{
    PathBuffer path;
    TRY(get_path(args[0], path));
    TRY(unlink_path(path));
    return 0;
}

Result<long> sys_chdir(const SyscallArgs& args)
{
    PathBuffer path;
    TRY(get_path(args[0], path));
    TRY(change_directory(path));
    return 0;
}
