/*
 * RegionStore (see region_store.h): a region's views, counted on the
 * region, and the store its pages come from.
 *
 * Locks: on_view_added/removed take g_shm_lock (rank ShmTable), after the
 * pages' store has done its part (a file's store takes its own lock and may
 * write back, which sleeps). They are called with the viewing address
 * space's lock held.
 */
#include "region_store.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "../mm/page_cache_store.h"
#include "shared_region.h"

Result<RegionStore*> RegionStore::create(SharedRegion* r, u64 pages, u64 max_pages, MemStore* backing)
{
    PageCacheStore* own = nullptr;
    if (!backing)
        own = TRY(PageCacheStore::create(pages, max_pages));
    RegionStore* store = make<RegionStore>(r, backing ? backing : own, own);
    if (!store) {
        if (own)
            own->unref();
        return Error(ERR_NOMEM); // the caller still owns `backing`
    }
    return store;
}

Result<void> RegionStore::resize(u64 pages)
{
    if (!m_own)
        return Error(ERR_INVAL);
    return m_own->resize(pages);
}

void RegionStore::on_view_added(AddressSpace* as, MemRegion* view)
{
    m_pages->on_view_added(as, view); // a file's store tracks writes through it
    SpinlockGuard guard(g_shm_lock);
    SharedRegion* r = region;
    view->store_link.insert_before(&r->views_list);
    r->views++;
    r->refs++;
}

void RegionStore::on_view_removed(AddressSpace* as, MemRegion* view)
{
    m_pages->on_view_removed(as, view); // a file's store writes back what the view wrote
    SharedRegion* r = region;
    bool must_free = false;
    {
        SpinlockGuard guard(g_shm_lock);
        view->store_link.unlink();
        r->views--;
        // Losing its last view of a region, a process loses the region's lock.
        if (as->owner && !shm_space_has_view_locked(r, as))
            region_lock_abandon(r, as->owner);
        if (r->views == 0)
            r->views_gone.wake_all();
        shm_unref_locked(r, &must_free);
    }
    if (must_free)
        shm_free(r);
}

void RegionStore::release()
{
    m_pages->unref();
    ::destroy(this);
}
