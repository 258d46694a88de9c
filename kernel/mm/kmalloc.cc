/*
 * Slab allocation for small kernel objects (see kmalloc.h).
 *
 * Each size class keeps a list of pages that have at least one free object.
 * An object's page descriptor tells its class, so kfree needs no size.
 *
 * Lock: one spin lock per size class (rank Kmalloc), taken before the page
 * allocator's.
 */
#include "kmalloc.h"
#include "../lib/kstring.h"
#include "../sync/spinlock.h"
#include "page_alloc.h"
#include "phys.h"

namespace {

constexpr size_t CLASS_SIZES[] = {16, 32, 64, 128, 256, 512, 1024, 2048};
constexpr int CLASS_COUNT = int(ARRAY_SIZE(CLASS_SIZES));

// A line each: harts allocating from different classes do not share one.
struct alignas(CACHE_LINE_SIZE) SizeClass {
    Spinlock lock{"kmalloc", LockRank::Kmalloc};
    IntrusiveList<Page, &Page::link> partial; // pages with a free object
};

SizeClass g_classes[CLASS_COUNT];

int class_for(size_t size)
{
    for (int i = 0; i < CLASS_COUNT; i++)
        if (size <= CLASS_SIZES[i])
            return i;
    return -1;
}

// Cuts a fresh page into objects; returns its descriptor or nullptr.
Page* new_slab(int cls)
{
    paddr_t pa = alloc_page(PageUse::Slab);
    if (!pa)
        return nullptr;
    Page* page = page_of(pa);
    size_t size = CLASS_SIZES[cls];
    char* base = phys_to_ptr<char>(pa);
    void* head = nullptr;
    for (size_t off = PAGE_SIZE; off >= size; off -= size) {
        void* obj = base + off - size;
        *static_cast<void**>(obj) = head;
        head = obj;
    }
    page->slab_class = u8(cls);
    page->slab_in_use = 0;
    page->slab_free = head;
    return page;
}

unsigned order_for(size_t size)
{
    unsigned order = 0;
    while ((PAGE_SIZE << order) < size)
        order++;
    return order;
}

} // namespace

void* kmalloc(size_t size)
{
    if (size == 0)
        size = 1;
    int cls = class_for(size);
    if (cls < 0) {
        if (size > (PAGE_SIZE << PAGE_MAX_ORDER))
            return nullptr; // larger than the largest block (and order_for would overflow)
        unsigned order = order_for(size);
        paddr_t pa = alloc_pages(order, PageUse::Kernel);
        return pa ? phys_to_virt(pa) : nullptr;
    }
    SizeClass& sc = g_classes[cls];
    SpinlockGuard guard(sc.lock);
    Page* page = sc.partial.front();
    if (!page) {
        page = new_slab(cls);
        if (!page)
            return nullptr;
        sc.partial.push_front(page);
    }
    void* obj = page->slab_free;
    page->slab_free = *static_cast<void**>(obj);
    page->slab_in_use++;
    if (!page->slab_free)
        sc.partial.remove(page);
    return obj;
}

void* kzalloc(size_t size)
{
    void* p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void* ptr)
{
    if (!ptr)
        return;
    paddr_t pa = page_round_down(virt_to_phys(ptr));
    Page* page = page_of(pa);
    if (page->use != PageUse::Slab) {
        free_pages(pa);
        return;
    }
    SizeClass& sc = g_classes[page->slab_class];
    bool release = false;
    {
        SpinlockGuard guard(sc.lock);
        bool was_full = page->slab_free == nullptr;
        *static_cast<void**>(ptr) = page->slab_free;
        page->slab_free = ptr;
        page->slab_in_use--;
        if (page->slab_in_use == 0) {
            if (!was_full)
                sc.partial.remove(page);
            release = true;
        } else if (was_full) {
            sc.partial.push_front(page);
        }
    }
    if (release)
        free_pages(pa);
}
