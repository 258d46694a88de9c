/*
 * PageCacheStore (see page_cache_store.h).
 */
#include "page_cache_store.h"
#include "../lib/kstring.h"
#include "kmalloc.h"
#include "mmap_sources.h"
#include "page_alloc.h"
#include "phys.h"

Result<PageCacheStore*> PageCacheStore::create(u64 pages, u64 max_pages)
{
    auto* store = make<PageCacheStore>();
    if (!store)
        return Error(ERR_NOMEM);
    if (auto r = store->init(pages, max_pages); r.is_error()) {
        ::destroy(store);
        return r.error();
    }
    return store;
}

Result<void> PageCacheStore::init(u64 pages, u64 max_pages)
{
    if (pages > max_pages)
        return Error(ERR_INVAL);
    m_max_pages = max_pages;
    m_leaf_count = (max_pages + LEAF_ENTRIES - 1) / LEAF_ENTRIES;
    // The array of leaf pointers comes with the first page: a region (or a
    // shared mapping) nobody touches costs no kernel memory beyond its own
    // object, however large it may grow.
    m_pages.store(pages);
    return {};
}

Result<paddr_t> PageCacheStore::get_page(u64 index)
{
    if (index >= m_pages.load(MemoryOrder::Acquire))
        return Error(ERR_RANGE);
    u64 leaf_index = index / LEAF_ENTRIES, slot = index % LEAF_ENTRIES;
    Atomic<paddr_t*>* leaves = m_leaves.load(MemoryOrder::Acquire);
    paddr_t* leaf = leaves ? leaves[leaf_index].load(MemoryOrder::Acquire) : nullptr;
    if (leaf) {
        paddr_t pa = __atomic_load_n(&leaf[slot], __ATOMIC_ACQUIRE);
        if (pa) {
            page_get(pa); // the caller's
            return pa;
        }
    }
    SpinlockGuard guard(m_lock);
    if (index >= m_pages.load(MemoryOrder::Relaxed))
        return Error(ERR_RANGE);
    leaves = m_leaves.load(MemoryOrder::Relaxed);
    if (!leaves) {
        leaves = static_cast<Atomic<paddr_t*>*>(kzalloc(m_leaf_count * sizeof(paddr_t*)));
        if (!leaves)
            return Error(ERR_NOMEM);
        m_leaves.store(leaves, MemoryOrder::Release);
    }
    leaf = leaves[leaf_index].load(MemoryOrder::Relaxed);
    if (!leaf) {
        leaf = static_cast<paddr_t*>(kzalloc(PAGE_SIZE));
        if (!leaf)
            return Error(ERR_NOMEM);
        leaves[leaf_index].store(leaf, MemoryOrder::Release);
    }
    paddr_t pa = leaf[slot];
    if (!pa) {
        pa = alloc_page_zeroed(PageUse::Shared);
        if (!pa)
            return Error(ERR_NOMEM);
        __atomic_store_n(&leaf[slot], pa, __ATOMIC_RELEASE);
        m_resident.fetch_add(1, MemoryOrder::Relaxed);
    }
    page_get(pa); // the caller's
    return pa;
}

void PageCacheStore::free_pages_from(u64 first)
{
    Atomic<paddr_t*>* leaves = m_leaves.load(MemoryOrder::Relaxed);
    for (u64 li = first / LEAF_ENTRIES; leaves && li < m_leaf_count; li++) {
        paddr_t* leaf = leaves[li].load(MemoryOrder::Relaxed);
        if (!leaf)
            continue;
        u64 start = li == first / LEAF_ENTRIES ? first % LEAF_ENTRIES : 0;
        for (u64 s = start; s < LEAF_ENTRIES; s++) {
            if (leaf[s]) {
                page_put(leaf[s]);
                leaf[s] = 0;
                m_resident.fetch_sub(1, MemoryOrder::Relaxed);
            }
        }
        if (start == 0) {
            leaves[li].store(nullptr, MemoryOrder::Relaxed);
            kfree(leaf);
        }
    }
}

Result<void> PageCacheStore::resize(u64 pages)
{
    if (pages > m_max_pages)
        return Error(ERR_INVAL);
    SpinlockGuard guard(m_lock);
    u64 old = m_pages.load(MemoryOrder::Relaxed);
    m_pages.store(pages, MemoryOrder::Release);
    if (pages < old)
        free_pages_from(pages);
    return {};
}

void PageCacheStore::release()
{
    free_pages_from(0);
    kfree(m_leaves.load(MemoryOrder::Relaxed));
    ::destroy(this); // the virtual destructor runs the subclass's part
}

Result<MemStore*> create_anonymous_store(u64 pages)
{
    PageCacheStore* store = TRY(PageCacheStore::create(pages, pages));
    return static_cast<MemStore*>(store);
}
