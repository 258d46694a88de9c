/*
 * PageCacheStore: a MemStore whose pages live in a two-level page cache
 * indexed by page number, zero-filled on first use. It backs named shared
 * regions and shared anonymous mappings.
 *
 * Lookups of present pages take no lock: each level is published with a
 * release store and read with an acquire load. Misses take the store's
 * lock (rank Store) to allocate. Pages leave the cache only when the store
 * shrinks (never under a live view) or dies.
 */
#pragma once

#include "../sync/spinlock.h"
#include "mem_store.h"

class PageCacheStore : public MemStore {
public:
    static constexpr u64 LEAF_ENTRIES = PAGE_SIZE / sizeof(paddr_t); // 512 pages per leaf

    // A store of `pages` pages that may grow to max_pages.
    static Result<PageCacheStore*> create(u64 pages, u64 max_pages);

    Result<paddr_t> get_page(u64 index) override;
    u64 page_count() const override { return m_pages.load(MemoryOrder::Acquire); }
    // Pages currently allocated.
    u64 resident_pages() const override { return m_resident.load(MemoryOrder::Relaxed); }

    // Grows or shrinks; shrinking frees the cut pages (the caller has made
    // sure no view covers them).
    Result<void> resize(u64 pages);

    PageCacheStore() = default;
    ~PageCacheStore() override = default;

protected:
    void release() override;

private:
    Result<void> init(u64 pages, u64 max_pages);
    void free_pages_from(u64 first);

    Spinlock m_lock{"page_cache", LockRank::Store};
    Atomic<u64> m_pages{0};
    u64 m_max_pages = 0;
    Atomic<u64> m_resident{0};
    // m_leaf_count leaf pointers, allocated with the first page.
    Atomic<Atomic<paddr_t*>*> m_leaves{nullptr};
    u64 m_leaf_count = 0;
};
