/*
 * Host stand-ins for what the file-system sources need beyond fakes.cc:
 * a real Proc for current_proc() (the file system reads its descriptor
 * table and cwd), and the user-copy routines of mm/uaccess.h.
 *
 * On the host a "user address" is simply a host pointer, so the copies are
 * memcpy, except that addresses below FS_HOST_BAD_LIMIT (the null page and
 * a little more) count as unmapped and give ERR_FAULT, which is how the
 * tests exercise the kernel's bad-pointer paths. The copy routines are
 * weak, so a richer fake elsewhere takes precedence.
 *
 * A regular file's mmap and its page cache live in kernel/mm, which the
 * file-system tests do not link: weak stand-ins that are never reached
 * (no test maps a file) fill the gap, and the real ones win where
 * kernel/mm joins the host build.
 */
#include <doctest/doctest.h>

#include <string.h>

#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/mm/mmap_sources.h"
#include "kernel/mm/uaccess.h"
#include "kernel/console/printk.h"
#include "kernel/proc/proc.h"

namespace {
constexpr u64 FS_HOST_BAD_LIMIT = 0x10000;

Proc g_fs_test_proc;

bool bad_range(u64 address, size_t n)
{
    u64 end;
    return address < FS_HOST_BAD_LIMIT || add_overflows(address, n, &end);
}
} // namespace

// The one process file-system tests run as (its files[] and cwd are real).
Proc* current_proc() { return &g_fs_test_proc; }

__attribute__((weak)) Result<void> copy_from_user(void* dst, u64 user_src, size_t n)
{
    if (n == 0)
        return {};
    if (bad_range(user_src, n))
        return Error(ERR_FAULT);
    memcpy(dst, reinterpret_cast<const void*>(user_src), n);
    return {};
}

__attribute__((weak)) Result<void> copy_to_user(u64 user_dst, const void* src, size_t n)
{
    if (n == 0)
        return {};
    if (bad_range(user_dst, n))
        return Error(ERR_FAULT);
    memcpy(reinterpret_cast<void*>(user_dst), src, n);
    return {};
}

__attribute__((weak)) Result<size_t> copy_string_from_user(char* dst, u64 user_src, size_t max)
{
    if (max == 0)
        return Error(ERR_INVAL);
    if (user_src < FS_HOST_BAD_LIMIT)
        return Error(ERR_FAULT);
    const char* src = reinterpret_cast<const char*>(user_src);
    for (size_t i = 0; i < max; i++) {
        dst[i] = src[i];
        if (src[i] == '\0')
            return i;
    }
    dst[max - 1] = '\0';
    return Error(ERR_NAMETOOLONG);
}

__attribute__((weak)) Result<void> clear_user(u64 user_dst, size_t n)
{
    if (n == 0)
        return {};
    if (bad_range(user_dst, n))
        return Error(ERR_FAULT);
    memset(reinterpret_cast<void*>(user_dst), 0, n);
    return {};
}

__attribute__((weak)) Result<void> prepare_file_mapping(File*, u64, u64, u32, MemRegion*)
{
    panic("fs host tests: prepare_file_mapping without kernel/mm/fd_mapping.cc");
}

// The page cache of mapped files lives in kernel/mm (file_store.cc), which
// the host build does not link. No host test maps a file, so Inode::cache
// stays null and these are never reached; closing a file asks for a sync,
// which has nothing to do.
__attribute__((weak)) Result<void> file_cache_sync(Inode*) { return {}; }
__attribute__((weak)) Result<bool> file_cache_read(FileStore*, u64, Space, u64, size_t)
{
    panic("fs host tests: file_cache_read without kernel/mm/file_store.cc");
}
__attribute__((weak)) void file_cache_wrote(FileStore*, u64, const void*, size_t)
{
    panic("fs host tests: file_cache_wrote without kernel/mm/file_store.cc");
}
__attribute__((weak)) void file_cache_extend(FileStore*, u64)
{
    panic("fs host tests: file_cache_extend without kernel/mm/file_store.cc");
}
__attribute__((weak)) void file_cache_resized(FileStore*, u64)
{
    panic("fs host tests: file_cache_resized without kernel/mm/file_store.cc");
}
__attribute__((weak)) Result<void> file_cache_shrink(FileStore*, u64)
{
    panic("fs host tests: file_cache_shrink without kernel/mm/file_store.cc");
}
__attribute__((weak)) void file_cache_drop(FileStore*)
{
    panic("fs host tests: file_cache_drop without kernel/mm/file_store.cc");
}
