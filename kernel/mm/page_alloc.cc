/*
 * Binary buddy allocator over spans of page descriptors.
 *
 * A free block of order k at frame f has its buddy at frame f ^ 2^k; when
 * both are free they merge into one block of order k + 1. Every span
 * starts and ends on a PAGE_MAX_BLOCK boundary, so a block and its buddy
 * always lie in the same span, and frame numbers can be used directly.
 * Blocks are linked through their first page's descriptor; splitting a
 * block walks descriptors by pointer, merging looks the buddy up by frame.
 *
 * Single pages, by far the most common request, go through a small cache
 * per hart (Linux's per-CPU page lists), moved to and from the buddy lists
 * in batches. Two harts allocating at once then touch no common cache line,
 * where with one lock every page moved the lock's line, the free lists and
 * the counters from one core to the other. Each cache has a lock of its own
 * (rank HartPages, before PageAlloc), which only its hart takes, except
 * when a request that found no free block empties every cache.
 */
#include "page_alloc.h"
#include "../console/printk.h"
#include "../cpu/cpu.h"
#include "../lib/kstring.h"
#include "../lib/new.h"
#include "../sync/spinlock.h"
#include "phys.h"

namespace {

constexpr u64 SECTION_COUNT = PAGE_PHYS_LIMIT >> PAGE_SECTION_SHIFT;
constexpr u64 FRAMES_PER_SECTION_SHIFT = PAGE_SECTION_SHIFT - PAGE_SHIFT;

struct Span {
    Page* pages = nullptr; // the descriptor of first_pfn
    u64 first_pfn = 0;
    u64 end_pfn = 0;
};

HotSpinlock g_page_lock("page_alloc", LockRank::PageAlloc);
Span g_spans[PAGE_MAX_SPANS];
int g_span_count = 0;
// For each section of physical space: 1 + the index of the span that
// describes (part of) it, or 0. Written only while booting.
u8 g_section_span[SECTION_COUNT];
IntrusiveList<Page, &Page::link> g_free[PAGE_MAX_ORDER + 1];
u64 g_total = 0;
u64 g_free_pages = 0;
u64 g_used_by[u32(PageUse::Count)];

// A hart's cache of free single pages. g_free_pages and g_used_by count the
// cached pages as free; each hart keeps what it changed since in deltas of
// its own, which page_stats() adds up.
constexpr u32 HART_PAGES_BATCH = 16; // moved to or from the buddy lists at once
constexpr u32 HART_PAGES_MAX = 64;   // more than this goes back to the buddy lists
struct alignas(CACHE_LINE_SIZE) HartPages {
    Spinlock lock{"hart_pages", LockRank::HartPages};
    IntrusiveList<Page, &Page::link> pages;
    u32 count = 0;
    i64 free_delta = 0;
    i64 used_delta[u32(PageUse::Count)] = {};
};
HartPages g_hart_pages[MAX_CPUS];

// This hart's cache. Should the caller move to another hart before it
// takes the cache's lock, it uses that cache still: slower, not wrong.
HartPages& this_hart_pages() { return g_hart_pages[this_cpu()->id]; }

inline Page* descriptor_of(u64 pfn)
{
    u64 section = pfn >> FRAMES_PER_SECTION_SHIFT;
    if (section >= SECTION_COUNT || g_section_span[section] == 0)
        return nullptr;
    const Span& span = g_spans[g_section_span[section] - 1];
    // The section may be only partly inside the span (a bank that ends
    // mid-section).
    if (pfn < span.first_pfn || pfn >= span.end_pfn)
        return nullptr;
    return span.pages + (pfn - span.first_pfn);
}

void push_free(Page* p, unsigned order)
{
    p->order = u8(order);
    p->is_free_head = true;
    p->use = PageUse::Free;
    g_free[order].push_front(p);
}

// Frees the block headed by `p` of `order`, merging with free buddies.
// Caller holds g_page_lock.
void free_block_locked(Page* p, unsigned order)
{
    kassert(g_page_lock.is_held());
    g_free_pages += size_t(1) << order;
    u64 pfn = p->pfn;
    while (order < PAGE_MAX_ORDER) {
        u64 buddy_pfn = pfn ^ (u64(1) << order);
        Page* b = descriptor_of(buddy_pfn);
        // A free head of this order was freed whole, so it lies in a span.
        if (!b || !b->is_free_head || b->order != order)
            break;
        g_free[order].remove(b);
        b->is_free_head = false;
        if (buddy_pfn < pfn) {
            pfn = buddy_pfn;
            p = b;
        }
        order++;
    }
    push_free(p, order);
}

} // namespace

void page_alloc_reset()
{
    g_span_count = 0;
    memset(g_section_span, 0, sizeof(g_section_span));
    for (auto& list : g_free)
        new (&list) IntrusiveList<Page, &Page::link>();
    g_total = g_free_pages = 0;
    memset(g_used_by, 0, sizeof(g_used_by));
    for (auto& cache : g_hart_pages)
        new (&cache) HartPages();
}

bool page_alloc_add_span(paddr_t start, paddr_t end, Page* descriptors)
{
    if (start >= end || end > PAGE_PHYS_LIMIT || !is_aligned(start, PAGE_MAX_BLOCK) ||
        !is_aligned(end, PAGE_MAX_BLOCK) || g_span_count >= PAGE_MAX_SPANS || !descriptors)
        return false;
    u64 first_section = start >> PAGE_SECTION_SHIFT, last_section = (end - 1) >> PAGE_SECTION_SHIFT;
    for (u64 s = first_section; s <= last_section; s++)
        if (g_section_span[s])
            return false;
    Span& span = g_spans[g_span_count++];
    span.pages = descriptors;
    span.first_pfn = start >> PAGE_SHIFT;
    span.end_pfn = end >> PAGE_SHIFT;
    for (u64 i = 0; i < span.end_pfn - span.first_pfn; i++) {
        new (&descriptors[i]) Page();
        descriptors[i].pfn = u32(span.first_pfn + i);
    }
    for (u64 s = first_section; s <= last_section; s++)
        g_section_span[s] = u8(g_span_count);
    return true;
}

void page_add_free_range(paddr_t start, paddr_t end)
{
    u64 first = page_round_up(start) >> PAGE_SHIFT;
    u64 last = page_round_down(end) >> PAGE_SHIFT;
    SpinlockGuard guard(g_page_lock);
    for (int s = 0; s < g_span_count; s++) {
        const Span& span = g_spans[s];
        u64 pfn = max(first, span.first_pfn);
        u64 stop = min(last, span.end_pfn);
        while (pfn < stop) {
            // The largest aligned block that fits. Spans start on a
            // maximal block, so frame alignment is alignment in the span.
            unsigned order = 0;
            while (order < PAGE_MAX_ORDER && (pfn & ((u64(2) << order) - 1)) == 0 && pfn + (u64(2) << order) <= stop)
                order++;
            g_total += u64(1) << order;
            free_block_locked(span.pages + (pfn - span.first_pfn), order);
            pfn += u64(1) << order;
        }
    }
}

namespace {
PageReclaimer g_reclaimer = nullptr;
} // namespace

void set_page_reclaimer(PageReclaimer reclaimer) { g_reclaimer = reclaimer; }

// One try at the free lists.
static paddr_t alloc_pages_or_fail(unsigned order, PageUse use)
{
    SpinlockGuard guard(g_page_lock);
    unsigned k = order;
    while (k <= PAGE_MAX_ORDER && g_free[k].is_empty())
        k++;
    if (k > PAGE_MAX_ORDER)
        return 0;
    Page* p = g_free[k].pop_front();
    p->is_free_head = false;
    // Split, returning upper halves to the free lists.
    while (k > order) {
        k--;
        push_free(p + (size_t(1) << k), k);
    }
    p->order = u8(order);
    p->use = use;
    p->refcount.store(1, MemoryOrder::Relaxed);
    g_free_pages -= size_t(1) << order;
    g_used_by[u32(use)] += size_t(1) << order;
    return page_address(p);
}

// Moves up to `want` single pages from the buddy lists to `cache`.
static void refill(HartPages& cache, u32 want)
{
    kassert(cache.lock.is_held());
    SpinlockGuard guard(g_page_lock);
    for (u32 i = 0; i < want; i++) {
        unsigned k = 0;
        while (k <= PAGE_MAX_ORDER && g_free[k].is_empty())
            k++;
        if (k > PAGE_MAX_ORDER)
            return;
        Page* p = g_free[k].pop_front();
        p->is_free_head = false;
        while (k > 0) {
            k--;
            push_free(p + (size_t(1) << k), k);
        }
        p->order = 0; // use stays Free: a cached page is a free page
        cache.pages.push_front(p);
        cache.count++;
    }
}

// Moves `n` pages from `cache` back to the buddy lists, where they merge.
static void drain(HartPages& cache, u32 n)
{
    kassert(cache.lock.is_held());
    SpinlockGuard guard(g_page_lock);
    for (; n > 0 && cache.count > 0; n--) {
        Page* p = cache.pages.pop_front();
        cache.count--;
        free_block_locked(p, 0);
        g_free_pages--; // free_block_locked counted it again
    }
}

// A single page from this hart's cache, refilled from the buddy lists when
// empty; 0 when there is no free page at all.
static paddr_t alloc_cached_page(PageUse use)
{
    HartPages& cache = this_hart_pages();
    SpinlockGuard guard(cache.lock);
    if (cache.count == 0)
        refill(cache, HART_PAGES_BATCH);
    Page* p = cache.pages.pop_front();
    if (!p)
        return 0;
    cache.count--;
    p->use = use;
    p->refcount.store(1, MemoryOrder::Relaxed);
    cache.free_delta--;
    cache.used_delta[u32(use)]++;
    return page_address(p);
}

// Gives every hart's cached pages back to the buddy lists, where they can
// merge into the block a failed request needs, or serve a hart whose own
// cache ran dry.
static void drain_all_harts()
{
    for (HartPages& cache : g_hart_pages) {
        SpinlockGuard guard(cache.lock);
        drain(cache, cache.count);
    }
}

paddr_t alloc_pages(unsigned order, PageUse use)
{
    if (order > PAGE_MAX_ORDER)
        return 0;
    if (paddr_t pa = order == 0 ? alloc_cached_page(use) : alloc_pages_or_fail(order, use))
        return pa;
    // No free block: the harts' caches give back their pages, which may
    // merge into the block we need; then the caches of file pages give back
    // what they can (into this hart's cache, so drain once more).
    drain_all_harts();
    if (paddr_t pa = alloc_pages_or_fail(order, use))
        return pa;
    if (g_reclaimer && g_reclaimer(u64(1) << order) > 0) {
        drain_all_harts();
        return alloc_pages_or_fail(order, use);
    }
    return 0;
}

paddr_t alloc_page(PageUse use) { return alloc_pages(0, use); }

paddr_t alloc_page_zeroed(PageUse use)
{
    paddr_t pa = alloc_pages(0, use);
    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

// True if p heads an allocated block (a free of anything else is refused
// rather than allowed to corrupt the lists). A single page is checked under
// its hart cache's lock only, so two harts freeing the same page at the
// same moment are not caught; a second free after the first always is.
static bool is_allocated(const Page* p)
{
    return !p->is_free_head && p->use != PageUse::Free && p->use != PageUse::Reserved;
}

// Marks an allocated block free. A second free of it is refused from then
// on, also after it merges into a lower buddy and stops being a list head.
static void mark_free(Page* p)
{
    p->use = PageUse::Free;
    p->refcount.store(0, MemoryOrder::Relaxed);
    p->slab_class = 0;
    p->slab_in_use = 0;
    p->slab_free = nullptr;
}

void free_pages(paddr_t pa)
{
    Page* p = page_of(pa);
    if (!p)
        return;
    if (p->order == 0) {
        HartPages& cache = this_hart_pages();
        SpinlockGuard guard(cache.lock);
        if (!is_allocated(p))
            return;
        cache.used_delta[u32(p->use)]--;
        cache.free_delta++;
        mark_free(p);
        cache.pages.push_front(p);
        cache.count++;
        if (cache.count > HART_PAGES_MAX)
            drain(cache, HART_PAGES_BATCH);
        return;
    }
    SpinlockGuard guard(g_page_lock);
    if (!is_allocated(p))
        return;
    g_used_by[u32(p->use)] -= size_t(1) << p->order;
    mark_free(p);
    free_block_locked(p, p->order);
}

Page* page_of(paddr_t pa) { return descriptor_of(pa >> PAGE_SHIFT); }

void page_get(paddr_t pa)
{
    if (Page* p = page_of(pa))
        p->refcount.fetch_add(1, MemoryOrder::Relaxed);
}

bool page_put(paddr_t pa)
{
    Page* p = page_of(pa);
    if (!p || p->refcount.load(MemoryOrder::Relaxed) == 0)
        return false; // not a managed page, or not allocated
    if (p->refcount.fetch_sub(1, MemoryOrder::AcqRel) != 1)
        return false;
    free_pages(pa);
    return true;
}

u32 page_refcount(paddr_t pa)
{
    Page* p = page_of(pa);
    return p ? p->refcount.load(MemoryOrder::Relaxed) : 0;
}

PageStats page_stats()
{
    // The harts' deltas first: their locks come before g_page_lock. Each
    // cache is read on its own, so while harts allocate the sum is only
    // close; when they are quiet it is exact.
    i64 free_delta = 0;
    i64 used_delta[u32(PageUse::Count)] = {};
    for (HartPages& cache : g_hart_pages) {
        SpinlockGuard guard(cache.lock);
        free_delta += cache.free_delta;
        for (u32 u = 0; u < u32(PageUse::Count); u++)
            used_delta[u] += cache.used_delta[u];
    }
    SpinlockGuard guard(g_page_lock);
    PageStats s{};
    s.total_pages = g_total;
    s.free_pages = u64(i64(g_free_pages) + free_delta);
    for (u32 u = 0; u < u32(PageUse::Count); u++)
        s.used_by[u] = u64(i64(g_used_by[u]) + used_delta[u]);
    return s;
}

u64 free_page_count() { return page_stats().free_pages; }

u64 total_page_count()
{
    SpinlockGuard guard(g_page_lock);
    return g_total;
}

const char* page_use_name(PageUse use)
{
    static const char* const names[] = {"free", "reserved", "kernel", "slab", "pagetable",
                                        "user", "shared",   "filecache"};
    return u32(use) < ARRAY_SIZE(names) ? names[u32(use)] : "?";
}
