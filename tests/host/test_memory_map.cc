/*
 * Unit tests of the boot memory map's arithmetic (kernel/mm/memory_map.cc):
 * which spans get page descriptors, what mem= leaves, whether a RAM disk
 * lies in RAM, and how sizes are written on the command line.
 */
#include <doctest/doctest.h>

#include <initializer_list>

#include "kernel/mm/memory_map.h"
#include "kernel/mm/page_alloc.h"

namespace {
constexpr u64 MIB = u64(1) << 20;
constexpr u64 GIB = u64(1) << 30;

u64 descriptor_bytes(const MemRange* spans, int n)
{
    u64 pages = 0;
    for (int i = 0; i < n; i++)
        pages += page_span_descriptor_count(spans[i].base, spans[i].end());
    return pages * sizeof(Page);
}
} // namespace

TEST_CASE("memory map: the Icicle Kit's two banks need descriptors for 2 GiB, not 64")
{
    const MemRange icicle[] = {{0x80000000, GIB}, {0x1040000000, GIB}};
    MemRange spans[PAGE_MAX_SPANS];
    int n = plan_descriptor_spans(icicle, 2, spans, PAGE_MAX_SPANS);
    REQUIRE(n == 2);
    CHECK(spans[0].base == 0x80000000);
    CHECK(spans[0].size == GIB);
    CHECK(spans[1].base == 0x1040000000);
    CHECK(spans[1].size == GIB);
    // 2 GiB of 4 KiB pages, 40 bytes each: 20 MiB. Describing the span from
    // the lowest to the highest address took 640 MiB.
    CHECK(sizeof(Page) == 40);
    CHECK(descriptor_bytes(spans, n) == 20 * MIB);
}

TEST_CASE("memory map: descriptor spans are whole blocks, sorted, merged within a section, clipped")
{
    MemRange spans[PAGE_MAX_SPANS];
    // Unaligned bank edges widen to 4 MiB blocks.
    const MemRange odd[] = {{0x80301000, 9 * MIB}};
    REQUIRE(plan_descriptor_spans(odd, 1, spans, PAGE_MAX_SPANS) == 1);
    CHECK(spans[0].base == 0x80000000);
    CHECK(spans[0].end() == 0x81000000); // 0x80c01000 rounded up

    // Out of order, two in one 128 MiB section, one beyond the direct map.
    const MemRange banks[] = {{0x1000000000, 64 * MIB}, {0x80000000, 16 * MIB}, {0x84000000, 16 * MIB},
                              {PAGE_PHYS_LIMIT + GIB, GIB}, {PAGE_PHYS_LIMIT - 4 * MIB, 16 * MIB}};
    int n = plan_descriptor_spans(banks, 5, spans, PAGE_MAX_SPANS);
    REQUIRE(n == 3);
    CHECK(spans[0].base == 0x80000000);
    CHECK(spans[0].end() == 0x85000000); // the 48 MiB gap is described, but small
    CHECK(spans[1].base == 0x1000000000);
    CHECK(spans[1].size == 64 * MIB);
    CHECK(spans[2].base == PAGE_PHYS_LIMIT - 4 * MIB);
    CHECK(spans[2].end() == PAGE_PHYS_LIMIT);

    // With room for one span only, everything joins it.
    CHECK(plan_descriptor_spans(banks, 3, spans, 1) == 1);
    CHECK(spans[0].base == 0x80000000);
    CHECK(spans[0].end() == 0x1004000000);
    CHECK(plan_descriptor_spans(banks, 3, spans, 0) == 0);
    CHECK(plan_descriptor_spans(banks, 0, spans, PAGE_MAX_SPANS) == 0);
    // A size that wraps around the address space is cut at the limit.
    const MemRange wrap[] = {{0x80000000, ~u64(0)}};
    REQUIRE(plan_descriptor_spans(wrap, 1, spans, PAGE_MAX_SPANS) == 1);
    CHECK(spans[0].end() == PAGE_PHYS_LIMIT);
}

TEST_CASE("memory map: mem= keeps the lowest RAM")
{
    MemRange banks[] = {{0x1040000000, GIB}, {0x80000000, GIB}};
    CHECK(limit_memory(banks, 2, 1536 * MIB) == 2);
    CHECK(banks[0].base == 0x80000000);
    CHECK(banks[0].size == GIB);
    CHECK(banks[1].base == 0x1040000000);
    CHECK(banks[1].size == 512 * MIB);

    MemRange vf2[] = {{0x40000000, 4 * GIB}};
    CHECK(limit_memory(vf2, 1, 2 * GIB) == 1);
    CHECK(vf2[0].size == 2 * GIB);
    MemRange two[] = {{0x80000000, GIB}, {0x1040000000, GIB}};
    CHECK(limit_memory(two, 2, GIB) == 1); // the second bank is dropped
    MemRange more[] = {{0x80000000, GIB}};
    CHECK(limit_memory(more, 1, 8 * GIB) == 1); // a limit above RAM changes nothing
    CHECK(more[0].size == GIB);
}

TEST_CASE("memory map: a RAM disk must lie inside one bank")
{
    const MemRange banks[] = {{0x80000000, GIB}, {0x1040000000, GIB}};
    CHECK(range_inside(banks, 2, 0x88200000, 16 * MIB));
    CHECK(range_inside(banks, 2, 0x1040000000, GIB));
    CHECK(range_inside(banks, 2, 0x80000000, 0));
    // QEMU 7.2 writes a high initrd-start as one cell: 0x10_7f000000 becomes 0x7f000000.
    CHECK_FALSE(range_inside(banks, 2, 0x7f000000, 16 * MIB));
    CHECK_FALSE(range_inside(banks, 2, 0xbff00000, 2 * MIB)); // runs off the end of a bank
    CHECK_FALSE(range_inside(banks, 2, 0xc0000000, MIB));     // in the hole
    CHECK_FALSE(range_inside(banks, 2, 0x80000000, ~u64(0))); // wraps
    CHECK_FALSE(range_inside(banks, 0, 0x80000000, 1));
}

TEST_CASE("memory map: sizes on the command line")
{
    u64 v = 0;
    CHECK(parse_size(StringView("512M"), &v));
    CHECK(v == 512 * MIB);
    CHECK(parse_size(StringView("2G"), &v));
    CHECK(v == 2 * GIB);
    CHECK(parse_size(StringView("2g"), &v));
    CHECK(v == 2 * GIB);
    CHECK(parse_size(StringView("64k"), &v));
    CHECK(v == 64 * 1024);
    CHECK(parse_size(StringView("1048576"), &v));
    CHECK(v == MIB);
    for (const char* bad : {"", "M", "12X", "1.5G", "-1", "12MB", "99999999999999999999", "17179869184G", " 1G"}) {
        CAPTURE(bad);
        v = 7;
        CHECK_FALSE(parse_size(StringView(bad), &v));
        CHECK(v == 7);
    }
}
