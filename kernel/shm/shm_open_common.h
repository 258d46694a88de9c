/*
 * What shm_open and shm_open_file share: their common arguments, and the
 * descriptor half of the call.
 */
#pragma once

#include "../fs/file.h"
#include "../mm/uaccess.h"
#include "../trap/syscall.h"
#include "../uapi/shm.h"
#include "shared_region.h"
#include "shm_common.h"

// The open flags both calls accept.
constexpr int SHM_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | SHM_PERSIST;

// The arguments both calls take: the name first, then from argument `at`
// on oflag, size, ceiling and where to report whether the region was
// created. read() fills them in place (see ShmName) and says ERR_INVAL
// unless oflag, ceiling and size are ones the calls accept.
struct ShmOpenArgs {
    ShmName name;
    int oflag;
    u64 size;
    u32 ceiling;
    u64 created_out;

    Result<void> read(const SyscallArgs& args, int at)
    {
        TRY(name.read_from_user(args[0], NameTooLong::IsTooLong));
        oflag = args.as_int(at);
        size = args[at + 1];
        ceiling = u32(args[at + 2]);
        created_out = args[at + 3];
        int mode = oflag & O_ACCMODE;
        if ((oflag & ~SHM_OPEN_FLAGS) || (mode != O_RDONLY && mode != O_RDWR) || ceiling > SHM_CEILING_RDONLY ||
            size > SHM_MAX_REGION_SIZE)
            return Error(ERR_INVAL);
        return {};
    }
};

// Takes a descriptor slot, then calls open_region(&created) to find or
// create the region (it returns the region with a transient reference),
// and turns the region into the slot's handle. Returns the descriptor;
// *created_out (if given; checked writable by the caller) says whether the
// region was created.
//
// The slot comes first: once the region may have been created nothing
// else may fail, or a call that returned ERR_MFILE would leave behind a
// region (a persistent one for good) that its caller never learned about.
// The slot holds a File without operations until then; the process is
// single-threaded, so nobody can use it.
template <typename OpenRegion> Result<long> shm_open_handle(int oflag, u64 created_out, OpenRegion open_region)
{
    File* f = TRY(file_alloc());
    auto fd = fd_install(f);
    if (fd.is_error()) {
        file_close(f);
        return fd.error();
    }
    bool created = false;
    Result<RegionRef> opened = open_region(&created);
    if (opened.is_error()) {
        MUST(fd_remove(fd.value()));
        file_close(f);
        return opened.error();
    }
    RegionRef r = opened.release_value(); // open_region's transient reference, dropped at the end
    shm_handle_opened(r.get());           // the handle's reference
    f->ops = &g_shm_file_ops;
    f->object = r.get();
    f->readable = true;
    f->writable = (oflag & O_ACCMODE) == O_RDWR;
    if (created_out)
        (void)put_user(created_out, int(created ? 1 : 0));
    return fd.value();
}
