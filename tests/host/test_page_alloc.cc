/*
 * Unit tests of the buddy page allocator (kernel/mm/page_alloc.cc) over a
 * fake bank of RAM.
 *
 * The property that matters most is conservation: whatever is allocated
 * and freed, in whatever order, the free count comes back and the blocks
 * merge back into the largest ones, so a test can prove a leak by counting.
 */
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "fake_ram.h"
#include "host_support.h"
#include "kernel/lib/random.h"

namespace {

constexpr size_t MIB = 1 << 20;
constexpr u64 MAX_BLOCK = PAGE_SIZE << PAGE_MAX_ORDER;

// Allocates order-0 pages until the allocator runs dry.
std::vector<paddr_t> drain(PageUse use = PageUse::Kernel)
{
    std::vector<paddr_t> pages;
    for (;;) {
        paddr_t pa = alloc_page(use);
        if (!pa)
            break;
        pages.push_back(pa);
    }
    return pages;
}

} // namespace

TEST_CASE("page_alloc: a fresh bank is all free, in the largest blocks")
{
    FakeRam ram(16 * MIB);
    PageStats s = page_stats();
    CHECK(s.total_pages == ram.pages());
    CHECK(s.free_pages == ram.pages());
    CHECK(free_page_count() == ram.pages());
    for (u32 u = 0; u < u32(PageUse::Count); u++)
        CHECK(s.used_by[u] == 0);
    // 16 MiB is four maximal blocks: four allocations of the top order.
    for (int i = 0; i < 4; i++)
        CHECK(alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel) != 0);
    CHECK(alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel) == 0);
    CHECK(free_page_count() == 0);
}

TEST_CASE("page_alloc: every order is aligned to its size, inside RAM, with refcount 1")
{
    FakeRam ram(16 * MIB);
    const u64 before = free_page_count();
    for (unsigned order = 0; order <= PAGE_MAX_ORDER; order++) {
        CAPTURE(order);
        paddr_t pa = alloc_pages(order, PageUse::User);
        REQUIRE(pa != 0);
        CHECK(is_aligned(pa, PAGE_SIZE << order));
        CHECK(ram.contains(pa, PAGE_SIZE << order));
        CHECK(page_refcount(pa) == 1);
        Page* page = page_of(pa);
        REQUIRE(page != nullptr);
        CHECK(page->order == order);
        CHECK(page->use == PageUse::User);
        CHECK(page_address(page) == pa);
        CHECK(free_page_count() == before - (u64(1) << order));
        // The whole block is ours to write.
        memset(ram.at(pa), 0x5a, PAGE_SIZE << order);
        free_pages(pa);
        CHECK(free_page_count() == before);
    }
    CHECK(alloc_pages(PAGE_MAX_ORDER + 1, PageUse::User) == 0);
    CHECK(alloc_pages(1000, PageUse::User) == 0);
    CHECK(free_page_count() == before);
}

TEST_CASE("page_alloc: alignment holds when RAM does not start on a block boundary")
{
    // 0x80301000 is neither 4 MiB nor 2 MiB aligned.
    FakeRam ram(9 * MIB, 0x80301000);
    const u64 before = free_page_count();
    CHECK(before == ram.pages());
    std::vector<paddr_t> held;
    for (unsigned order = 0; order <= PAGE_MAX_ORDER; order++) {
        CAPTURE(order);
        paddr_t pa = alloc_pages(order, PageUse::Kernel);
        if (!pa)
            continue; // the largest orders may not fit in an unaligned bank
        CHECK(is_aligned(pa, PAGE_SIZE << order));
        CHECK(ram.contains(pa, PAGE_SIZE << order));
        held.push_back(pa);
    }
    CHECK(held.size() >= PAGE_MAX_ORDER); // at least one 4 MiB block fits in 9 MiB
    for (paddr_t pa : held)
        free_pages(pa);
    CHECK(free_page_count() == before);
}

TEST_CASE("page_alloc: only the given range is handed out, rounded inwards to pages")
{
    const paddr_t base = FakeRam::DEFAULT_BASE;
    FakeRam ram(4 * MIB, base, base + 0x1800, base + 4 * MIB - 0x800);
    // Pages 0 and 1 and the last page are only partly inside the range.
    CHECK(page_stats().total_pages == ram.pages() - 3);
    std::vector<paddr_t> pages = drain();
    CHECK(pages.size() == ram.pages() - 3);
    std::set<paddr_t> unique(pages.begin(), pages.end());
    CHECK(unique.size() == pages.size());
    CHECK(*unique.begin() == base + 0x2000);
    CHECK(*unique.rbegin() == base + 4 * MIB - 2 * PAGE_SIZE);
    for (paddr_t pa : pages)
        free_pages(pa);

    // Ranges outside the descriptors, or empty once rounded, add nothing.
    const u64 total = page_stats().total_pages;
    page_add_free_range(base + 8 * MIB, base + 9 * MIB);
    page_add_free_range(0x1000, 0x3000);
    page_add_free_range(base + 0x10, base + 0x20);
    page_add_free_range(base + 0x3000, base + 0x2000);
    CHECK(page_stats().total_pages == total);
}

TEST_CASE("page_alloc: splitting to single pages and merging back to the largest blocks")
{
    FakeRam ram(8 * MIB);
    const u64 total = free_page_count();
    std::vector<paddr_t> pages = drain();
    CHECK(pages.size() == total);
    CHECK(free_page_count() == 0);
    std::set<paddr_t> unique(pages.begin(), pages.end());
    CHECK(unique.size() == pages.size());
    for (paddr_t pa : pages) {
        CHECK(is_aligned(pa, PAGE_SIZE));
        CHECK(ram.contains(pa, PAGE_SIZE));
    }
    // Exhausted: every order fails, and a failure changes nothing.
    CHECK(alloc_page(PageUse::Kernel) == 0);
    CHECK(alloc_pages(1, PageUse::Kernel) == 0);
    CHECK(alloc_page_zeroed(PageUse::Kernel) == 0);
    CHECK(free_page_count() == 0);

    // Free in a scrambled order; the buddies must all find each other.
    Random rng(7);
    for (size_t i = pages.size(); i > 1; i--)
        std::swap(pages[i - 1], pages[size_t(rng.below(i))]);
    for (paddr_t pa : pages)
        free_pages(pa);
    CHECK(free_page_count() == total);
    for (u64 i = 0; i < total * PAGE_SIZE / MAX_BLOCK; i++)
        CHECK(alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel) != 0);
    CHECK(alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel) == 0);
}

TEST_CASE("page_alloc: random mixed orders conserve pages and never overlap")
{
    FakeRam ram(16 * MIB);
    const u64 total = free_page_count();
    Random rng(12345);
    struct Block {
        paddr_t pa;
        unsigned order;
        u8 stamp;
    };
    std::vector<Block> held;
    u64 held_pages = 0;
    for (int round = 0; round < 20000; round++) {
        if (!held.empty() && (rng.below(2) == 0 || held_pages > total / 2)) {
            size_t i = size_t(rng.below(held.size()));
            Block b = held[i];
            // Nobody else was handed any part of the block.
            const u8* p = ram.at(b.pa);
            size_t bytes = PAGE_SIZE << b.order;
            bool intact = p[0] == b.stamp && p[bytes - 1] == b.stamp && p[bytes / 2] == b.stamp;
            REQUIRE(intact);
            free_pages(b.pa);
            held_pages -= u64(1) << b.order;
            held[i] = held.back();
            held.pop_back();
        } else {
            unsigned order = unsigned(rng.below(rng.below(4) == 0 ? PAGE_MAX_ORDER + 1 : 4));
            paddr_t pa = alloc_pages(order, PageUse::Kernel);
            if (!pa)
                continue;
            REQUIRE(is_aligned(pa, PAGE_SIZE << order));
            u8 stamp = u8(rng.next());
            memset(ram.at(pa), stamp, PAGE_SIZE << order);
            held.push_back({pa, order, stamp});
            held_pages += u64(1) << order;
        }
        REQUIRE(free_page_count() == total - held_pages);
    }
    for (const Block& b : held)
        free_pages(b.pa);
    CHECK(free_page_count() == total);
    CHECK(page_stats().used_by[u32(PageUse::Kernel)] == 0);
}

TEST_CASE("page_alloc: reference counts")
{
    FakeRam ram(4 * MIB);
    const u64 before = free_page_count();
    paddr_t pa = alloc_pages(2, PageUse::Shared);
    REQUIRE(pa != 0);
    CHECK(page_refcount(pa) == 1);
    page_get(pa);
    page_get(pa);
    CHECK(page_refcount(pa) == 3);
    CHECK_FALSE(page_put(pa));
    CHECK_FALSE(page_put(pa));
    CHECK(page_refcount(pa) == 1);
    CHECK(free_page_count() == before - 4);
    CHECK(page_put(pa)); // the last reference frees the whole block
    CHECK(free_page_count() == before);
    CHECK(page_refcount(pa) == 0);
    CHECK(page_stats().used_by[u32(PageUse::Shared)] == 0);

    // free_pages frees whatever the count.
    paddr_t pb = alloc_page(PageUse::Shared);
    page_get(pb);
    free_pages(pb);
    CHECK(free_page_count() == before);
}

TEST_CASE("page_alloc: freeing addresses that are not allocated blocks is ignored")
{
    const paddr_t base = FakeRam::DEFAULT_BASE;
    FakeRam ram(4 * MIB);
    paddr_t block = alloc_pages(2, PageUse::Kernel);
    paddr_t single = alloc_page(PageUse::Kernel);
    REQUIRE(block != 0);
    REQUIRE(single != 0);
    const u64 free_before = free_page_count();
    const PageStats stats_before = page_stats();

    free_pages(0);
    free_pages(base - PAGE_SIZE);
    free_pages(base + 64 * MIB);
    free_pages(~u64(0) & ~(PAGE_SIZE - 1));
    free_pages(block + PAGE_SIZE);     // inside an allocated block
    free_pages(block + 3 * PAGE_SIZE); // its last page
    CHECK(free_page_count() == free_before);

    // A page that is free (never handed out).
    paddr_t never = 0;
    for (paddr_t pa = base; pa < ram.end(); pa += PAGE_SIZE)
        if (pa < block || pa >= block + 4 * PAGE_SIZE)
            if (pa != single) {
                never = pa;
                break;
            }
    free_pages(never);
    CHECK(free_page_count() == free_before);
    PageStats stats_after = page_stats();
    for (u32 u = 0; u < u32(PageUse::Count); u++)
        CHECK(stats_after.used_by[u] == stats_before.used_by[u]);

    free_pages(block);
    free_pages(single);
    CHECK(free_page_count() == ram.pages());
}

TEST_CASE("page_alloc: a double free after merging is ignored")
{
    // Two buddies freed one after the other merge into one block; freeing
    // the second again must not put its page on a free list a second time
    // (that would hand it out twice).
    FakeRam ram(4 * MIB);
    paddr_t a = alloc_page(PageUse::Kernel);
    paddr_t b = alloc_page(PageUse::Kernel);
    REQUIRE(a != 0);
    REQUIRE(b != 0);
    free_pages(a);
    free_pages(b);
    const u64 total = free_page_count();
    CHECK(total == ram.pages());
    free_pages(b); // double free
    free_pages(a); // and the other one
    CHECK(free_page_count() == total);
    // Every page must come out exactly once.
    std::vector<paddr_t> pages = drain();
    std::set<paddr_t> unique(pages.begin(), pages.end());
    CHECK(unique.size() == pages.size());
    CHECK(pages.size() == ram.pages());
    for (paddr_t pa : unique)
        free_pages(pa);
}

TEST_CASE("page_alloc: statistics by use")
{
    FakeRam ram(8 * MIB);
    paddr_t k = alloc_pages(3, PageUse::Kernel);
    paddr_t s = alloc_page(PageUse::Slab);
    paddr_t t = alloc_pages(1, PageUse::PageTable);
    paddr_t u = alloc_pages(2, PageUse::User);
    paddr_t sh = alloc_page(PageUse::Shared);
    paddr_t f = alloc_pages(4, PageUse::FileCache);
    PageStats st = page_stats();
    CHECK(st.used_by[u32(PageUse::Kernel)] == 8);
    CHECK(st.used_by[u32(PageUse::Slab)] == 1);
    CHECK(st.used_by[u32(PageUse::PageTable)] == 2);
    CHECK(st.used_by[u32(PageUse::User)] == 4);
    CHECK(st.used_by[u32(PageUse::Shared)] == 1);
    CHECK(st.used_by[u32(PageUse::FileCache)] == 16);
    CHECK(st.free_pages == st.total_pages - 32);
    for (paddr_t pa : {k, s, t, u, sh, f})
        free_pages(pa);
    st = page_stats();
    for (u32 i = 0; i < u32(PageUse::Count); i++)
        CHECK(st.used_by[i] == 0);
    CHECK(st.free_pages == st.total_pages);

    CHECK(std::string(page_use_name(PageUse::Free)) == "free");
    CHECK(std::string(page_use_name(PageUse::PageTable)) == "pagetable");
    CHECK(std::string(page_use_name(PageUse::FileCache)) == "filecache");
    CHECK(std::string(page_use_name(PageUse::Count)) == "?");
}

TEST_CASE("page_alloc: zeroed pages are zero and page_of maps both ways")
{
    FakeRam ram(4 * MIB);
    paddr_t pa = alloc_page_zeroed(PageUse::Kernel);
    REQUIRE(pa != 0);
    const u8* p = ram.at(pa);
    CHECK(std::all_of(p, p + PAGE_SIZE, [](u8 b) { return b == 0; }));
    CHECK(page_of(pa) != nullptr);
    CHECK(page_of(pa + 123) == page_of(pa)); // any address inside the page
    CHECK(page_address(page_of(pa)) == pa);
    CHECK(page_of(0x1000) == nullptr);
    CHECK(page_of(ram.end() + 64 * MIB) == nullptr);
    free_pages(pa);
}

TEST_CASE("page_alloc: the lock is released on every path")
{
    FakeRam ram(4 * MIB);
    paddr_t pa = alloc_page(PageUse::Kernel);
    free_pages(pa);
    free_pages(0x1000);
    (void)alloc_pages(PAGE_MAX_ORDER + 1, PageUse::Kernel);
    (void)page_stats();
    CHECK(host::spinlocks_held() == 0);
    CHECK(host::irq_off_depth() == 0);
}
