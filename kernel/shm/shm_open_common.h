/*
 * What shm_open and shm_open_file share: the check of their common
 * arguments, and the descriptor half of the call.
 */
#pragma once

#include "../fs/file.h"
#include "../mm/uaccess.h"
#include "../uapi/shm.h"
#include "shared_region.h"

// The open flags both calls accept.
constexpr int SHM_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | SHM_PERSIST;

// ERR_INVAL unless oflag, ceiling and size are ones the calls accept.
inline Result<void> shm_check_open_args(int oflag, u32 ceiling, u64 size)
{
    int mode = oflag & O_ACCMODE;
    if ((oflag & ~SHM_OPEN_FLAGS) || (mode != O_RDONLY && mode != O_RDWR) || ceiling > SHM_CEILING_RDONLY ||
        size > SHM_MAX_REGION_SIZE)
        return Error(ERR_INVAL);
    return {};
}

// Takes a descriptor slot, then calls open_region(&created) to find or
// create the region (it returns the region with a transient reference),
// and turns the region into the slot's handle. Returns the descriptor or
// an error code; *created_out (if given; checked writable by the caller)
// says whether the region was created.
//
// The slot comes first: once the region may have been created nothing
// else may fail, or a call that returned ERR_MFILE would leave behind a
// region (a persistent one for good) that its caller never learned about.
// The slot holds a File of kind None until then; the process is
// single-threaded, so nobody can use it.
template <typename OpenRegion> long shm_open_handle(int oflag, u64 created_out, OpenRegion open_region)
{
    File* f = TRY_SYSCALL(file_alloc());
    auto fd = fd_install(f);
    if (fd.is_error()) {
        file_close(f);
        return fd.error_code();
    }
    bool created = false;
    Result<SharedRegion*> opened = open_region(&created);
    if (opened.is_error()) {
        (void)fd_remove(fd.value());
        file_close(f);
        return opened.error_code();
    }
    SharedRegion* r = opened.value();
    {
        SpinlockGuard guard(g_shm_lock);
        shm_handle_opened_locked(r); // the handle's reference
    }
    shm_unref(r); // open_region's transient one
    f->kind = FileKind::SharedRegion;
    f->region = r;
    f->readable = true;
    f->writable = (oflag & O_ACCMODE) == O_RDWR;
    if (created_out)
        (void)put_user(created_out, int(created ? 1 : 0));
    return fd.value();
}
