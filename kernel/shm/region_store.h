/*
 * RegionStore: the MemStore of a named shared region, what every view of
 * the region maps. It is a page cache of the region's own (a
 * PageCacheStore, zero-filled, sized by ftruncate), with the region's
 * bookkeeping added: each view coming or going is counted on the region
 * (references, the per-process view list that lockSharedRegion and exit
 * rely on), under the region's state_lock.
 *
 * FileRegionStore is the store of a region made over a file
 * (shm_open_file, sys_shm_file.cc): its pages are the file's page cache
 * (its FileStore), so what views write reaches the file; every page and
 * write-tracking question goes to that store as it is, and the region's
 * bookkeeping is the same. One class per kind, so neither asks "which
 * kind am I?" on every call, and a region's own pages are one virtual
 * call from a fault away, as any store's.
 *
 * Lifetime: each view and the region itself hold a reference; a
 * FileRegionStore holds one on the file's store. `region` is cleared when
 * the region is freed (shm_free); views that outlive it keep the pages.
 */
#pragma once

#include "../mm/page_cache_store.h"

struct SharedRegion;

class RegionStore : public PageCacheStore {
public:
    // A store for r: over `backing` (a file's store, whose reference it
    // takes over), or with a page cache of its own of `pages` pages that
    // may grow to max_pages.
    static Result<RegionStore*> create(SharedRegion* r, u64 pages, u64 max_pages, MemStore* backing);

    SharedRegion* region = nullptr;

    void on_view_added(AddressSpace* as, MemRegion* view) override;
    void on_view_removed(AddressSpace* as, MemRegion* view) override;

    RegionStore(SharedRegion* r, u64 pages, u64 max_pages, Writes writes = Writes::Untracked)
        : PageCacheStore(pages, max_pages, writes), region(r)
    {
    }
};

class FileRegionStore final : public RegionStore {
public:
    // Tracks writes exactly when the file's store does.
    FileRegionStore(SharedRegion* r, MemStore* file)
        : RegionStore(r, 0, 0, file->tracks_writes() ? Writes::Tracked : Writes::Untracked), m_file(file)
    {
    }

    void on_view_added(AddressSpace* as, MemRegion* view) override;
    void on_view_removed(AddressSpace* as, MemRegion* view) override;

    Result<paddr_t> get_page(u64 index) override { return m_file->get_page(index); }
    u64 get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages) override
    {
        return m_file->get_resident_pages(first, count, want, pages);
    }
    u64 page_count() const override { return m_file->page_count(); }
    u64 resident_pages() const override { return m_file->resident_pages(); }
    const MemStore* identity() const override { return m_file->identity(); }
    Result<PageWriteGuard> begin_write(u64 index) override { return m_file->begin_write(index); }
    Result<void> write_back(u64 first, u64 end) override { return m_file->write_back(first, end); }
    u64 dirty_pages(u64 first, u64 end) override { return m_file->dirty_pages(first, end); }
    bool with_dirty_state(u64 index, DirtyCheck check, void* context) override
    {
        return m_file->with_dirty_state(index, check, context);
    }

protected:
    void release() override;

private:
    MemStore* m_file; // the file's store (referenced)
};
