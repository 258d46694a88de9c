/*
 * Named regions backed by a file (Windows CreateFileMapping on a file
 * handle): shm_open_file, and ftruncate of such a region's handle. See
 * docs/mmap.md.
 *
 * A file-backed region is a SharedRegion like any other (the name table,
 * references, views, handles, the region lock, persistence and every call
 * of docs/shm.md work on it unchanged), with three differences:
 *   - its store (region_store.h) takes its pages from the file's
 *     FileStore, so the region's memory is the file's page cache: what
 *     views write reaches the file (written back as for any mapping of the
 *     file) and outlives the region;
 *   - it holds a reference to the file's inode (SharedRegion::file) and is
 *     not charged to the shared-memory quota: its pages are file cache;
 *   - it cannot give more than the descriptor it was made from: over a
 *     file opened read-only it is read-only for everyone, its creator
 *     included (SharedRegion::readonly_file, shm_may_write).
 * The region's size is fixed at creation (the file's size rounded up to
 * pages, or the size asked for, which grows the file) and changes only
 * through ftruncate of a handle; the file may be shorter than the region
 * if someone truncates it, and the pages past its end are then
 * inaccessible, as in any mapping of the file.
 *
 * Locks: as sys_shm_handle.cc. The file is grown and its store found
 * before the table lock is taken (both sleep); a resize takes the region's
 * state_lock around the size alone, never across the file's growth.
 */
#include "../fs/file.h"
#include "../fs/inode.h"
#include "../fs/log.h"
#include "../mm/address_space.h"
#include "../mm/file_store.h"
#include "../mm/uaccess.h"
#include "../fs/fs_glue.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"
#include "shm_common.h"
#include "shm_open_common.h"

// ---- shm_open_file -----------------------------------------------------------------

// LAB(mmap) begin: shm_open_file_refuses
namespace {

// Whether an existing region may be opened this way. Caller holds r's
// table lock.
Result<void> may_open_locked(SharedRegion* r, int oflag, Inode* ip)
{
    kassert(shm_table_lock(r).is_held());
    if ((oflag & O_CREAT) && (oflag & O_EXCL))
        return Error(ERR_EXIST);
    if (r->file != ip)
        return Error(ERR_INCOMP); // a region of that name exists over other memory
    if ((oflag & O_ACCMODE) == O_RDWR && !shm_may_write(r, current_proc()->pid))
        return Error(ERR_ACCESS);
    return {};
}

// Looks the name up: ok if the region exists and may be opened this way,
// ERR_NOTEXIST if the name is free. *found receives what the lookup found,
// with a transient reference. Caller holds shm_table_lock(name), and
// drops *found after releasing it.
Result<void> find_locked(StringView name, int oflag, Inode* ip, RegionRef* found)
{
    *found = shm_find_locked(name);
    if (!*found)
        return Error(ERR_NOTEXIST);
    return may_open_locked(found->get(), oflag, ip);
}

struct FileRequest {
    Inode* ip;
    int oflag;
    u64 size;        // bytes asked for, 0 for the file's size
    u32 ceiling;
    bool fd_writable;
};

// Makes sure the file holds `size` bytes (a hole if it grows) and returns
// the region size; ERR_INVAL for an empty region, ERR_ACCESS if the file
// would have to grow through a read-only descriptor.
Result<u64> prepare_file(const FileRequest& req)
{
    Inode* ip = req.ip;
    FsTransaction op;
    inode_lock(ip);
    Result<u64> result = page_round_up(req.size ? req.size : ip->size);
    if (req.size > ip->size) {
        if (!req.fd_writable)
            result = Error(ERR_ACCESS);
        else if (auto grown = inode_resize(ip, req.size); grown.is_error())
            result = grown.error();
    }
    inode_unlock(ip);
    if (result.ok() && (result.value() == 0 || result.value() > SHM_MAX_REGION_SIZE))
        return Error(ERR_INVAL);
    return result;
}

Result<RegionRef> open_or_create(StringView name, const FileRequest& req, bool* created)
{
    *created = false;
    {
        RegionRef found; // dropped after the guard unless handed to the caller
        SpinlockGuard guard(shm_table_lock(name));
        auto usable = find_locked(name, req.oflag, req.ip, &found);
        if (usable.ok())
            return move(found);
        if (usable.error_code() != ERR_NOTEXIST || !(req.oflag & O_CREAT))
            return usable.error();
    }

    // Creating: grow the file if asked and take the references the region
    // will hold (its store and its inode), all before the table lock.
    u64 size = TRY(prepare_file(req));
    inode_lock(req.ip);
    auto store = FileStore::get(req.ip);
    inode_unlock(req.ip);
    FileStore* backing = TRY(store);
    Inode* file = inode_dup(req.ip);
    // A writable region can change the file for as long as it lives: it
    // holds write access, which the writable descriptor it is made from
    // already has (so this cannot fail).
    if (req.fd_writable)
        MUST(inode_get_write_access(file));

    RegionRef region;
    Result<void> opened;
    {
        SpinlockGuard guard(shm_table_lock(name));
        // Someone may have created the name while we were growing the file.
        opened = find_locked(name, req.oflag, req.ip, &region);
        if (opened.error_code() == ERR_NOTEXIST) {
            ShmCreate how;
            how.size = size;
            how.persistent = req.oflag & SHM_PERSIST;
            how.readonly_ceiling = req.ceiling == SHM_CEILING_RDONLY;
            how.readonly_file = !req.fd_writable; // the region cannot give more than the file
            how.backing = backing;
            how.file = file;
            auto made = shm_create_locked(name, how);
            opened = made.is_error() ? Result<void>(made.error()) : Result<void>();
            if (made.ok()) {
                region = made.release_value();
                *created = true;
            }
        }
    }
    if (!*created) {
        // The region did not take them over.
        backing->unref();
        if (req.fd_writable)
            inode_put_write_access(file);
        fs_inode_put(file);
    }
    TRY(opened);
    return move(region);
}
} // namespace

// shm_open_file(name, fd, oflag, size, ceiling, created): opens the region
// `name`, creating it over the regular file open as fd if it does not exist
// and O_CREAT says so; returns a handle (a descriptor) as shm_open does.
Result<long> sys_shm_open_file(const SyscallArgs& args)
{
    ShmOpenArgs open;
    TRY(open.read(args, 2));
    int mode = open.oflag & O_ACCMODE;
    File* source = TRY(fd_get(args.as_int(1)));
    Inode* ip = file_inode(source);
    if (!ip)
        return Error(ERR_INVAL); // pipes, devices and region handles have no file to back a region
    // The handle's rights may not exceed the descriptor's.
    if (!source->readable || (mode == O_RDWR && !source->writable))
        return Error(ERR_ACCESS);
    inode_lock(ip);
    u16 type = ip->type;
    inode_unlock(ip);
    if (type != T_FILE)
        return Error(type == T_DIR ? ERR_ISDIR : ERR_INVAL);
    if (open.created_out)
        TRY(put_user(open.created_out, 0));

    FileRequest req{ip, open.oflag, open.size, open.ceiling, source->writable};
    return shm_open_handle(open.oflag, open.created_out,
                           [&](bool* created) { return open_or_create(open.name.view(), req, created); });
}
// LAB(mmap) end

// ---- ftruncate of a handle ------------------------------------------------------

namespace {
// Sets the region's size unless a view covers a part that would go
// (ERR_BUSY); returns the old size.
Result<u64> set_region_size(SharedRegion* r, u64 new_size)
{
    SpinlockGuard guard(r->state_lock);
    if (new_size < r->size) {
        // As for any region: not while a view covers the part that goes.
        if (r->mappings_in_progress > 0)
            return Error(ERR_BUSY);
        for (ListNode* n = r->views_list.next; n != &r->views_list; n = n->next) {
            MemRegion* v = container_of(n, MemRegion, store_link);
            if ((v->store_offset + v->length()) > new_size)
                return Error(ERR_BUSY);
        }
    }
    u64 old = r->size;
    r->size = new_size;
    return old;
}
} // namespace

Result<void> shm_file_region_resize(SharedRegion* r, u64 size)
{
    u64 new_size = page_round_up(size);
    // A shrink the views refuse must change nothing, the file included, so
    // the region's size is settled first; a grow waits for the file, so
    // that no view of the region reaches past the file's end meanwhile.
    bool shrinking;
    {
        SpinlockGuard guard(r->state_lock);
        shrinking = new_size < r->size;
    }
    u64 old_size = 0;
    if (shrinking)
        old_size = TRY(set_region_size(r, new_size));
    // Growing the region past the end of the file grows the file (a hole).
    Result<void> grown;
    {
        FsTransaction op;
        inode_lock(r->file);
        if (size > r->file->size)
            grown = inode_resize(r->file, size);
        inode_unlock(r->file);
    }
    if (grown.is_error()) {
        if (shrinking)
            MUST(set_region_size(r, old_size)); // growing back is always allowed
        return grown;
    }
    if (!shrinking)
        TRY(set_region_size(r, new_size));
    return {};
}
