/*
 * PageCacheStore: a MemStore whose pages live in a page cache indexed by
 * page number (a fixed PageIndex, page_index.h), zero-filled on first use.
 * It backs named shared regions and shared anonymous mappings.
 *
 * Lookups of present pages take no lock: the index is sized once for the
 * largest the store may grow to, so it never moves, and each level is
 * published with a release store and read with an acquire load. Misses
 * take the store's lock (rank Store) to allocate. Pages leave the cache
 * only when the store shrinks (never under a live view) or dies.
 */
#pragma once

#include "../sync/spinlock.h"
#include "mem_store.h"
#include "page_index.h"

class PageCacheStore : public MemStore {
public:
    // A store of `pages` pages that may grow to max_pages.
    static Result<PageCacheStore*> create(u64 pages, u64 max_pages);

    Result<paddr_t> get_page(u64 index) override;
    u64 get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages) override;
    u64 page_count() const override { return m_pages.load(MemoryOrder::Acquire); }
    // Pages currently allocated.
    u64 resident_pages() const override { return m_resident.load(MemoryOrder::Relaxed); }

    // Grows or shrinks; shrinking frees the cut pages (the caller has made
    // sure no view covers them).
    Result<void> resize(u64 pages);

    PageCacheStore(u64 pages, u64 max_pages, Writes writes = Writes::Untracked)
        : MemStore(writes), m_pages(pages), m_max_pages(max_pages),
          m_index((max_pages + PageIndex::LEAF_ENTRIES - 1) / PageIndex::LEAF_ENTRIES)
    {
    }
    ~PageCacheStore() override = default;

protected:
    void release() override;

private:
    void free_pages_from(u64 first);

    Spinlock m_lock{"page_cache", LockRank::Store};
    Atomic<u64> m_pages;
    u64 m_max_pages;
    Atomic<u64> m_resident{0};
    PageIndex m_index; // sized for max_pages: never moves
};
