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
    if (pages > max_pages)
        return Error(ERR_INVAL);
    // The index comes with the first page: a region (or a shared mapping)
    // nobody touches costs no kernel memory beyond this object, however
    // large it may grow.
    auto* store = make<PageCacheStore>(pages, max_pages);
    if (!store)
        return Error(ERR_NOMEM);
    return store;
}

Result<paddr_t> PageCacheStore::get_page(u64 index)
{
    if (index >= m_pages.load(MemoryOrder::Acquire))
        return Error(ERR_RANGE);
    if (u64* e = m_index.find(index)) {
        paddr_t pa = __atomic_load_n(e, __ATOMIC_ACQUIRE);
        if (pa) {
            page_get(pa); // the caller's
            return pa;
        }
    }
    SpinlockGuard guard(m_lock);
    if (index >= m_pages.load(MemoryOrder::Relaxed))
        return Error(ERR_RANGE);
    u64* e = TRY(m_index.make(index));
    paddr_t pa = *e;
    if (!pa) {
        pa = alloc_page_zeroed(PageUse::Shared);
        if (!pa)
            return Error(ERR_NOMEM);
        __atomic_store_n(e, pa, __ATOMIC_RELEASE);
        m_resident.fetch_add(1, MemoryOrder::Relaxed);
    }
    page_get(pa); // the caller's
    return pa;
}

u64 PageCacheStore::get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages)
{
    // Without the lock, as get_page's hits: a page leaves the cache only
    // when the store shrinks, never under a live view (the caller's).
    u64 limit = m_pages.load(MemoryOrder::Acquire);
    u64 got = 0;
    for (u32 i = 0; i < count && first + i < limit; i++) {
        if (!(want & (u64(1) << i)))
            continue;
        u64* e = m_index.find(first + i);
        paddr_t pa = e ? __atomic_load_n(e, __ATOMIC_ACQUIRE) : 0;
        if (!pa)
            continue;
        page_get(pa); // the caller's
        pages[i] = pa;
        got |= u64(1) << i;
    }
    return got;
}

void PageCacheStore::free_pages_from(u64 first)
{
    m_index.remove_from(first, [this](u64 pa) {
        page_put(pa);
        m_resident.fetch_sub(1, MemoryOrder::Relaxed);
    });
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
    ::destroy(this); // the index frees its leaves and top array with it
}

Result<MemStore*> create_anonymous_store(u64 pages)
{
    PageCacheStore* store = TRY(PageCacheStore::create(pages, pages));
    return static_cast<MemStore*>(store);
}
