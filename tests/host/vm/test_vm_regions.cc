/*
 * Region bookkeeping on the host (machine.h): mmap places regions, munmap
 * and mprotect split them at either edge and in the middle, sbrk moves the
 * break in every layout the heap can be left in, and the invariant checker
 * runs after every step and catches the bookkeeping bugs it is for.
 */
#include "machine.h"

#include <tuple>

#include "kernel/mm/vm_check.h"
#include "kernel/uapi/mman.h"

using namespace vm;

namespace {

constexpr u64 P = PAGE_SIZE;
constexpr u32 RW = PROT_READ | PROT_WRITE;

// (start, end, prot, kind) of every region of the current process.
using Layout = std::vector<std::tuple<u64, u64, u32, RegionKind>>;
Layout layout()
{
    Layout out;
    AddressSpace* as = current()->space();
    SleepLockGuard guard(as->lock());
    for (MemRegion* r = as->first_region(); r; r = as->next_region(r))
        out.emplace_back(r->start, r->end, r->prot, r->kind);
    return out;
}

// The regions of the current process in [from, to), without the scratch
// mapping tests keep for their arguments.
Layout layout_in(u64 from, u64 to)
{
    Layout out;
    for (auto& r : layout())
        if (std::get<0>(r) >= from && std::get<1>(r) <= to)
            out.push_back(r);
    return out;
}

long mmap_anon(u64 addr, u64 length, u32 prot, u32 flags = MAP_PRIVATE)
{
    return sys(sys_mmap, addr, length, prot, flags | MAP_ANONYMOUS, -1, 0);
}

void touch(u64 start, u64 length)
{
    for (u64 va = start; va < start + length; va += P)
        REQUIRE(fault(va, Access::Write).ok());
}

u64 brk() { return current()->space()->brk; }

} // namespace

TEST_CASE("vm: munmap at the left edge, the right edge and in the middle splits regions and frees their pages")
{
    Session session;
    Process* p = spawn();
    u64 a = u64(mmap_anon(0, 16 * P, RW));
    REQUIRE(a == USER_MMAP_BASE);
    check("mmap");
    touch(a, 16 * P);
    check("touching 16 pages");
    CHECK(p->space()->resident_pages() == 16);
    u64 free_before = free_page_count();

    CHECK(sys(sys_munmap, a, 2 * P) == 0); // left edge
    check("munmap at the left edge");
    CHECK(layout_in(a, a + 16 * P) == Layout{{a + 2 * P, a + 16 * P, RW, RegionKind::Anonymous}});
    CHECK(free_page_count() == free_before + 2);

    CHECK(sys(sys_munmap, a + 14 * P, 2 * P) == 0); // right edge
    check("munmap at the right edge");
    CHECK(sys(sys_munmap, a + 6 * P, 3 * P) == 0); // middle
    check("munmap in the middle");
    CHECK(layout_in(a, a + 16 * P) == Layout{{a + 2 * P, a + 6 * P, RW, RegionKind::Anonymous},
                                            {a + 9 * P, a + 14 * P, RW, RegionKind::Anonymous}});
    CHECK(p->space()->resident_pages() == 9);
    CHECK(free_page_count() == free_before + 7);
    CHECK_FALSE(fault(a + 7 * P, Access::Read).ok()); // the hole is gone for good
    CHECK(mapped(p, a + 5 * P) != 0);

    // Across a hole and two regions, with a partial page at the end.
    CHECK(sys(sys_munmap, a + 4 * P, 8 * P - 100) == 0);
    check("munmap across a hole");
    CHECK(layout_in(a, a + 16 * P) == Layout{{a + 2 * P, a + 4 * P, RW, RegionKind::Anonymous},
                                            {a + 12 * P, a + 14 * P, RW, RegionKind::Anonymous}});
    // Bad ranges change nothing.
    CHECK(sys(sys_munmap, a + 1, P) == ERR_INVAL);
    CHECK(sys(sys_munmap, a, 0) == ERR_INVAL);
    CHECK(sys(sys_munmap, USER_VA_END - P, 2 * P) == ERR_INVAL);
    CHECK(p->space()->resident_pages() == 4);
    check("bad munmaps");
}

TEST_CASE("vm: mprotect at either edge and in the middle splits regions, and the PTEs follow")
{
    Session session;
    Process* p = spawn();
    u64 a = u64(mmap_anon(0, 10 * P, RW));
    touch(a, 10 * P);
    int regions = p->space()->region_count();

    CHECK(sys(sys_mprotect, a, 2 * P, PROT_READ) == 0); // left edge
    check("mprotect at the left edge");
    u32 perms = 0;
    REQUIRE(mapped(p, a, &perms));
    CHECK(!(perms & PERM_WRITE));
    CHECK(fault(a + P, Access::Write).error_code() == ERR_FAULT);
    CHECK(fault(a + P, Access::Read).ok());

    CHECK(sys(sys_mprotect, a + 8 * P, 2 * P, PROT_READ) == 0); // right edge
    CHECK(sys(sys_mprotect, a + 4 * P, 2 * P, PROT_NONE) == 0);  // middle
    check("mprotect at the right edge and in the middle");
    CHECK(layout_in(a, a + 10 * P) == Layout{{a, a + 2 * P, PROT_READ, RegionKind::Anonymous},
                                            {a + 2 * P, a + 4 * P, RW, RegionKind::Anonymous},
                                            {a + 4 * P, a + 6 * P, PROT_NONE, RegionKind::Anonymous},
                                            {a + 6 * P, a + 8 * P, RW, RegionKind::Anonymous},
                                            {a + 8 * P, a + 10 * P, PROT_READ, RegionKind::Anonymous}});
    CHECK(p->space()->region_count() == regions + 4);
    // PROT_NONE keeps its pages, out of the user's reach.
    REQUIRE(mapped(p, a + 4 * P, &perms));
    CHECK(!(perms & PERM_USER));
    CHECK(fault(a + 4 * P, Access::Read).error_code() == ERR_FAULT);
    CHECK(p->space()->resident_pages() == 10);

    // Back to read-write over all of it: the pieces stay, the PTEs follow.
    CHECK(sys(sys_mprotect, a, 10 * P, RW) == 0);
    check("mprotect back");
    for (u64 va = a; va < a + 10 * P; va += P) {
        REQUIRE(mapped(p, va, &perms));
        CHECK((perms & (PERM_WRITE | PERM_USER)) == (PERM_WRITE | PERM_USER));
    }
    // Refused: a hole in the range, rights beyond the region's.
    CHECK(sys(sys_munmap, a + 5 * P, P) == 0);
    CHECK(sys(sys_mprotect, a, 10 * P, PROT_READ) == ERR_NOMEM);
    CHECK(sys(sys_mprotect, a + P, P, 0x100) == ERR_INVAL);
    check("refused mprotects");
}

TEST_CASE("vm: sbrk grows and shrinks the heap in every layout munmap, mprotect and MAP_FIXED leave")
{
    Session session;
    Process* p = spawn(0x200000);
    const u64 h = 0x200000;

    SUBCASE("grow from nothing, touch, shrink back")
    {
        CHECK(sys(sys_sbrk, 3 * P + 100) == long(h));
        check("sbrk up");
        CHECK(brk() == h + 3 * P + 100);
        CHECK(layout_in(h, USER_MMAP_BASE) == Layout{{h, h + 4 * P, RW, RegionKind::Heap}});
        touch(h, 4 * P);
        u64 free_touched = free_page_count();
        CHECK(sys(sys_sbrk, -long(2 * P)) == long(h + 3 * P + 100));
        check("sbrk down");
        CHECK(layout_in(h, USER_MMAP_BASE) == Layout{{h, h + 2 * P, RW, RegionKind::Heap}});
        CHECK(free_page_count() == free_touched + 2);
        CHECK(sys(sys_sbrk, -long(P + 100)) == long(h + P + 100));
        check("sbrk to the start");
        CHECK(layout_in(h, USER_MMAP_BASE).empty());
        CHECK(sys(sys_sbrk, -1) == ERR_INVAL); // below the heap's start
        CHECK(brk() == h);
    }
    SUBCASE("a hole at the top: growing adds a piece")
    {
        sys(sys_sbrk, 4 * P);
        CHECK(sys(sys_munmap, h + 3 * P, P) == 0);
        check("munmap the top");
        CHECK(sys(sys_sbrk, 2 * P) == long(h + 4 * P));
        check("sbrk over the hole");
        CHECK(layout_in(h, USER_MMAP_BASE) == Layout{{h, h + 3 * P, RW, RegionKind::Heap},
                                                    {h + 4 * P, h + 6 * P, RW, RegionKind::Heap}});
        CHECK(fault(h + 3 * P, Access::Read).error_code() == ERR_FAULT); // the hole stays a hole
    }
    SUBCASE("a read-only top stays read-only: growing adds a piece")
    {
        sys(sys_sbrk, 4 * P);
        CHECK(sys(sys_mprotect, h + 3 * P, P, PROT_READ) == 0);
        CHECK(sys(sys_sbrk, P) == long(h + 4 * P));
        check("sbrk above a read-only top");
        CHECK(layout_in(h, USER_MMAP_BASE) == Layout{{h, h + 3 * P, RW, RegionKind::Heap},
                                                    {h + 3 * P, h + 4 * P, PROT_READ, RegionKind::Heap},
                                                    {h + 4 * P, h + 5 * P, RW, RegionKind::Heap}});
        CHECK(fault(h + 3 * P, Access::Write).error_code() == ERR_FAULT);
        CHECK(fault(h + 4 * P, Access::Write).ok());
    }
    SUBCASE("a mapping in the way: growing fails and changes nothing")
    {
        sys(sys_sbrk, 2 * P);
        CHECK(mmap_anon(h + 3 * P, P, RW, MAP_PRIVATE | MAP_FIXED) == long(h + 3 * P));
        CHECK(sys(sys_sbrk, 2 * P) == ERR_NOMEM);
        check("refused sbrk");
        CHECK(brk() == h + 2 * P);
        CHECK(sys(sys_sbrk, P) == long(h + 2 * P)); // up to it is fine
        check("sbrk up to the mapping");
    }
    SUBCASE("shrinking removes heap pieces above the break, and nothing else")
    {
        sys(sys_sbrk, 8 * P);
        touch(h, 8 * P);
        CHECK(sys(sys_munmap, h + 4 * P, 2 * P) == 0);
        CHECK(mmap_anon(h + 4 * P, 2 * P, RW, MAP_SHARED | MAP_FIXED) == long(h + 4 * P)); // a foreign mapping
        touch(h + 4 * P, 2 * P);
        check("heap with a foreign mapping inside");
        CHECK(sys(sys_sbrk, -long(6 * P + P / 2)) == long(h + 8 * P));
        check("sbrk down across the foreign mapping");
        CHECK(layout_in(h, USER_MMAP_BASE) == Layout{{h, h + 2 * P, RW, RegionKind::Heap},
                                                    {h + 4 * P, h + 6 * P, RW, RegionKind::Anonymous}});
        CHECK(mapped(p, h + 4 * P) != 0); // the foreign pages are still there
        CHECK(mapped(p, h + 6 * P) == 0);
        CHECK(brk() == h + P + P / 2);
    }
    SUBCASE("limits: more than memory, into the mmap area, overflow")
    {
        CHECK(sys(sys_sbrk, long((boot() + 1) * P)) == ERR_NOMEM);
        CHECK(sys(sys_sbrk, long(USER_MMAP_BASE - h + P)) == ERR_NOMEM);
        CHECK(sys(sys_sbrk, long(0x7fffffffffffffffull)) == ERR_NOMEM);
        CHECK(sys(sys_sbrk, long(-0x7fffffffffffffffll - 1)) == ERR_INVAL);
        CHECK(brk() == h);
        check("refused sbrks");
    }
}

TEST_CASE("vm: the checker catches bookkeeping bugs of the sbrk kind on the host")
{
    Session session;
    Process* p = spawn(0x200000);
    sys(sys_sbrk, 4 * P);
    touch(0x200000, 4 * P);
    AddressSpace* as = p->space();
    auto verdict = [&] {
        VmViolation v;
        SleepLockGuard guard(as->lock());
        bool ok = vm_check_space(as, &v);
        return ok ? std::string() : std::string(v.what);
    };
    CHECK(verdict().empty());

    // The break moved below the heap's top without the heap shrinking.
    as->brk = 0x200000 + 2 * P;
    CHECK(verdict() == "heap region outside [heap start, break)");
    as->brk = 0x200000 + 4 * P;

    // A page mapped where no region is.
    paddr_t stray = alloc_page_zeroed(PageUse::User);
    REQUIRE(as->page_table().map_page(0x100000, stray, PERM_READ | PERM_USER).ok());
    CHECK(verdict() == "valid user PTE outside every region");
    CHECK(as->page_table().unmap_page(0x100000) == stray);

    // A PTE that grants more than its region.
    CHECK(sys(sys_mprotect, 0x200000, P, PROT_READ) == 0);
    paddr_t pa = mapped(p, 0x200000);
    REQUIRE(as->page_table().protect_page(0x200000, PERM_READ | PERM_WRITE | PERM_USER));
    CHECK(verdict() == "PTE grants more than its region");
    REQUIRE(as->page_table().protect_page(0x200000, PERM_READ | PERM_USER));

    // A PTE the space does not count: a page mapped twice behind the
    // fault handler's back.
    CHECK(sys(sys_sbrk, P) == long(0x200000 + 4 * P));
    REQUIRE(as->page_table().map_page(0x200000 + 4 * P, stray, PERM_READ | PERM_USER).ok());
    CHECK(verdict() == "resident page count differs from the PTEs");
    CHECK(as->page_table().unmap_page(0x200000 + 4 * P) == stray);
    free_pages(stray);
    CHECK(verdict().empty());
    (void)pa;
}

TEST_CASE("vm: regions are kept sorted; mmap fills the first hole that fits; MAP_FIXED never replaces")
{
    Session session;
    Process* p = spawn();
    const u64 m = USER_MMAP_BASE;
    // Placed out of order with MAP_FIXED, then looked at in address order.
    CHECK(mmap_anon(m + 8 * P, P, RW, MAP_PRIVATE | MAP_FIXED) == long(m + 8 * P));
    CHECK(mmap_anon(m + 2 * P, 2 * P, RW, MAP_PRIVATE | MAP_FIXED) == long(m + 2 * P));
    CHECK(mmap_anon(m + 5 * P, P, RW, MAP_PRIVATE | MAP_FIXED) == long(m + 5 * P));
    check("fixed placements");
    // The kernel's choice: the first hole big enough, in address order.
    CHECK(mmap_anon(0, 2 * P, RW) == long(m));          // [0, 2) is free
    CHECK(mmap_anon(0, 2 * P, RW) == long(m + 6 * P));  // [4, 5) is too small
    CHECK(mmap_anon(0, P, RW) == long(m + 4 * P));      // but fits one page
    CHECK(mmap_anon(0, P, RW) == long(m + 9 * P));
    check("chosen placements");
    Layout got = layout_in(m, m + 16 * P);
    REQUIRE(got.size() == 7);
    for (size_t i = 1; i < got.size(); i++)
        CHECK(std::get<1>(got[i - 1]) <= std::get<0>(got[i]));
    // Anything in the way refuses a fixed mapping, however little.
    CHECK(mmap_anon(m + 7 * P, 2 * P, RW, MAP_PRIVATE | MAP_FIXED) == ERR_NOMEM);
    CHECK(mmap_anon(m + 3, P, RW, MAP_PRIVATE | MAP_FIXED) == ERR_INVAL);
    CHECK(mmap_anon(0x1000, P, RW, MAP_PRIVATE | MAP_FIXED) == ERR_INVAL); // below user space
    CHECK(layout_in(m, m + 16 * P) == got);
    check("refused placements");
    (void)p;
}
