/*
 * Binary buddy allocator. A free block of order k at page index i has its
 * buddy at index i ^ 2^k; when both are free they merge into one block of
 * order k + 1. Indexes are counted from g_base, which is aligned to the
 * largest block, so buddies are also physically aligned.
 */
#include "page_alloc.h"
#include "../lib/kstring.h"
#include "../lib/new.h"
#include "../sync/spinlock.h"
#include "phys.h"

namespace {

Spinlock g_page_lock("page_alloc", LockRank::PageAlloc);
Page* g_pages = nullptr;
paddr_t g_base = 0;   // physical address of g_pages[0]
size_t g_count = 0;   // descriptors
IntrusiveList<Page, &Page::link> g_free[PAGE_MAX_ORDER + 1];
u64 g_total = 0;
u64 g_free_pages = 0;
u64 g_used_by[u32(PageUse::Count)];

size_t index_of(const Page* p) { return size_t(p - g_pages); }

void push_free(size_t index, unsigned order)
{
    Page& p = g_pages[index];
    p.order = u8(order);
    p.is_free_head = true;
    p.use = PageUse::Free;
    g_free[order].push_front(&p);
}

// Frees the block at `index` of `order`, merging with free buddies.
// Caller holds g_page_lock.
void free_block_locked(size_t index, unsigned order)
{
    g_free_pages += size_t(1) << order;
    while (order < PAGE_MAX_ORDER) {
        size_t buddy = index ^ (size_t(1) << order);
        if (buddy + (size_t(1) << order) > g_count)
            break;
        Page& b = g_pages[buddy];
        if (!b.is_free_head || b.order != order)
            break;
        g_free[order].remove(&b);
        b.is_free_head = false;
        index = min(index, buddy);
        order++;
    }
    push_free(index, order);
}

} // namespace

size_t page_descriptor_count(paddr_t lowest, paddr_t highest)
{
    paddr_t base = align_down(lowest, PAGE_SIZE << PAGE_MAX_ORDER);
    return size_t((page_round_up(highest) - base) / PAGE_SIZE);
}

void page_alloc_init(paddr_t lowest, paddr_t highest, Page* descriptors)
{
    g_base = align_down(lowest, PAGE_SIZE << PAGE_MAX_ORDER);
    g_count = page_descriptor_count(lowest, highest);
    g_pages = descriptors;
    for (size_t i = 0; i < g_count; i++)
        new (&g_pages[i]) Page();
    for (auto& list : g_free)
        new (&list) IntrusiveList<Page, &Page::link>();
    g_total = g_free_pages = 0;
    memset(g_used_by, 0, sizeof(g_used_by));
}

void page_add_free_range(paddr_t start, paddr_t end)
{
    start = page_round_up(start);
    end = page_round_down(end);
    if (start < g_base)
        start = g_base;
    paddr_t limit = g_base + g_count * PAGE_SIZE;
    if (end > limit)
        end = limit;
    if (start >= end)
        return;
    SpinlockGuard guard(g_page_lock);
    size_t i = (start - g_base) / PAGE_SIZE;
    size_t last = (end - g_base) / PAGE_SIZE;
    while (i < last) {
        // The largest aligned block that fits.
        unsigned order = 0;
        while (order < PAGE_MAX_ORDER && (i & ((size_t(2) << order) - 1)) == 0 &&
               i + (size_t(2) << order) <= last)
            order++;
        g_total += size_t(1) << order;
        free_block_locked(i, order);
        i += size_t(1) << order;
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
    size_t index = index_of(p);
    // Split, returning upper halves to the free lists.
    while (k > order) {
        k--;
        push_free(index + (size_t(1) << k), k);
    }
    p->order = u8(order);
    p->use = use;
    p->refcount.store(1, MemoryOrder::Relaxed);
    g_free_pages -= size_t(1) << order;
    g_used_by[u32(use)] += size_t(1) << order;
    return g_base + index * PAGE_SIZE;
}

paddr_t alloc_pages(unsigned order, PageUse use)
{
    if (order > PAGE_MAX_ORDER)
        return 0;
    if (paddr_t pa = alloc_pages_or_fail(order, use))
        return pa;
    // Out of free blocks: caches give back what they can, then once more.
    if (g_reclaimer && g_reclaimer(u64(1) << order) > 0)
        return alloc_pages_or_fail(order, use);
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

void free_pages(paddr_t pa)
{
    Page* p = page_of(pa);
    SpinlockGuard guard(g_page_lock);
    if (!p || p->is_free_head || p->use == PageUse::Free || p->use == PageUse::Reserved)
        return; // not an allocated block: ignore rather than corrupt the lists
    g_used_by[u32(p->use)] -= size_t(1) << p->order;
    // Marked free now: if this block merges into a lower buddy it is no
    // longer a list head, and a second free of it must still be refused.
    p->use = PageUse::Free;
    p->refcount.store(0, MemoryOrder::Relaxed);
    p->slab_class = 0;
    p->slab_in_use = 0;
    p->slab_free = nullptr;
    free_block_locked(index_of(p), p->order);
}

Page* page_of(paddr_t pa)
{
    if (pa < g_base)
        return nullptr;
    size_t i = (pa - g_base) / PAGE_SIZE;
    return i < g_count ? &g_pages[i] : nullptr;
}

paddr_t page_address(const Page* page) { return g_base + index_of(page) * PAGE_SIZE; }

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
    SpinlockGuard guard(g_page_lock);
    PageStats s{};
    s.total_pages = g_total;
    s.free_pages = g_free_pages;
    memcpy(s.used_by, g_used_by, sizeof(g_used_by));
    return s;
}

u64 free_page_count()
{
    SpinlockGuard guard(g_page_lock);
    return g_free_pages;
}

const char* page_use_name(PageUse use)
{
    static const char* const names[] = {"free", "reserved", "kernel", "slab", "pagetable",
                                        "user", "shared",   "filecache"};
    return u32(use) < ARRAY_SIZE(names) ? names[u32(use)] : "?";
}
