/*
 * Unit tests of kmalloc (kernel/mm/kmalloc.cc) over fake RAM: size classes,
 * whole-page allocations, and the promise that matters for leak checks:
 * once every object is freed, every slab page is back in the page
 * allocator.
 */
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "fake_ram.h"
#include "host_support.h"
#include "kernel/lib/random.h"
#include "kernel/mm/kmalloc.h"

namespace {

constexpr size_t MIB = 1 << 20;
constexpr size_t CLASSES[] = {16, 32, 64, 128, 256, 512, 1024, 2048};

size_t class_of(size_t size)
{
    for (size_t c : CLASSES)
        if (size <= c)
            return c;
    return 0;
}

Page* page_for(const void* p) { return page_of(page_round_down(virt_to_phys(p))); }

} // namespace

TEST_CASE("kmalloc: small sizes come from slabs of the right class")
{
    FakeRam ram(8 * MIB);
    const u64 before = free_page_count();
    std::vector<void*> held;
    for (size_t size = 0; size <= 2048; size += (size < 70 ? 1 : 37)) {
        CAPTURE(size);
        void* p = kmalloc(size);
        REQUIRE(p != nullptr);
        size_t cls = class_of(size ? size : 1);
        // Objects sit at multiples of their class size within the page.
        CHECK(uptr(p) % cls == 0);
        CHECK(ram.contains(virt_to_phys(p), size));
        Page* page = page_for(p);
        REQUIRE(page != nullptr);
        CHECK(page->use == PageUse::Slab);
        memset(p, 0xee, size);
        held.push_back(p);
    }
    CHECK(free_page_count() < before);
    for (void* p : held)
        kfree(p);
    CHECK(free_page_count() == before);
    CHECK(page_stats().used_by[u32(PageUse::Slab)] == 0);
}

TEST_CASE("kmalloc: objects of one class fill pages without overlapping")
{
    FakeRam ram(8 * MIB);
    const u64 before = free_page_count();
    for (size_t cls : CLASSES) {
        CAPTURE(cls);
        const size_t per_page = PAGE_SIZE / cls;
        const size_t count = per_page * 3 + 1;
        std::vector<u8*> objs;
        for (size_t i = 0; i < count; i++) {
            u8* p = static_cast<u8*>(kmalloc(cls));
            REQUIRE(p != nullptr);
            memset(p, int(i & 0xff), cls);
            objs.push_back(p);
        }
        // Exactly enough pages: 3 full ones and one more.
        CHECK(before - free_page_count() == 4);
        std::vector<u8*> sorted = objs;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 1; i < sorted.size(); i++)
            CHECK(sorted[i] - sorted[i - 1] >= long(cls));
        for (size_t i = 0; i < count; i++) {
            bool intact = objs[i][0] == u8(i & 0xff) && objs[i][cls - 1] == u8(i & 0xff);
            CHECK(intact);
        }
        // Free every other object, then allocate as many again: holes are
        // reused before new pages are taken, so it still takes four pages.
        for (size_t i = 0; i < count; i += 2) {
            kfree(objs[i]);
            objs[i] = nullptr;
        }
        for (size_t i = 0; i < count; i += 2)
            objs[i] = static_cast<u8*>(kmalloc(cls));
        CHECK(before - free_page_count() == 4);
        for (u8* p : objs)
            kfree(p);
        CHECK(free_page_count() == before);
    }
}

TEST_CASE("kmalloc: large sizes get whole power-of-two blocks")
{
    FakeRam ram(16 * MIB);
    const u64 before = free_page_count();
    struct Case {
        size_t size;
        u64 pages;
    };
    const Case cases[] = {
        {2049, 1}, {4096, 1}, {4097, 2}, {8192, 2}, {8193, 4}, {100000, 32}, {PAGE_SIZE << PAGE_MAX_ORDER, 1024},
    };
    for (const Case& c : cases) {
        CAPTURE(c.size);
        void* p = kmalloc(c.size);
        REQUIRE(p != nullptr);
        CHECK(is_aligned(uptr(p), PAGE_SIZE));
        CHECK(page_for(p)->use == PageUse::Kernel);
        CHECK(before - free_page_count() == c.pages);
        memset(p, 1, c.size);
        kfree(p);
        CHECK(free_page_count() == before);
    }
    CHECK(kmalloc((PAGE_SIZE << PAGE_MAX_ORDER) + 1) == nullptr);
    CHECK(kmalloc(size_t(1) << 40) == nullptr);
    CHECK(free_page_count() == before);
    // Sizes near the top of size_t (a length from user space gone wrong)
    // must fail too, not loop: run them where a hang can be cut short.
    for (size_t size : {(size_t(1) << 63) + 1, ~size_t(0) - PAGE_SIZE, ~size_t(0)}) {
        CAPTURE(size);
        host::ChildOutcome o = host::run_in_child([size] { return kmalloc(size) == nullptr ? 0 : 1; }, 5000);
        INFO(o.output);
        CHECK_FALSE(o.timed_out);
        CHECK(o.exited);
        CHECK(o.exit_code == 0);
    }
}

TEST_CASE("kmalloc: kzalloc zeroes, kfree(nullptr) does nothing")
{
    FakeRam ram(4 * MIB);
    const u64 before = free_page_count();
    for (size_t size : {size_t(1), size_t(24), size_t(2048), size_t(3000), size_t(20000)}) {
        CAPTURE(size);
        // Dirty the memory first so the zeroing is seen.
        void* dirty = kmalloc(size);
        memset(dirty, 0xff, size);
        kfree(dirty);
        u8* p = static_cast<u8*>(kzalloc(size));
        REQUIRE(p != nullptr);
        CHECK(std::all_of(p, p + size, [](u8 b) { return b == 0; }));
        kfree(p);
    }
    kfree(nullptr);
    CHECK(free_page_count() == before);
}

TEST_CASE("kmalloc: make and destroy construct and destruct")
{
    FakeRam ram(4 * MIB);
    static int destroyed = 0;
    struct Thing {
        int a;
        long b;
        Thing(int x, long y) : a(x), b(y) {}
        ~Thing() { destroyed++; }
    };
    const u64 before = free_page_count();
    Thing* t = make<Thing>(3, 4L);
    REQUIRE(t != nullptr);
    CHECK(t->a == 3);
    CHECK(t->b == 4);
    destroy(t);
    CHECK(destroyed == 1);
    destroy<Thing>(nullptr);
    CHECK(destroyed == 1);
    CHECK(free_page_count() == before);
}

TEST_CASE("kmalloc: random sizes keep their contents and return every page")
{
    FakeRam ram(16 * MIB);
    const u64 before = free_page_count();
    Random rng(99);
    std::map<u8*, std::pair<size_t, u8>> held;
    for (int round = 0; round < 30000; round++) {
        if (!held.empty() && rng.below(5) < 2) {
            auto it = held.begin();
            std::advance(it, long(rng.below(held.size() < 64 ? held.size() : 64)));
            u8* p = it->first;
            auto [size, stamp] = it->second;
            bool intact = p[0] == stamp && p[size - 1] == stamp && p[size / 2] == stamp;
            REQUIRE(intact);
            kfree(p);
            held.erase(it);
        } else {
            size_t size = 1 + size_t(rng.below(rng.below(16) == 0 ? 20000 : 700));
            u8* p = static_cast<u8*>(kmalloc(size));
            if (!p)
                continue;
            REQUIRE(held.find(p) == held.end());
            u8 stamp = u8(rng.next());
            memset(p, stamp, size);
            held[p] = {size, stamp};
        }
    }
    for (auto& [p, info] : held)
        kfree(p);
    CHECK(free_page_count() == before);
    CHECK(host::spinlocks_held() == 0);
}

TEST_CASE("kmalloc: running out of memory returns nullptr and recovers")
{
    FakeRam ram(1 * MIB);
    const u64 before = free_page_count();
    std::vector<void*> held;
    for (;;) {
        void* p = kmalloc(1000);
        if (!p)
            break;
        held.push_back(p);
    }
    // Four 1024-byte objects per page, every page used.
    CHECK(held.size() == before * 4);
    CHECK(free_page_count() == 0);
    CHECK(kmalloc(16) == nullptr);
    CHECK(kmalloc(5000) == nullptr);
    for (void* p : held)
        kfree(p);
    CHECK(free_page_count() == before);
    void* p = kmalloc(16);
    CHECK(p != nullptr);
    kfree(p);
}
