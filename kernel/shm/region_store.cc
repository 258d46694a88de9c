/*
 * RegionStore and FileRegionStore (see region_store.h): a region's views,
 * counted on the region, and where its pages come from.
 *
 * Locks: on_view_added/removed take the region's state_lock (rank
 * RegionState), and the table lock only to drop a last reference; a file's
 * store does its part first (it takes its own lock, and may write back,
 * which sleeps). They are called with the viewing address space's lock
 * held.
 */
#include "region_store.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "shared_region.h"

Result<RegionStore*> RegionStore::create(SharedRegion* r, u64 pages, u64 max_pages, MemStore* backing)
{
    // The index of a cache of its own comes with its first page: a region
    // nobody touches costs no kernel memory beyond this object.
    RegionStore* store = backing ? make<FileRegionStore>(r, backing) : make<RegionStore>(r, pages, max_pages);
    if (!store)
        return Error(ERR_NOMEM); // the caller still owns `backing`
    return store;
}

void RegionStore::on_view_added(AddressSpace*, MemRegion* view)
{
    shm_ref(region); // the mapping call (or the fork) holds one already
    SpinlockGuard guard(region->state_lock);
    view->store_link.insert_before(&region->views_list);
    region->views++;
}

void RegionStore::on_view_removed(AddressSpace* as, MemRegion* view)
{
    SharedRegion* r = region;
    {
        SpinlockGuard guard(r->state_lock);
        view->store_link.unlink();
        r->views--;
        // LAB(shm) begin
        // Losing its last view of a region, a process loses the region's lock.
        if (as->owner && !shm_space_has_view_locked(r, as))
            region_lock_abandon(r, as->owner);
        // LAB(shm) end
        if (r->views == 0)
            r->views_gone.wake_all();
    }
    shm_unref(r); // the view's: may free r
}

void FileRegionStore::on_view_added(AddressSpace* as, MemRegion* view)
{
    m_file->on_view_added(as, view); // the file tracks writes through it
    RegionStore::on_view_added(as, view);
}

void FileRegionStore::on_view_removed(AddressSpace* as, MemRegion* view)
{
    m_file->on_view_removed(as, view); // writes back what the view wrote
    RegionStore::on_view_removed(as, view);
}

void FileRegionStore::release()
{
    m_file->unref();
    PageCacheStore::release(); // its own cache is empty; this frees the object
}
