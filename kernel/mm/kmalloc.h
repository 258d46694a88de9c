/*
 * kmalloc: the kernel's object allocator.
 *
 * Small requests (up to 2048 bytes) come from slabs: pages cut into equal
 * objects of one size class, tracked in the page's descriptor. A slab page
 * goes back to the page allocator as soon as its last object is freed, so
 * the free-page count returns to where it was once every object is gone.
 * Larger requests get a whole power-of-two block of pages.
 *
 * kmalloc never sleeps and returns nullptr when memory runs out.
 */
#pragma once

#include "../lib/new.h"
#include "../lib/types.h"

void* kmalloc(size_t size);
void* kzalloc(size_t size);
void kfree(void* ptr);

// Allocates and constructs a T, or returns nullptr.
template <typename T, typename... Args> T* make(Args&&... args)
{
    void* mem = kmalloc(sizeof(T));
    if (!mem)
        return nullptr;
    return new (mem) T(forward<Args>(args)...);
}

template <typename T> void destroy(T* object)
{
    if (object) {
        object->~T();
        kfree(object);
    }
}
