/*
 * The original interface (DESIGN.md 5.1): createSharedRegion,
 * destroySharedRegion, createMapping, destroyMapping, lockSharedRegion,
 * unlockSharedRegion.
 *
 * Names are 1 to SHM_NAME_MAX bytes; here an empty or too long name is
 * ERR_INVAL (the handle interface says ERR_NAMETOOLONG).
 */
#include "../console/printk.h"
#include "../mm/address_space.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"
#include "shm_common.h"

// LAB(shm) begin: original_calls_nosys
namespace {
// Reads the name every call of this interface takes first.
Result<void> read_name_arg(const SyscallArgs& args, ShmName* name)
{
    return name->read_from_user(args[0], NameTooLong::IsInvalid);
}
} // namespace

Result<long> sys_createSharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY(read_name_arg(args, &name));
    u64 size = args[1];
    int flags = args.as_int(2);
    if (size == 0 || size > SHM_MAX_REGION_SIZE || (flags & ~RS_PERSIST))
        return Error(ERR_INVAL);
    ShmCreate how;
    how.size = size;
    how.persistent = flags & RS_PERSIST;
    how.creator_ref = true;
    ShmRegionMemory memory; // goes back after the guard unless used
    memory.prepare(size);
    how.memory = &memory;
    RegionRef created; // ours goes at the end: the creator's (and name's) references keep the region
    SpinlockGuard guard(shm_table_lock(name.view()));
    created = TRY(shm_create_locked(name.view(), how));
    return 0;
}

Result<long> sys_destroySharedRegion(const SyscallArgs& args)
{
    ShmName name;
    TRY(read_name_arg(args, &name));
    AddressSpace* as = current_proc()->address_space;
    RegionRef r;
    {
        SpinlockGuard guard(shm_table_lock(name.view()));
        r = shm_find_locked(name.view());
        if (!r)
            return Error(ERR_NOTEXIST);
        {
            SpinlockGuard state(r->state_lock);
            if (shm_space_has_view_locked(r.get(), as))
                return Error(ERR_INVAL);
        }
        // The name goes at once; a create of the same name makes a new region.
        bool was_last = shm_unlink_locked(r.get());
        kassert(!was_last); // our reference keeps r
    }
    // Wait, holding no lock across the sleep, until every view is gone,
    // including those that createMapping calls which found the name before
    // we unlinked it are still adding.
    SpinlockGuard guard(r->state_lock);
    while (r->views > 0 || r->mappings_in_progress > 0)
        TRY(r->views_gone.wait(r->state_lock, WaitMode::Killable));
    return 0;
}

Result<long> sys_createMapping(const SyscallArgs& args)
{
    ShmName name;
    TRY(read_name_arg(args, &name));
    u64 out = args[1];
    // Check the result pointer first, so a bad one changes nothing.
    TRY(put_user(out, u64(0)));
    Proc* me = current_proc();
    RegionRef r;
    u64 size;
    {
        SpinlockGuard guard(shm_table_lock(name.view()));
        r = shm_find_locked(name.view());
        if (!r)
            return Error(ERR_NOTEXIST);
        // Found by name: a destroyer that unlinks the name from now on must
        // also wait for the view we are about to add. And until the view
        // is there, a shrinking ftruncate must not cut what it will cover.
        SpinlockGuard state(r->state_lock);
        shm_begin_mapping_locked(r.get());
        size = r->size;
    }
    Result<u64> mapped = Error(ERR_ACCESS);
    if (shm_may_write(r.get(), me->pid))
        mapped = map_region_view(r.get(), 0, size, PROT_READ | PROT_WRITE, true, PROT_READ | PROT_WRITE, 0, false);
    shm_end_mapping(r.get());
    r.reset();
    u64 address = TRY(mapped);
    if (auto stored = put_user(out, address); stored.is_error()) {
        unmap_view_at(me->address_space, address);
        return stored.error();
    }
    return 0;
}

Result<long> sys_destroyMapping(const SyscallArgs& args)
{
    ShmName name;
    TRY(read_name_arg(args, &name));
    AddressSpace* as = current_proc()->address_space;
    SleepLockGuard guard(as->lock());
    MemRegion* view = as->find_region(args[1]);
    SharedRegion* r = view ? shm_region_of_view(as, args[1]) : nullptr;
    // The view's region must carry this name (it may have been unlinked
    // since: a mapping of it keeps working for its user).
    if (!r || !(r->name() == name.view()))
        return Error(ERR_NOTEXIST);
    // mprotect or munmap may have split the view: remove all its pieces.
    u64 id = view->mapping_id;
    MemRegion* piece = as->first_region();
    while (piece) {
        MemRegion* next = as->next_region(piece);
        if (piece->mapping_id == id)
            as->remove_region(piece);
        piece = next;
    }
    return 0;
}

namespace {
// lockSharedRegion and unlockSharedRegion: `op` on the region the caller
// views under that name.
Result<long> on_viewed_region(const SyscallArgs& args, Result<void> (*op)(SharedRegion* r))
{
    ShmName name;
    TRY(read_name_arg(args, &name));
    RegionRef r = TRY(find_viewed_region(name.view()));
    TRY(op(r.get()));
    return 0;
}
} // namespace

Result<long> sys_lockSharedRegion(const SyscallArgs& args) { return on_viewed_region(args, region_lock_acquire); }

Result<long> sys_unlockSharedRegion(const SyscallArgs& args) { return on_viewed_region(args, region_lock_release); }
// LAB(shm) end
