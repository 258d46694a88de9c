/*
 * Views of shared regions, and names copied in from user memory.
 */
#include "../mm/address_space.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "shared_region.h"
#include "shm_common.h"

Result<void> ShmName::read_from_user(u64 user_name, NameTooLong mode)
{
    auto n = copy_string_from_user(m_name, user_name, sizeof m_name);
    if (n.is_error()) {
        if (n.error_code() == ERR_NAMETOOLONG && mode == NameTooLong::IsInvalid)
            return Error(ERR_INVAL);
        return n.error();
    }
    if (n.value() == 0)
        return Error(ERR_INVAL);
    m_length = n.value();
    return {};
}

Result<u64> map_region_view(SharedRegion* r, u64 offset, u64 length, u32 prot, bool shared, u32 max_prot,
                            u64 address, bool fixed)
{
    MemRegion shape;
    shape.kind = RegionKind::SharedView;
    shape.prot = prot;
    shape.max_prot = max_prot;
    shape.shared = shared;
    shape.store = r->store;
    shape.store_offset = offset;
    r->store->ref();
    AddressSpace* as = current_proc()->address_space;
    SleepLockGuard guard(as->lock());
    auto view = as->add_region(address, length, fixed, shape);
    if (view.is_error()) {
        r->store->unref();
        return view.error();
    }
    return view.value()->start;
}

void unmap_view_at(AddressSpace* as, u64 address)
{
    SleepLockGuard guard(as->lock());
    if (MemRegion* view = as->find_region(address))
        as->remove_region(view);
}

Result<RegionRef> find_viewed_region(StringView name)
{
    AddressSpace* as = current_proc()->address_space;
    {
        RegionRef live; // dropped after the guards if this process has no view of it
        SpinlockGuard guard(shm_table_lock(name));
        live = shm_find_locked(name);
        if (live) {
            SpinlockGuard state(live->state_lock);
            if (shm_space_has_view_locked(live.get(), as))
                return move(live);
        }
    }
    // An unlinked region this process still maps answers to its old name.
    SleepLockGuard guard(as->lock());
    for (MemRegion* v = as->first_region(); v; v = as->next_region(v)) {
        if (v->kind != RegionKind::SharedView)
            continue;
        SharedRegion* r = static_cast<RegionStore*>(v->store)->region;
        if (r && r->name() == name)
            return RegionRef::take(r); // the view's reference keeps r alive
    }
    return Error(ERR_NOTEXIST);
}
