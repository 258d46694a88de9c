/*
 * The handle interface (DESIGN.md 5.2): shm_open, shm_unlink, ftruncate,
 * and what the file layer and mmap need to know about shared-region
 * descriptors.
 *
 * A descriptor's rights come from its open mode and can only shrink: a
 * non-creator opener may not exceed the region's creation-time ceiling,
 * and a view may not exceed its descriptor's rights (the view's max_prot
 * keeps mprotect from upgrading it later).
 */
#include "../fs/file.h"
#include "../mm/address_space.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"
#include "shm_common.h"
#include "shm_open_common.h"

namespace {
// Opens or creates the region; on success *created says which.
Result<RegionRef> open_or_create(StringView name, int oflag, u64 size, u32 ceiling, bool* created)
{
    *created = false;
    RegionRef r; // dropped after the guard unless handed to the caller
    SpinlockGuard guard(g_shm_lock);
    r = shm_find_locked(name);
    if (r) {
        if ((oflag & O_CREAT) && (oflag & O_EXCL))
            return Error(ERR_EXIST);
        if ((oflag & O_ACCMODE) == O_RDWR && !shm_may_write(r.get(), current_proc()->pid))
            return Error(ERR_ACCESS);
        return move(r);
    }
    if (!(oflag & O_CREAT))
        return Error(ERR_NOTEXIST);
    ShmCreate how;
    how.size = size;
    how.persistent = oflag & SHM_PERSIST;
    how.readonly_ceiling = ceiling == SHM_CEILING_RDONLY;
    r = TRY(shm_create_locked(name, how));
    *created = true;
    return move(r);
}

SharedRegion* region_of_file(File* f) { return f->kind == FileKind::SharedRegion ? f->region : nullptr; }
} // namespace

Result<long> sys_shm_open(const SyscallArgs& args)
{
    ShmOpenArgs open = TRY(shm_open_args(args, 1));
    if (open.created_out)
        TRY(put_user(open.created_out, 0));
    return shm_open_handle(open.oflag, open.created_out, [&](bool* created) {
        return open_or_create(open.name.view(), open.oflag, open.size, open.ceiling, created);
    });
}

Result<long> sys_shm_unlink(const SyscallArgs& args)
{
    ShmName name = TRY(ShmName::from_user(args[0], NameTooLong::IsTooLong));
    RegionRef r; // dropped after the guard
    SpinlockGuard guard(g_shm_lock);
    r = shm_find_locked(name.view());
    if (!r)
        return Error(ERR_NOTEXIST);
    shm_unlink_locked(r.get());
    return 0;
}

namespace {
// True if some view of r covers a page at or above `first_page`. Caller
// holds g_shm_lock.
bool view_covers_from(SharedRegion* r, u64 first_page)
{
    for (ListNode* n = r->views_list.next; n != &r->views_list; n = n->next) {
        MemRegion* v = container_of(n, MemRegion, store_link);
        if ((v->store_offset + v->length()) / PAGE_SIZE > first_page)
            return true;
    }
    return false;
}
} // namespace

Result<long> sys_ftruncate(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    u64 size = args[1];
    if (f->kind == FileKind::Inode) {
        TRY(file_truncate(f, size)); // a regular file (docs/mmap.md)
        return 0;
    }
    SharedRegion* r = region_of_file(f);
    if (!r)
        return Error(ERR_INVAL); // pipes and devices have no size to set
    if (!f->writable)
        return Error(ERR_ACCESS);
    if (size > SHM_MAX_REGION_SIZE)
        return Error(ERR_INVAL);
    if (r->file) {
        TRY(shm_file_region_resize(r, size));
        return 0;
    }
    u64 new_size = page_round_up(size);
    SpinlockGuard guard(g_shm_lock);
    if (new_size > r->size) {
        // Charged now, so a first touch never fails for lack of quota.
        TRY(shm_quota_charge_locked(new_size - r->size));
        r->quota_bytes += new_size - r->size;
    } else if (new_size < r->size) {
        if (view_covers_from(r, new_size / PAGE_SIZE) || r->mappings_in_progress > 0)
            return Error(ERR_BUSY);
        shm_quota_release_locked(r->size - new_size);
        r->quota_bytes -= r->size - new_size;
    }
    TRY(r->store->resize(new_size / PAGE_SIZE));
    r->size = new_size;
    return 0;
}

// ---- what the file layer and mmap call ------------------------------------

void shm_finish_mapping(MemRegion* shape) { shm_end_mapping(static_cast<RegionStore*>(shape->store)->region); }

void shm_file_release(File* f) { shm_handle_closed(f->region); }

void shm_file_stat(File* f, struct stat* st)
{
    SharedRegion* r = f->region;
    *st = {};
    st->type = T_SHM;
    st->nlink = 1;
    SpinlockGuard guard(g_shm_lock);
    st->size = r->size;
}

Result<void> shm_prepare_mapping(File* f, u64 offset, u64 length, u32 prot, bool shared, MemRegion* shape)
{
    SharedRegion* r = f->region;
    u64 end;
    if (!is_aligned(offset, PAGE_SIZE) || add_overflows(offset, length, &end))
        return Error(ERR_INVAL);
    // A shared view writes the region: only through a writable handle. A
    // private view's writes stay private, as POSIX allows.
    u32 max_prot = PROT_READ | PROT_EXEC;
    if (f->writable || !shared)
        max_prot |= PROT_WRITE;
    if (prot & ~max_prot)
        return Error(ERR_ACCESS);
    {
        SpinlockGuard guard(g_shm_lock);
        if (end > r->size)
            return Error(ERR_INVAL);
        // Until the view exists (shm_finish_mapping), a shrinking ftruncate
        // must not cut what it will cover.
        shm_begin_mapping_locked(r);
    }
    shape->kind = RegionKind::SharedView;
    shape->max_prot = max_prot;
    shape->store = r->store;
    shape->store_offset = offset;
    r->store->ref();
    return {};
}
