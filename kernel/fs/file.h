/*
 * Open files: what a file descriptor refers to.
 *
 * A File is shared by every descriptor that dup() or fork() made from the
 * same open(); it dies with its last reference. Its kind says what is
 * behind it: a pipe end, an inode (regular file or directory), a device,
 * or a named shared-memory region (kernel/shm).
 */
#pragma once

#include "../lib/atomic.h"
#include "../lib/result.h"
#include "../uapi/fcntl.h"

struct Pipe;
struct Inode;
struct SharedRegion;

enum class FileKind : u8 { None, Pipe, Inode, Device, SharedRegion };

// Rights a descriptor carries; they can only shrink (dup keeps them).
enum FileRights : u32 {
    RIGHT_READ = 1,
    RIGHT_WRITE = 2,
};

struct File {
    Atomic<u32> refcount{1};
    FileKind kind = FileKind::None;
    bool readable = false;
    bool writable = false;
    bool append = false;
    u16 major = 0;                 // Device
    Pipe* pipe = nullptr;          // Pipe
    Inode* inode = nullptr;        // Inode, Device
    SharedRegion* region = nullptr; // SharedRegion
    u64 offset = 0;                // Inode: protected by the inode's lock
};

// A new File with refcount 1 and kind None, or ERR_NOMEM/ERR_MFILE.
Result<File*> file_alloc();
File* file_dup(File* f);
// Drops one reference; the last one releases what is behind the file.
void file_close(File* f);

Result<size_t> file_read(File* f, u64 user_buf, size_t n);
Result<size_t> file_write(File* f, u64 user_buf, size_t n);
Result<void> file_stat(File* f, struct stat* out);
Result<u64> file_seek(File* f, i64 offset, int whence);
// ftruncate of a regular file (inode_resize): ERR_ACCESS without write
// rights, ERR_BUSY if shrinking would cut pages a mapping covers.
Result<void> file_truncate(File* f, u64 size);
// Fills up to max struct dirent at user_entries from a directory, from its
// offset on; returns how many (0 at the end). ERR_NOTDIR for other files.
Result<size_t> file_getdents(File* f, u64 user_entries, size_t max);

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
