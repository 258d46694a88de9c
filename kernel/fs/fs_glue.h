/*
 * The few file-system operations the process code needs (exec, fork, exit,
 * the first process), in one place, on top of kernel/fs.
 */
#pragma once

#include "../lib/result.h"

struct Inode;

// Mounts the root file system; runs in the first process (it may sleep).
void fs_mount_root();
// The root directory, referenced.
Inode* fs_root_inode();
// Looks up `path` relative to the current process's cwd and checks that it
// is a regular file; returns it referenced. ERR_NOTEXIST, ERR_ISDIR, ERR_NOEXEC.
Result<Inode*> fs_open_executable(const char* path);
// Reads from a regular file into kernel memory; returns the bytes read.
Result<size_t> fs_read_inode(Inode* ip, void* dst, u64 offset, size_t n);
u64 fs_inode_size(Inode* ip);
Inode* fs_inode_dup(Inode* ip);
// Drops a reference (inside a file-system transaction).
void fs_inode_put(Inode* ip);
// A program segment's reference to its file: a reference that also keeps
// writers out while the program runs (ERR_TXTBSY if the file is open for
// writing). Another segment's reference can always be copied.
Result<Inode*> fs_program_ref(Inode* ip);
void fs_program_unref(Inode* ip);
