/*
 * Moving bytes between the file system and either kernel or user memory.
 *
 * File-system routines such as inode_read() serve both exec (which reads
 * into kernel buffers) and read() (which reads into user memory). They take
 * a Space saying which kind of address they were given, and go through
 * these helpers, which use the checked user-copy routines for user space.
 * Never call them holding a spin lock (a user copy may fault pages in).
 */
#pragma once

#include "../lib/kstring.h"
#include "../mm/uaccess.h"

enum class Space : u8 { Kernel, User };

inline Result<void> copy_out(Space space, u64 dst, const void* src, size_t n)
{
    if (space == Space::User)
        return copy_to_user(dst, src, n);
    memcpy(reinterpret_cast<void*>(dst), src, n);
    return {};
}

inline Result<void> copy_in(Space space, void* dst, u64 src, size_t n)
{
    if (space == Space::User)
        return copy_from_user(dst, src, n);
    memcpy(dst, reinterpret_cast<const void*>(src), n);
    return {};
}

inline Result<void> zero_out(Space space, u64 dst, size_t n)
{
    if (space == Space::User)
        return clear_user(dst, n);
    memset(reinterpret_cast<void*>(dst), 0, n);
    return {};
}
