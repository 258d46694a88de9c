/*
 * RegionStore: the MemStore of a named shared region, what every view of
 * the region maps. Its pages are elsewhere: the region's own page cache (a
 * PageCacheStore, zero-filled, sized by ftruncate), or, for a region made
 * over a file (shm_open_file, sys_shm_file.cc), the file's page cache (its
 * FileStore), so that the file's pages are the region's memory and what
 * views write reaches the file. Every page and write-tracking question is
 * passed to that store as it is.
 *
 * What the RegionStore adds is the region's own bookkeeping: each view
 * coming or going is counted on the region (references, the per-process
 * view list that lockSharedRegion and exit rely on), under g_shm_lock.
 *
 * Lifetime: each view and the region itself hold a reference; the store
 * holds one on its pages' store. `region` is cleared when the region is
 * freed (shm_free); views that outlive it keep the pages.
 */
#pragma once

#include "../mm/mem_store.h"

class PageCacheStore;
struct SharedRegion;

class RegionStore final : public MemStore {
public:
    // A store for r: over `backing` (a file's store, whose reference it
    // takes over), or with a page cache of its own of `pages` pages that
    // may grow to max_pages.
    static Result<RegionStore*> create(SharedRegion* r, u64 pages, u64 max_pages, MemStore* backing);

    SharedRegion* region = nullptr;

    // Grows or shrinks a region's own page cache (not a file-backed one's:
    // the file's size is the file system's business).
    Result<void> resize(u64 pages);

    void on_view_added(AddressSpace* as, MemRegion* view) override;
    void on_view_removed(AddressSpace* as, MemRegion* view) override;

    // Everything else is the pages' store's.
    Result<paddr_t> get_page(u64 index) override { return m_pages->get_page(index); }
    u64 page_count() const override { return m_pages->page_count(); }
    u64 resident_pages() const override { return m_pages->resident_pages(); }
    const MemStore* identity() const override { return m_pages->identity(); }
    bool tracks_writes() const override { return m_pages->tracks_writes(); }
    Result<PageWriteGuard> begin_write(u64 index) override { return m_pages->begin_write(index); }
    Result<void> write_back(u64 first, u64 end) override { return m_pages->write_back(first, end); }
    u64 dirty_pages(u64 first, u64 end) override { return m_pages->dirty_pages(first, end); }
    bool with_dirty_state(u64 index, DirtyCheck check, void* context) override
    {
        return m_pages->with_dirty_state(index, check, context);
    }

    RegionStore(SharedRegion* r, MemStore* pages, PageCacheStore* own) : region(r), m_pages(pages), m_own(own) {}

protected:
    void release() override;

private:
    MemStore* m_pages;      // where the pages are (referenced)
    PageCacheStore* m_own;  // m_pages when it is the region's own cache, else null
};
