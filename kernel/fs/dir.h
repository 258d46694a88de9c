/*
 * Directories and path names.
 *
 * A directory is an inode of type T_DIR whose contents are DiskDirent
 * slots (layout.h); a slot with ino 0 is free. Path names are resolved one
 * element at a time from the root ("/...") or from the calling process's
 * current directory, locking one directory at a time, so lookups of
 * different paths never deadlock.
 *
 * Path rules: elements are separated by one or more '/'; an element longer
 * than FS_NAME_MAX gives ERR_NAMETOOLONG; a missing element ERR_NOTEXIST;
 * a non-directory in the middle ERR_NOTDIR; the empty path ERR_NOTEXIST.
 * A directory that has been removed (nlink 0) contains nothing, not even
 * "." and "..".
 *
 * namei() and nameiparent() may drop the last reference to an inode, so
 * they run inside an operation (begin_op/end_op).
 */
#pragma once

#include "../lib/string_view.h"
#include "inode.h"

constexpr size_t FS_PATH_MAX = 256; // bytes of a path, its NUL included

// In directory dp (locked): the inode called name, referenced and unlocked;
// if offset is not null, the byte offset of its entry. ERR_NOTEXIST.
Result<Inode*> dir_lookup(Inode* dp, StringView name, u64* offset);
// Adds the entry name -> inum to dp (locked), in an operation. ERR_EXIST if
// the name is taken, ERR_NOSPC if the directory cannot grow.
Result<void> dir_link(Inode* dp, StringView name, u32 inum);
// Clears the entry at offset (from dir_lookup). dp locked, in an operation.
void dir_unlink_at(Inode* dp, u64 offset);
// True if dp (locked) holds nothing but "." and "..".
bool dir_is_empty(Inode* dp);

// The inode a path names, referenced and unlocked.
Result<Inode*> namei(const char* path);
// The directory holding a path's last element, referenced and unlocked,
// and the element itself in name (FS_NAME_MAX + 1 bytes). ERR_INVAL if the
// path has no last element ("/").
Result<Inode*> nameiparent(const char* path, char* name);
