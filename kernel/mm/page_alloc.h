/*
 * The physical page allocator: a binary buddy allocator over every usable
 * page of RAM, with a descriptor (Page) per page frame.
 *
 * Descriptors exist only where there is RAM: each memory bank gets its own
 * array (a "span"), so a board whose banks lie far apart (the PolarFire
 * SoC's are 62 GiB apart) does not pay for describing the hole. A small
 * table with one byte per 128 MiB section of physical space says which span
 * describes that section, so page_of() is a shift, a table load and a range
 * check, whatever the number of banks; page_address() reads the frame
 * number kept in the descriptor.
 *
 * Blocks are 2^order pages, order 0..PAGE_MAX_ORDER, aligned to their size.
 * Every allocated block carries a reference count in its first page's
 * descriptor; page_put() frees the block when the count reaches zero, which
 * is how copy-on-write and shared-memory pages are shared.
 *
 * Pages the allocator never hands out (the kernel image, the device tree,
 * the initrd, firmware and reserved memory) are simply never added.
 *
 * Single pages come from a small cache per hart, refilled from and drained
 * to the buddy lists in batches (page_alloc.cc).
 *
 * Locks: a hart's cache lock (rank HartPages), then g_page_lock (rank
 * PageAlloc), which protects the free lists and counters; reference counts
 * are atomic and need no lock.
 */
#pragma once

#include "../lib/atomic.h"
#include "../lib/list.h"
#include "../lib/result.h"

constexpr unsigned PAGE_MAX_ORDER = 10; // blocks of up to 4 MiB
constexpr u64 PAGE_MAX_BLOCK = PAGE_SIZE << PAGE_MAX_ORDER;
// The physical space the allocator can describe: the kernel's direct map
// (riscv/memlayout.h) covers 128 GiB.
constexpr u64 PAGE_PHYS_LIMIT = u64(1) << 37;
// The granule of the physical-address-to-span table, and how many spans
// (memory banks, after merging banks that share a section) there may be.
constexpr unsigned PAGE_SECTION_SHIFT = 27; // 128 MiB
constexpr int PAGE_MAX_SPANS = 8;

// What an allocated page is used for, for meminfo.
enum class PageUse : u8 {
    Free = 0,
    Reserved,   // never managed
    Kernel,     // kernel stacks and other kernel-internal pages
    Slab,       // kmalloc
    PageTable,
    User,       // anonymous user memory and program pages
    Shared,     // shared-memory region pages
    FileCache,
    Count
};

struct Page {
    ListNode link;            // free list, or kmalloc's slab list
    Atomic<u32> refcount{0};
    u8 order = 0;             // block order (valid in a block's first page)
    bool is_free_head = false; // first page of a free block
    PageUse use = PageUse::Reserved;
    u8 slab_class = 0;        // kmalloc size class, valid when use == Slab
    u16 slab_in_use = 0;      // kmalloc objects allocated from this page
    u32 pfn = 0;              // the frame this describes (physical address >> PAGE_SHIFT)
    void* slab_free = nullptr; // kmalloc free list within this page
};
static_assert((PAGE_PHYS_LIMIT >> PAGE_SHIFT) <= (u64(1) << 32), "Page::pfn must hold every frame number");

struct PageStats {
    u64 total_pages;   // pages under the allocator's management
    u64 free_pages;
    u64 used_by[u32(PageUse::Count)];
};

// Forgets every span and free block (boot, and the host tests).
void page_alloc_reset();
// Descriptors needed for the frames [start, end).
inline size_t page_span_descriptor_count(paddr_t start, paddr_t end) { return size_t((end - start) >> PAGE_SHIFT); }
// Describes frames [start, end) with `descriptors` (room for
// page_span_descriptor_count entries). start and end must be multiples of
// PAGE_MAX_BLOCK below PAGE_PHYS_LIMIT, and no other span may touch the
// same 128 MiB sections (plan_descriptor_spans in memory_map.h arranges
// both). All frames start out reserved. Returns false, changing nothing,
// if the span breaks these rules or the span table is full.
bool page_alloc_add_span(paddr_t start, paddr_t end, Page* descriptors);
// Hands the pages of [start, end) that lie in spans to the allocator.
void page_add_free_range(paddr_t start, paddr_t end);

// Allocates 2^order contiguous pages, refcount 1; returns 0 when out of memory.
paddr_t alloc_pages(unsigned order, PageUse use);
// Called when an allocation finds no free block: frees what it can of
// caches (at least `pages` if it can) and returns how many pages it freed.
// It decides for itself whether the calling context allows it.
using PageReclaimer = u64 (*)(u64 pages);
void set_page_reclaimer(PageReclaimer reclaimer);
paddr_t alloc_page(PageUse use);
paddr_t alloc_page_zeroed(PageUse use);
// Frees a block regardless of its reference count.
void free_pages(paddr_t pa);

// The descriptor of the frame holding pa, or nullptr if no span describes it.
Page* page_of(paddr_t pa);
inline paddr_t page_address(const Page* page) { return paddr_t(page->pfn) << PAGE_SHIFT; }
void page_get(paddr_t pa);
// Drops a reference; frees the block and returns true when it was the last.
bool page_put(paddr_t pa);
u32 page_refcount(paddr_t pa);

// Counts, summed over the buddy lists and every hart's cache (see
// page_alloc.cc): takes every cache's lock, so not for hot paths.
PageStats page_stats();
u64 free_page_count();
// Pages under the allocator's management (fixed once booted): cheap.
u64 total_page_count();
const char* page_use_name(PageUse use);
