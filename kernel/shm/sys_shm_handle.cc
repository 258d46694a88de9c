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
Result<SharedRegion*> open_or_create(StringView name, int oflag, u64 size, u32 ceiling, bool* created)
{
    Proc* me = current_proc();
    bool want_write = (oflag & O_ACCMODE) == O_RDWR;
    SharedRegion* to_free = nullptr;
    Result<SharedRegion*> result = Error(ERR_NOTEXIST);
    {
        SpinlockGuard guard(g_shm_lock);
        SharedRegion* r = shm_find_locked(name);
        if (r) {
            int error = 0;
            if ((oflag & O_CREAT) && (oflag & O_EXCL))
                error = ERR_EXIST;
            else if (want_write && !shm_may_write(r, me->pid))
                error = ERR_ACCESS;
            if (error) {
                bool must_free = false;
                shm_unref_locked(r, &must_free);
                if (must_free)
                    to_free = r; // everyone else let go while we looked
                result = Error(error);
            } else {
                *created = false;
                result = r;
            }
        } else if (oflag & O_CREAT) {
            ShmCreate how;
            how.size = size;
            how.persistent = oflag & SHM_PERSIST;
            how.readonly_ceiling = ceiling == SHM_CEILING_RDONLY;
            result = shm_create_locked(name, how);
            *created = result.ok();
        }
    }
    if (to_free)
        shm_free(to_free);
    return result;
}

SharedRegion* region_of_file(File* f) { return f->kind == FileKind::SharedRegion ? f->region : nullptr; }
} // namespace

long sys_shm_open(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsTooLong));
    int oflag = args.as_int(1);
    u64 size = args[2];
    u32 ceiling = u32(args[3]);
    u64 created_out = args[4];
    TRY_SYSCALL(shm_check_open_args(oflag, ceiling, size));
    if (created_out)
        TRY_SYSCALL(put_user(created_out, 0));
    return shm_open_handle(oflag, created_out, [&](bool* created) {
        return open_or_create(name.view(), oflag, size, ceiling, created);
    });
}

long sys_shm_unlink(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsTooLong));
    SharedRegion* r;
    {
        SpinlockGuard guard(g_shm_lock);
        r = shm_find_locked(name.view());
        if (!r)
            return ERR_NOTEXIST;
        shm_unlink_locked(r);
    }
    shm_unref(r);
    return ERR_OK;
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

long sys_ftruncate(const SyscallArgs& args)
{
    File* f = TRY_SYSCALL(fd_get(args.as_int(0)));
    u64 size = args[1];
    if (f->kind == FileKind::Inode)
        return to_syscall_return(file_truncate(f, size)); // a regular file (docs/mmap.md)
    SharedRegion* r = region_of_file(f);
    if (!r)
        return ERR_INVAL; // pipes and devices have no size to set
    if (!f->writable)
        return ERR_ACCESS;
    if (size > SHM_MAX_REGION_SIZE)
        return ERR_INVAL;
    if (r->file)
        return to_syscall_return(shm_file_region_resize(r, size));
    u64 new_size = page_round_up(size);
    SpinlockGuard guard(g_shm_lock);
    if (new_size > r->size) {
        // Charged now, so a first touch never fails for lack of quota.
        TRY_SYSCALL(shm_quota_charge_locked(new_size - r->size));
        r->quota_bytes += new_size - r->size;
    } else if (new_size < r->size) {
        if (view_covers_from(r, new_size / PAGE_SIZE) || r->mappings_in_progress > 0)
            return ERR_BUSY;
        shm_quota_release_locked(r->size - new_size);
        r->quota_bytes -= r->size - new_size;
    }
    TRY_SYSCALL(r->store->resize(new_size / PAGE_SIZE));
    r->size = new_size;
    return ERR_OK;
}

// ---- what the file layer and mmap call ------------------------------------

void shm_finish_mapping(MemRegion* shape)
{
    SharedRegion* r = static_cast<RegionStore*>(shape->store)->region;
    SpinlockGuard guard(g_shm_lock);
    if (--r->mappings_in_progress == 0 && r->views == 0)
        r->views_gone.wake_all();
}

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
        r->mappings_in_progress++;
    }
    shape->kind = RegionKind::SharedView;
    shape->max_prot = max_prot;
    shape->store = r->store;
    shape->store_offset = offset;
    r->store->ref();
    return {};
}
