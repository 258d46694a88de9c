/*
 * Open files: what a file descriptor refers to.
 *
 * A File is shared by every descriptor that dup() or fork() made from the
 * same open(); it dies with its last reference. Its operations (FileOps,
 * as DeviceOps for a device's driver) say what is behind it: a pipe end,
 * an inode (regular file or directory), a device, or an object of another
 * subsystem, such as a named shared-memory region (kernel/shm, which
 * brings its own table: the file layer knows nothing of it).
 */
#pragma once

#include "../lib/atomic.h"
#include "../lib/result.h"
#include "../uapi/fcntl.h"

struct File;
struct Pipe;
struct Inode;
struct MemRegion;
struct stat;

// What the system calls on a descriptor do, for one kind of open file. An
// operation left out answers ERR_INVAL (getdents: ERR_NOTDIR; pipes and
// devices, for example, are not mappable); the rights checks common to
// every kind (a read needs a readable descriptor) happen before the
// operation is called.
struct FileOps {
    Result<size_t> (*read)(File* f, u64 user_buf, size_t n) = nullptr;
    Result<size_t> (*write)(File* f, u64 user_buf, size_t n) = nullptr;
    void (*stat)(File* f, struct stat* out) = nullptr;
    Result<u64> (*seek)(File* f, i64 offset, int whence) = nullptr;
    Result<void> (*truncate)(File* f, u64 size) = nullptr;
    Result<size_t> (*getdents)(File* f, u64 user_entries, size_t max) = nullptr;
    // mmap: fills in the view's store and rights (shape->shared and prot
    // are the caller's request); finish_mapping, if set, is called once
    // the view has been added, or has failed to be.
    Result<void> (*prepare_mapping)(File* f, u64 offset, u64 length, u32 prot, MemRegion* shape) = nullptr;
    void (*finish_mapping)(MemRegion* shape) = nullptr;
    // The last close: let go of what is behind the file.
    void (*release)(File* f) = nullptr;
};

// Rights a descriptor carries; they can only shrink (dup keeps them).
enum FileRights : u32 {
    RIGHT_READ = 1,
    RIGHT_WRITE = 2,
};

struct File {
    Atomic<u32> refcount{1};
    const FileOps* ops = nullptr;  // null while the file is being set up
    bool readable = false;
    bool writable = false;
    bool append = false;
    u16 major = 0;                 // a device
    Pipe* pipe = nullptr;          // a pipe end
    Inode* inode = nullptr;        // an inode or a device
    void* object = nullptr;        // what another subsystem's FileOps work on
    u64 offset = 0;                // an inode: protected by the inode's lock
};

// The operations of pipe ends, inodes (regular files and directories) and
// devices; a subsystem that makes descriptors of its own defines its own.
extern const FileOps g_pipe_file_ops;
extern const FileOps g_inode_file_ops;
extern const FileOps g_device_file_ops;

// The inode behind a regular file's or directory's descriptor; nullptr for
// pipes, devices and everything else.
inline Inode* file_inode(const File* f) { return f->ops == &g_inode_file_ops ? f->inode : nullptr; }

// A new File with refcount 1 and no operations yet, or ERR_NOMEM/ERR_MFILE.
Result<File*> file_alloc();
File* file_dup(File* f);
// Drops one reference; the last one releases what is behind the file.
void file_close(File* f);

// The system calls on a descriptor: the checks every kind shares, then the
// file's operation. (Inline: read and write are on the hot paths of pipes
// and files.)
inline Result<size_t> file_read(File* f, u64 user_buf, size_t n)
{
    if (!f->readable || !f->ops)
        return Error(ERR_BADF);
    if (!f->ops->read)
        return Error(ERR_INVAL); // a shared region: map it instead
    return f->ops->read(f, user_buf, n);
}

inline Result<size_t> file_write(File* f, u64 user_buf, size_t n)
{
    if (!f->writable || !f->ops)
        return Error(ERR_BADF);
    if (!f->ops->write)
        return Error(ERR_INVAL);
    return f->ops->write(f, user_buf, n);
}

inline Result<void> file_stat(File* f, struct stat* out)
{
    if (!f->ops || !f->ops->stat)
        return Error(ERR_BADF);
    f->ops->stat(f, out);
    return {};
}

inline Result<u64> file_seek(File* f, i64 offset, int whence)
{
    if (!f->ops || !f->ops->seek)
        return Error(ERR_INVAL); // pipes and devices have no position
    return f->ops->seek(f, offset, whence);
}

// ftruncate: a regular file's (inode_resize: ERR_ACCESS without write
// rights, ERR_BUSY if shrinking would cut pages a mapping covers), or a
// shared region's (docs/shm.md).
inline Result<void> file_truncate(File* f, u64 size)
{
    if (!f->ops || !f->ops->truncate)
        return Error(ERR_INVAL); // pipes and devices have no size to set
    return f->ops->truncate(f, size);
}

// Fills up to max struct dirent at user_entries from a directory, from its
// offset on; returns how many (0 at the end). ERR_NOTDIR for other files.
inline Result<size_t> file_getdents(File* f, u64 user_entries, size_t max)
{
    if (!f->ops || !f->ops->getdents)
        return Error(ERR_NOTDIR);
    if (!f->readable)
        return Error(ERR_BADF);
    return f->ops->getdents(f, user_entries, max);
}

// Character devices (mknod majors): read and write move bytes between the
// device and user memory.
struct DeviceOps {
    Result<size_t> (*read)(u64 user_dst, size_t n);
    Result<size_t> (*write)(u64 user_src, size_t n);
};
constexpr u16 NDEV = 16; // majors 1 .. NDEV-1
void register_device(u16 major, const DeviceOps* ops);
// The driver of a major, or nullptr if none is registered.
const DeviceOps* device_ops(u16 major);
// The devices every file system has (device.cc, console_device.cc),
// registered at mount.
void register_null_device();
void register_console_device();

// The current process's descriptor table.
Result<int> fd_install(File* f);      // lowest free slot; ERR_MFILE if full
Result<File*> fd_get(int fd);         // ERR_BADF for a bad or closed fd
// Takes fd out of the table and returns its File (the caller closes it).
Result<File*> fd_remove(int fd);
// For fork and exit: copies the current process's table into a child
// (each File gains a reference), and closes every descriptor.
struct Proc;
void fd_copy_table(Proc* child);
void fd_close_all();
