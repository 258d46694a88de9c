/*
 * FakeRam: a host buffer that plays a bank of physical RAM for the page
 * allocator, kmalloc and the Sv39 walker.
 *
 * It points g_direct_map_offset at the buffer, so phys_to_virt() of a fake
 * physical address lands inside it, and hands the whole bank (or a chosen
 * part of it) to the page allocator. Only one may exist at a time, because
 * the allocator is a global.
 *
 * kmalloc keeps lists of partly used slab pages across tests; a test must
 * kfree everything it kmallocs before its FakeRam goes away, otherwise the
 * next test would be handed objects in freed memory. The destructor checks.
 */
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>
#include <string.h>

#include "kernel/mm/page_alloc.h"
#include "kernel/mm/phys.h"

class FakeRam {
public:
    static constexpr paddr_t DEFAULT_BASE = 0x80000000;

    // A bank of `bytes` at physical `base`; [free_start, free_end) of it
    // (default: all) is given to the allocator.
    explicit FakeRam(size_t bytes, paddr_t base = DEFAULT_BASE, paddr_t free_start = 0, paddr_t free_end = 0)
        : m_base(base), m_bytes(bytes)
    {
        m_memory = static_cast<u8*>(aligned_alloc(PAGE_SIZE, bytes));
        REQUIRE(m_memory != nullptr);
        // Garbage, not zeros: code that forgets to clear a page shows it.
        memset(m_memory, 0xA5, bytes);
        g_direct_map_offset = uptr(m_memory) - base;
        paddr_t span_start = align_down(base, PAGE_MAX_BLOCK), span_end = align_up(base + bytes, PAGE_MAX_BLOCK);
        size_t count = page_span_descriptor_count(span_start, span_end);
        m_descriptors = static_cast<Page*>(aligned_alloc(alignof(Page), align_up(count * sizeof(Page), 64)));
        REQUIRE(m_descriptors != nullptr);
        page_alloc_reset();
        REQUIRE(page_alloc_add_span(span_start, span_end, m_descriptors));
        page_add_free_range(free_start ? free_start : base, free_end ? free_end : base + bytes);
    }

    ~FakeRam()
    {
        PageStats s = page_stats();
        CHECK_MESSAGE(s.used_by[u32(PageUse::Slab)] == 0, "a test left kmalloc objects behind");
        free(m_descriptors);
        free(m_memory);
        g_direct_map_offset = 0;
    }

    FakeRam(const FakeRam&) = delete;
    FakeRam& operator=(const FakeRam&) = delete;

    paddr_t base() const { return m_base; }
    paddr_t end() const { return m_base + m_bytes; }
    size_t pages() const { return m_bytes / PAGE_SIZE; }
    bool contains(paddr_t pa, size_t n = 1) const { return pa >= m_base && pa + n <= end(); }
    u8* at(paddr_t pa) const { return phys_to_ptr<u8>(pa); }

private:
    paddr_t m_base;
    size_t m_bytes;
    u8* m_memory = nullptr;
    Page* m_descriptors = nullptr;
};
