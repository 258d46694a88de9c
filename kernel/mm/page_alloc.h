/*
 * The physical page allocator: a binary buddy allocator over every usable
 * page of RAM, with a descriptor (Page) per page frame.
 *
 * Blocks are 2^order pages, order 0..PAGE_MAX_ORDER, aligned to their size.
 * Every allocated block carries a reference count in its first page's
 * descriptor; page_put() frees the block when the count reaches zero, which
 * is how copy-on-write and shared-memory pages are shared.
 *
 * Pages the allocator never hands out (the kernel image, the device tree,
 * the initrd, firmware and reserved memory) are simply never added.
 *
 * Lock: g_page_lock (rank PageAlloc) protects the free lists and counters;
 * reference counts are atomic and need no lock.
 */
#pragma once

#include "../lib/atomic.h"
#include "../lib/list.h"
#include "../lib/result.h"

constexpr unsigned PAGE_MAX_ORDER = 10; // blocks of up to 4 MiB

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
    void* slab_free = nullptr; // kmalloc free list within this page
};

struct PageStats {
    u64 total_pages;   // pages under the allocator's management
    u64 free_pages;
    u64 used_by[u32(PageUse::Count)];
};

// Prepares descriptors for frames [lowest, highest). `descriptors` must have
// room for page_descriptor_count(lowest, highest) entries. All frames start
// out reserved; page_add_free_range() makes usable ones available.
size_t page_descriptor_count(paddr_t lowest, paddr_t highest);
void page_alloc_init(paddr_t lowest, paddr_t highest, Page* descriptors);
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

Page* page_of(paddr_t pa);
paddr_t page_address(const Page* page);
void page_get(paddr_t pa);
// Drops a reference; frees the block and returns true when it was the last.
bool page_put(paddr_t pa);
u32 page_refcount(paddr_t pa);

PageStats page_stats();
u64 free_page_count();
const char* page_use_name(PageUse use);
