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

// A zeroed array of at least one T in kernel memory, freed with the holder:
// the records an introspection call gathers under its locks and copies out
// once it has let them go.
template <typename T> class [[nodiscard]] KernelArray {
public:
    explicit KernelArray(size_t count) : m_items(static_cast<T*>(kzalloc(sizeof(T) * (count ? count : 1)))) {}
    ~KernelArray() { kfree(m_items); }
    KernelArray(const KernelArray&) = delete;
    KernelArray& operator=(const KernelArray&) = delete;

    bool ok() const { return m_items != nullptr; }
    T* data() const { return m_items; }
    T& operator[](size_t i) const { return m_items[i]; }
    static constexpr size_t bytes(size_t count) { return sizeof(T) * count; }

private:
    T* m_items;
};
