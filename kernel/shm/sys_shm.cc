/*
 * The original interface (DESIGN.md 5.1): createSharedRegion,
 * destroySharedRegion, createMapping, destroyMapping, lockSharedRegion,
 * unlockSharedRegion.
 *
 * Names are 1 to SHM_NAME_MAX bytes; here an empty or too long name is
 * ERR_INVAL (the handle interface says ERR_NAMETOOLONG).
 */
#include "../mm/address_space.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"
#include "shm_common.h"

long sys_createSharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    u64 size = args[1];
    int flags = args.as_int(2);
    if (size == 0 || size > SHM_MAX_REGION_SIZE || (flags & ~RS_PERSIST))
        return ERR_INVAL;
    ShmCreate how;
    how.size = size;
    how.persistent = flags & RS_PERSIST;
    how.creator_ref = true;
    SharedRegion* r;
    {
        SpinlockGuard guard(g_shm_lock);
        r = TRY_SYSCALL(shm_create_locked(name.view(), how));
    }
    shm_unref(r); // the creator's (and name's) references keep it
    return ERR_OK;
}

long sys_destroySharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    AddressSpace* as = current_proc()->address_space;
    SharedRegion* r;
    {
        SpinlockGuard guard(g_shm_lock);
        r = shm_find_locked(name.view());
        if (!r)
            return ERR_NOTEXIST;
        if (shm_space_has_view_locked(r, as)) {
            bool must_free = false;
            shm_unref_locked(r, &must_free); // cannot be the last: our view holds one
            return ERR_INVAL;
        }
        // The name goes at once; a create of the same name makes a new region.
        shm_unlink_locked(r);
    }
    // Wait, holding no lock across the sleep, until every view is gone,
    // including those that createMapping calls which found the name before
    // we unlinked it are still adding.
    long result = ERR_OK;
    {
        SpinlockGuard guard(g_shm_lock);
        while (r->views > 0 || r->mappings_in_progress > 0) {
            auto waited = r->views_gone.wait(g_shm_lock, WaitMode::Killable);
            if (waited.is_error()) {
                result = waited.error_code();
                break;
            }
        }
    }
    shm_unref(r);
    return result;
}

long sys_createMapping(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    u64 out = args[1];
    // Check the result pointer first, so a bad one changes nothing.
    TRY_SYSCALL(put_user(out, u64(0)));
    Proc* me = current_proc();
    SharedRegion* r;
    {
        SpinlockGuard guard(g_shm_lock);
        r = shm_find_locked(name.view());
        if (!r)
            return ERR_NOTEXIST;
        // Found by name: a destroyer that unlinks the name from now on must
        // also wait for the view we are about to add.
        r->mappings_in_progress++;
    }
    Result<u64> mapped = Error(ERR_ACCESS);
    if (shm_may_write(r, me->pid))
        mapped = map_region_view(r, 0, r->size, PROT_READ | PROT_WRITE, true, PROT_READ | PROT_WRITE, 0, false);
    {
        SpinlockGuard guard(g_shm_lock);
        if (--r->mappings_in_progress == 0 && r->views == 0)
            r->views_gone.wake_all(); // no view came of it after all
    }
    shm_unref(r);
    u64 address = TRY_SYSCALL(mapped);
    if (auto stored = put_user(out, address); stored.is_error()) {
        unmap_view_at(me->address_space, address);
        return stored.error_code();
    }
    return ERR_OK;
}

long sys_destroyMapping(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    AddressSpace* as = current_proc()->address_space;
    SleepLockGuard guard(as->lock());
    MemRegion* view = as->find_region(args[1]);
    SharedRegion* r = view ? shm_region_of_view(as, args[1]) : nullptr;
    // The view's region must carry this name (it may have been unlinked
    // since: a mapping of it keeps working for its user).
    if (!r || !(r->name() == name.view()))
        return ERR_NOTEXIST;
    // mprotect or munmap may have split the view: remove all its pieces.
    u64 id = view->mapping_id;
    MemRegion* piece = as->first_region();
    while (piece) {
        MemRegion* next = as->next_region(piece);
        if (piece->mapping_id == id)
            as->remove_region(piece);
        piece = next;
    }
    return ERR_OK;
}

long sys_lockSharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    SharedRegion* r = TRY_SYSCALL(find_viewed_region(name.view()));
    auto locked = region_lock_acquire(r);
    shm_unref(r);
    return to_syscall_return(move(locked));
}

long sys_unlockSharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY_SYSCALL(name.copy_in(args[0], NameTooLong::IsInvalid));
    SharedRegion* r = TRY_SYSCALL(find_viewed_region(name.view()));
    auto unlocked = region_lock_release(r);
    shm_unref(r);
    return to_syscall_return(move(unlocked));
}
