/*
 * Unit tests of the buddy page allocator (kernel/mm/page_alloc.cc) over a
 * fake bank of RAM.
 *
 * The property that matters most is conservation: whatever is allocated
 * and freed, in whatever order, the free count comes back and the blocks
 * merge back into the largest ones, so a test can prove a leak by counting.
 * The last tests give the allocator banks far apart (memory with holes).
 */
#include <doctest/doctest.h>

#include <sys/mman.h>

#include <algorithm>
#include <set>
#include <vector>

#include "fake_ram.h"
#include "host_support.h"
#include "kernel/lib/random.h"
#include "kernel/mm/memory_map.h"

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

TEST_CASE("page_alloc: pages one hart has cached serve another hart, and merge for large blocks")
{
    FakeRam ram(4 * MIB);
    const u64 total = free_page_count();
    // Hart 0 takes every page and frees them: some stay in its cache.
    std::vector<paddr_t> pages = drain(PageUse::User);
    CHECK(pages.size() == total);
    for (paddr_t pa : pages)
        free_pages(pa);
    CHECK(free_page_count() == total);
    CHECK(page_stats().used_by[u32(PageUse::User)] == 0);

    // Hart 1 gets every page too, hart 0's cached ones included.
    host::set_hart(1);
    std::vector<paddr_t> again = drain(PageUse::Shared);
    CHECK(again.size() == total);
    CHECK(page_stats().used_by[u32(PageUse::Shared)] == total);
    // Freed on another hart than the one that took them, the counts hold.
    host::set_hart(2);
    for (paddr_t pa : again)
        free_pages(pa);
    CHECK(free_page_count() == total);
    CHECK(page_stats().used_by[u32(PageUse::Shared)] == 0);

    // Cached single pages merge back when the largest blocks are wanted.
    host::set_hart(0);
    for (u64 i = 0; i < total * PAGE_SIZE / MAX_BLOCK; i++)
        CHECK(alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel) != 0);
    CHECK(free_page_count() == 0);
    CHECK(host::spinlocks_held() == 0);
}

TEST_CASE("page_alloc: a double free through a hart's cache is ignored")
{
    FakeRam ram(4 * MIB);
    const u64 total = free_page_count();
    paddr_t pa = alloc_page(PageUse::Kernel);
    free_pages(pa);
    free_pages(pa);
    host::set_hart(1);
    free_pages(pa);
    host::set_hart(0);
    CHECK(free_page_count() == total);
    std::vector<paddr_t> pages = drain();
    CHECK(pages.size() == total); // the page was not listed twice
    std::set<paddr_t> unique(pages.begin(), pages.end());
    CHECK(unique.size() == pages.size());
    for (paddr_t p : pages)
        free_pages(p);
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

// ---- memory with holes ---------------------------------------------------------------------

namespace {

// Several banks of fake RAM far apart in physical space, as on the
// PolarFire SoC: the host reserves address space (no memory) for the whole
// span and makes only the banks readable, so the direct map works and a
// touch of the hole crashes. Descriptors come from plan_descriptor_spans,
// as at boot.
class FakeBanks {
public:
    explicit FakeBanks(std::vector<MemRange> banks) : m_banks(std::move(banks))
    {
        paddr_t low = ~paddr_t(0), high = 0;
        for (const MemRange& b : m_banks) {
            low = std::min(low, align_down(b.base, PAGE_MAX_BLOCK));
            high = std::max(high, align_up(b.end(), PAGE_MAX_BLOCK));
        }
        m_low = low;
        m_bytes = high - low;
        m_window = mmap(nullptr, m_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        REQUIRE(m_window != MAP_FAILED);
        g_direct_map_offset = uptr(m_window) - low;
        for (const MemRange& b : m_banks)
            REQUIRE(mprotect(phys_to_virt(b.base), b.size, PROT_READ | PROT_WRITE) == 0);

        MemRange spans[PAGE_MAX_SPANS];
        m_span_count = plan_descriptor_spans(m_banks.data(), int(m_banks.size()), spans, PAGE_MAX_SPANS);
        page_alloc_reset();
        for (int s = 0; s < m_span_count; s++) {
            size_t count = page_span_descriptor_count(spans[s].base, spans[s].end());
            m_descriptor_count += count;
            m_descriptors.push_back(static_cast<Page*>(calloc(count, sizeof(Page))));
            REQUIRE(page_alloc_add_span(spans[s].base, spans[s].end(), m_descriptors.back()));
        }
        for (const MemRange& b : m_banks)
            page_add_free_range(b.base, b.end());
    }

    ~FakeBanks()
    {
        page_alloc_reset();
        for (Page* p : m_descriptors)
            free(p);
        munmap(m_window, m_bytes);
        g_direct_map_offset = 0;
    }

    FakeBanks(const FakeBanks&) = delete;
    FakeBanks& operator=(const FakeBanks&) = delete;

    int span_count() const { return m_span_count; }
    size_t descriptor_count() const { return m_descriptor_count; }
    int bank_of(paddr_t pa, size_t bytes = 1) const
    {
        for (size_t i = 0; i < m_banks.size(); i++)
            if (pa >= m_banks[i].base && pa + bytes <= m_banks[i].end())
                return int(i);
        return -1;
    }
    u64 pages() const
    {
        u64 n = 0;
        for (const MemRange& b : m_banks)
            n += b.size / PAGE_SIZE;
        return n;
    }

private:
    std::vector<MemRange> m_banks;
    void* m_window = nullptr;
    paddr_t m_low = 0;
    size_t m_bytes = 0;
    int m_span_count = 0;
    size_t m_descriptor_count = 0;
    std::vector<Page*> m_descriptors;
};

} // namespace

TEST_CASE("page_alloc: two banks 62 GiB apart are described bank by bank")
{
    // The Icicle Kit's layout, scaled down: 8 MiB at 2 GiB, 12 MiB at 65 GiB.
    FakeBanks ram({{0x80000000, 8 * MIB}, {0x1040000000, 12 * MIB}});
    CHECK(ram.span_count() == 2);
    // Descriptors for the banks only, not for the 62 GiB between them.
    CHECK(ram.descriptor_count() == (20 * MIB) / PAGE_SIZE);
    CHECK(page_stats().total_pages == ram.pages());

    // Every page comes out once, from one bank or the other; blocks never
    // straddle the hole.
    std::vector<paddr_t> pages = drain();
    CHECK(pages.size() == ram.pages());
    std::set<paddr_t> unique(pages.begin(), pages.end());
    CHECK(unique.size() == pages.size());
    int in_bank[2] = {0, 0};
    for (paddr_t pa : pages) {
        int bank = ram.bank_of(pa, PAGE_SIZE);
        REQUIRE(bank >= 0);
        in_bank[bank]++;
        CHECK(page_address(page_of(pa)) == pa);
        *phys_to_ptr<u64>(pa) = pa; // the direct map reaches both banks
    }
    CHECK(in_bank[0] == int(8 * MIB / PAGE_SIZE));
    CHECK(in_bank[1] == int(12 * MIB / PAGE_SIZE));
    for (paddr_t pa : pages)
        free_pages(pa);
    CHECK(free_page_count() == ram.pages());

    // Freed pages merged back into maximal blocks: 2 + 3 of them.
    std::vector<paddr_t> blocks;
    for (paddr_t pa; (pa = alloc_pages(PAGE_MAX_ORDER, PageUse::Kernel)) != 0;) {
        CHECK(ram.bank_of(pa, PAGE_MAX_BLOCK) >= 0);
        blocks.push_back(pa);
    }
    CHECK(blocks.size() == 5);
    for (paddr_t pa : blocks)
        free_pages(pa);

    // The hole, and beyond the banks, have no descriptors.
    for (paddr_t pa : {paddr_t(0x80000000 + 8 * MIB), paddr_t(0x800000000), paddr_t(0x1040000000 - PAGE_SIZE),
                       paddr_t(0x1040000000 + 12 * MIB), PAGE_PHYS_LIMIT, ~paddr_t(0)}) {
        CAPTURE(pa);
        CHECK(page_of(pa) == nullptr);
        CHECK(page_refcount(pa) == 0);
        free_pages(pa); // ignored
    }
    CHECK(page_of(0x1040000000) != nullptr);
    CHECK(free_page_count() == ram.pages());
}

TEST_CASE("page_alloc: banks that meet in one 128 MiB section share a span, and the gap stays out")
{
    // 8 MiB, a 4 MiB gap, 4 MiB: one span of 16 MiB; the gap is described
    // but never free.
    FakeBanks ram({{0x80000000, 8 * MIB}, {0x80c00000, 4 * MIB}});
    CHECK(ram.span_count() == 1);
    CHECK(ram.descriptor_count() == (16 * MIB) / PAGE_SIZE);
    std::vector<paddr_t> pages = drain();
    CHECK(pages.size() == ram.pages());
    for (paddr_t pa : pages)
        CHECK(ram.bank_of(pa, PAGE_SIZE) >= 0);
    for (paddr_t pa : pages)
        free_pages(pa);
    CHECK(page_of(0x80800000) != nullptr);          // described...
    CHECK(page_of(0x80800000)->use == PageUse::Reserved); // ...but never handed out
    CHECK(free_page_count() == ram.pages());
}

TEST_CASE("page_alloc: spans must be whole maximal blocks in their own sections")
{
    std::vector<Page> descriptors(4 * PAGE_MAX_BLOCK / PAGE_SIZE);
    page_alloc_reset();
    CHECK_FALSE(page_alloc_add_span(0x80001000, 0x80400000, descriptors.data())); // unaligned start
    CHECK_FALSE(page_alloc_add_span(0x80000000, 0x80401000, descriptors.data())); // unaligned end
    CHECK_FALSE(page_alloc_add_span(0x80400000, 0x80400000, descriptors.data())); // empty
    CHECK_FALSE(page_alloc_add_span(PAGE_PHYS_LIMIT, PAGE_PHYS_LIMIT + PAGE_MAX_BLOCK, descriptors.data()));
    CHECK_FALSE(page_alloc_add_span(0x80000000, 0x80400000, nullptr));
    REQUIRE(page_alloc_add_span(0x80000000, 0x80400000, descriptors.data()));
    // Another span in the same section would make page_of ambiguous.
    CHECK_FALSE(page_alloc_add_span(0x80800000, 0x80c00000, descriptors.data() + 1024));
    for (int i = 1; i < PAGE_MAX_SPANS; i++)
        CHECK(page_alloc_add_span(0x100000000 + u64(i) * 0x10000000, 0x100400000 + u64(i) * 0x10000000,
                                  descriptors.data()));
    CHECK_FALSE(page_alloc_add_span(0x200000000, 0x200400000, descriptors.data())); // table full
    CHECK(page_of(0x80000000) == &descriptors[0]);
    CHECK(page_of(0x803ff000) == &descriptors[1023]);
    CHECK(page_of(0x80400000) == nullptr);
    CHECK(page_stats().total_pages == 0); // nothing was freed into them
    page_alloc_reset();
}
