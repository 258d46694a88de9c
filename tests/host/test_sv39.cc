/*
 * Unit tests of the Sv39 page-table code (riscv/sv39.cc), walking tables
 * that live in fake physical memory.
 *
 * Besides the mappings themselves, the tests count page-table pages: a
 * table must allocate exactly the intermediate levels it needs, and
 * destroy() must give every one of them back, or each exiting process
 * would leak a few pages.
 */
#include <doctest/doctest.h>

#include <vector>

#include "fake_ram.h"
#include "host_support.h"
#include "riscv/memlayout.h"
#include "riscv/sv39.h"

using namespace sv39;

namespace {

constexpr size_t MIB = 1 << 20;
constexpr u64 GIB = u64(1) << 30;

u64 table_pages() { return page_stats().used_by[u32(PageUse::PageTable)]; }

PageTable new_table()
{
    auto r = PageTable::create_empty();
    REQUIRE(r.ok());
    return r.release_value();
}

const Pte* root_entries(const PageTable& t) { return phys_to_ptr<Pte>(t.root()); }

} // namespace

TEST_CASE("sv39: index and PTE helpers")
{
    CHECK(vpn(0x0000003fc0201000ull, 0) == 0x001);
    CHECK(vpn(0x0000003fc0201000ull, 1) == 0x001);
    CHECK(vpn(0x0000003fc0201000ull, 2) == 0x0ff);
    CHECK(vpn(KERNEL_VBASE, 2) == KERNEL_ROOT_SLOT);
    CHECK(vpn(DIRECT_MAP_BASE, 2) == DIRECT_MAP_ROOT_SLOT);
    CHECK(level_size(0) == PAGE_SIZE);
    CHECK(level_size(1) == 2 * MIB);
    CHECK(level_size(2) == GIB);
    Pte pte = make_pte(0x80123000, PTE_V | PTE_R);
    CHECK(pte_address(pte) == 0x80123000);
    CHECK(is_leaf(pte));
    CHECK_FALSE(is_leaf(make_pte(0x80123000, PTE_V)));
    CHECK_FALSE(is_leaf(make_pte(0x80123000, PTE_R)));
    // Physical addresses up to 56 bits survive the round trip.
    CHECK(pte_address(make_pte(0x00fffffffffff000ull, PTE_V)) == 0x00fffffffffff000ull);
}

TEST_CASE("sv39: permissions become PTE bits with A and D set")
{
    u64 f = flags_for(PERM_READ);
    CHECK((f & (PTE_V | PTE_A | PTE_D | PTE_R)) == (PTE_V | PTE_A | PTE_D | PTE_R));
    CHECK((f & (PTE_W | PTE_X | PTE_U | PTE_G)) == 0);
    // Write without read is a reserved encoding: read comes with it.
    f = flags_for(PERM_WRITE);
    CHECK((f & (PTE_R | PTE_W)) == (PTE_R | PTE_W));
    f = flags_for(PERM_EXEC | PERM_USER | PERM_GLOBAL);
    CHECK((f & (PTE_X | PTE_U | PTE_G)) == (PTE_X | PTE_U | PTE_G));
    CHECK((f & (PTE_R | PTE_W)) == 0);
    for (u32 perms = 0; perms < 32; perms++) {
        CAPTURE(perms);
        u32 expect = perms;
        if (perms & PERM_WRITE)
            expect |= PERM_READ;
        CHECK(perms_for(flags_for(perms)) == expect);
    }
}

TEST_CASE("sv39: map, look up, protect and unmap 4 KiB pages")
{
    FakeRam ram(8 * MIB);
    const u64 before = free_page_count();
    PageTable t = new_table();
    CHECK(t.is_valid());
    CHECK(table_pages() == 1);
    const u8* root = ram.at(t.root());
    for (size_t i = 0; i < PAGE_SIZE; i++)
        REQUIRE(root[i] == 0); // create_empty zeroes (FakeRam starts dirty)

    paddr_t data = alloc_page(PageUse::User);
    const vaddr_t va = 0x10000;
    REQUIRE(t.map_page(va, data, PERM_READ | PERM_USER).ok());
    CHECK(table_pages() == 3); // a level-1 and a level-0 table

    paddr_t pa = 0;
    u32 perms = 0;
    REQUIRE(t.lookup(va, &pa, &perms));
    CHECK(pa == data);
    CHECK(perms == (PERM_READ | PERM_USER));
    REQUIRE(t.lookup(va + 0xfff, &pa, &perms)); // any address in the page
    CHECK(pa == data);
    CHECK_FALSE(t.lookup(va + PAGE_SIZE, &pa, &perms));
    CHECK_FALSE(t.lookup(va - PAGE_SIZE, &pa, &perms));

    Pte* slot = leaf_slot(t, va, false);
    REQUIRE(slot != nullptr);
    CHECK((*slot & (PTE_V | PTE_A | PTE_D | PTE_R | PTE_U)) == (PTE_V | PTE_A | PTE_D | PTE_R | PTE_U));
    CHECK((*slot & (PTE_W | PTE_X | PTE_G)) == 0);
    CHECK(pte_address(*slot) == data);
    // The intermediate entries are pointers: V only.
    Pte top = root_entries(t)[vpn(va, 2)];
    CHECK((top & PTE_V) != 0);
    CHECK_FALSE(is_leaf(top));

    REQUIRE(t.protect_page(va, PERM_READ | PERM_WRITE | PERM_USER));
    REQUIRE(t.lookup(va, &pa, &perms));
    CHECK(pa == data);
    CHECK(perms == (PERM_READ | PERM_WRITE | PERM_USER));
    CHECK_FALSE(t.protect_page(va + PAGE_SIZE, PERM_READ));

    // Mapping again replaces.
    paddr_t other = alloc_page(PageUse::User);
    REQUIRE(t.map_page(va, other, PERM_READ | PERM_EXEC | PERM_USER).ok());
    REQUIRE(t.lookup(va, &pa, &perms));
    CHECK(pa == other);
    CHECK(perms == (PERM_READ | PERM_EXEC | PERM_USER));
    CHECK(table_pages() == 3);

    CHECK(t.unmap_page(va) == other);
    CHECK_FALSE(t.lookup(va, &pa, &perms));
    CHECK(t.unmap_page(va) == 0);
    CHECK(t.unmap_page(0x3000000000ull) == 0);
    CHECK(leaf_slot(t, 0x20000000, false) == nullptr);

    t.destroy();
    CHECK_FALSE(t.is_valid());
    t.destroy(); // a second destroy is harmless
    CHECK(table_pages() == 0);
    free_pages(data);
    free_pages(other);
    CHECK(free_page_count() == before);
}

TEST_CASE("sv39: table pages are shared by neighbours and all freed by destroy")
{
    FakeRam ram(8 * MIB);
    const u64 before = free_page_count();
    PageTable t = new_table();
    paddr_t data = alloc_page(PageUse::User);
    // 512 pages in one 2 MiB region need one level-0 table.
    for (u64 i = 0; i < 512; i++)
        REQUIRE(t.map_page(0x200000 + i * PAGE_SIZE, data, PERM_READ | PERM_USER).ok());
    CHECK(table_pages() == 3);
    // The next 2 MiB region: one more level-0 table.
    REQUIRE(t.map_page(0x400000, data, PERM_READ | PERM_USER).ok());
    CHECK(table_pages() == 4);
    // Another GiB: a level-1 and a level-0 table more.
    REQUIRE(t.map_page(3 * GIB, data, PERM_READ | PERM_USER).ok());
    CHECK(table_pages() == 6);
    // The top of user space.
    REQUIRE(t.map_page(USER_VA_END - PAGE_SIZE, data, PERM_READ | PERM_WRITE | PERM_USER).ok());
    CHECK(table_pages() == 8);
    paddr_t pa;
    u32 perms;
    REQUIRE(t.lookup(USER_VA_END - PAGE_SIZE, &pa, &perms));
    CHECK(pa == data);
    for (u64 i = 0; i < 512; i++) {
        REQUIRE(t.lookup(0x200000 + i * PAGE_SIZE, &pa, &perms));
        REQUIRE(pa == data);
    }
    // Unmapping leaves the tables; destroy frees them.
    for (u64 i = 0; i < 512; i++)
        CHECK(t.unmap_page(0x200000 + i * PAGE_SIZE) == data);
    CHECK(table_pages() == 8);
    t.destroy();
    CHECK(table_pages() == 0);
    free_pages(data);
    CHECK(free_page_count() == before);
}

TEST_CASE("sv39: map_range uses 1 GiB and 2 MiB leaves where alignment allows")
{
    FakeRam ram(8 * MIB);
    PageTable t = new_table();

    // A 2 GiB direct map from a 1 GiB-aligned physical address: two root leaves.
    REQUIRE(t.map_range(DIRECT_MAP_BASE, 0x80000000, 2 * GIB, PERM_READ | PERM_WRITE | PERM_GLOBAL, true).ok());
    CHECK(table_pages() == 1);
    const Pte* root = root_entries(t);
    for (u64 i = 0; i < 2; i++) {
        Pte e = root[DIRECT_MAP_ROOT_SLOT + i];
        CAPTURE(i);
        CHECK(is_leaf(e));
        CHECK(pte_address(e) == 0x80000000 + i * GIB);
        CHECK((e & (PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)) == (PTE_R | PTE_W | PTE_G | PTE_A | PTE_D));
        CHECK((e & PTE_U) == 0);
    }
    CHECK(root[DIRECT_MAP_ROOT_SLOT + 2] == 0);
    // No 4 KiB slot exists under a huge leaf, and no table is made for one.
    CHECK(leaf_slot(t, DIRECT_MAP_BASE + 0x1000, false) == nullptr);
    CHECK(leaf_slot(t, DIRECT_MAP_BASE + 0x1000, true) == nullptr);
    CHECK(t.map_page(DIRECT_MAP_BASE + 0x1000, 0x80001000, PERM_READ).is_error());
    CHECK(table_pages() == 1);

    // 2 MiB-aligned but not 1 GiB-aligned: 2 MiB leaves in one level-1 table.
    REQUIRE(t.map_range(KERNEL_VBASE + 0x200000, 0x80200000, 6 * MIB, PERM_READ | PERM_EXEC | PERM_GLOBAL, true).ok());
    CHECK(table_pages() == 2);
    Pte l2 = root[KERNEL_ROOT_SLOT];
    REQUIRE((l2 & PTE_V) != 0);
    REQUIRE_FALSE(is_leaf(l2));
    const Pte* level1 = phys_to_ptr<Pte>(pte_address(l2));
    for (u64 i = 1; i <= 3; i++) {
        CAPTURE(i);
        CHECK(is_leaf(level1[i]));
        CHECK(pte_address(level1[i]) == 0x80000000 + i * 2 * MIB);
    }
    CHECK(level1[0] == 0);
    CHECK(level1[4] == 0);

    // Misaligned start: 4 KiB pages up to the 2 MiB boundary, then a
    // 2 MiB leaf, then 4 KiB pages for the tail.
    const vaddr_t va = 0x10000000 - 2 * PAGE_SIZE;
    const paddr_t pa = 0x90000000 - 2 * PAGE_SIZE;
    REQUIRE(t.map_range(va, pa, 2 * PAGE_SIZE + 2 * MIB + 3 * PAGE_SIZE, PERM_READ | PERM_USER, true).ok());
    paddr_t got;
    u32 perms;
    REQUIRE(t.lookup(va, &got, &perms));
    CHECK(got == pa);
    REQUIRE(t.lookup(va + PAGE_SIZE, &got, &perms));
    CHECK(got == pa + PAGE_SIZE);
    CHECK(leaf_slot(t, va + 2 * PAGE_SIZE, false) == nullptr); // inside the 2 MiB leaf
    REQUIRE(t.lookup(va + 2 * PAGE_SIZE + 2 * MIB + 2 * PAGE_SIZE, &got, &perms));
    CHECK(got == pa + 2 * PAGE_SIZE + 2 * MIB + 2 * PAGE_SIZE);
    CHECK_FALSE(t.lookup(va + 2 * PAGE_SIZE + 2 * MIB + 3 * PAGE_SIZE, &got, &perms));

    // Without allow_huge: only 4 KiB leaves, every page looks up.
    REQUIRE(t.map_range(0x40000000, 0x80000000, 4 * MIB, PERM_READ | PERM_USER, false).ok());
    for (u64 off = 0; off < 4 * MIB; off += PAGE_SIZE) {
        REQUIRE(t.lookup(0x40000000 + off, &got, &perms));
        REQUIRE(got == 0x80000000 + off);
    }
    // destroy() tears down the user half only: the level-1 table under
    // KERNEL_ROOT_SLOT stays, as the kernel's own tables do.
    t.destroy();
    CHECK(table_pages() == 1);
}

TEST_CASE("sv39: create_user shares the kernel half and destroy keeps it")
{
    FakeRam ram(8 * MIB);
    PageTable kernel = new_table();
    REQUIRE(kernel.map_range(DIRECT_MAP_BASE, 0x80000000, GIB, PERM_READ | PERM_WRITE | PERM_GLOBAL, true).ok());
    REQUIRE(kernel.map_range(KERNEL_VBASE, 0x80200000, 2 * MIB + 5 * PAGE_SIZE, PERM_READ | PERM_EXEC | PERM_GLOBAL, true).ok());
    const u64 kernel_tables = table_pages();
    const u64 before = free_page_count();

    auto r = PageTable::create_user(kernel.root());
    REQUIRE(r.ok());
    PageTable user = r.release_value();
    CHECK(user.root() != kernel.root());
    const Pte* u = root_entries(user);
    const Pte* k = root_entries(kernel);
    for (u64 i = 0; i < ENTRIES / 2; i++)
        REQUIRE(u[i] == 0); // the user half starts empty (FakeRam starts dirty)
    for (u64 i = ENTRIES / 2; i < ENTRIES; i++)
        REQUIRE(u[i] == k[i]);

    // Kernel mappings are visible through the user table.
    paddr_t pa;
    u32 perms;
    REQUIRE(user.lookup(KERNEL_VBASE + 2 * MIB + PAGE_SIZE, &pa, &perms));
    CHECK(pa == 0x80200000 + 2 * MIB + PAGE_SIZE);
    CHECK((perms & PERM_USER) == 0);

    paddr_t data = alloc_page(PageUse::User);
    for (vaddr_t va : {vaddr_t(0x1000), vaddr_t(0x200000), vaddr_t(5 * GIB), vaddr_t(USER_VA_END - PAGE_SIZE)})
        REQUIRE(user.map_page(va, data, PERM_READ | PERM_WRITE | PERM_USER).ok());
    CHECK(table_pages() > kernel_tables + 1);

    user.destroy();
    CHECK(table_pages() == kernel_tables);
    free_pages(data);
    CHECK(free_page_count() == before);
    // The kernel's tables are intact.
    REQUIRE(kernel.lookup(KERNEL_VBASE + 2 * MIB + 4 * PAGE_SIZE, &pa, &perms));
    CHECK(pa == 0x80200000 + 2 * MIB + 4 * PAGE_SIZE);
    kernel.destroy(); // frees only the user half and the root: the kernel's own
                      // upper-half tables are never torn down in the kernel
}

TEST_CASE("sv39: running out of memory while mapping fails cleanly")
{
    // A bank of 8 pages: the root takes one, then each mapping in a GiB
    // of its own takes two (a level-1 and a level-0 table).
    const paddr_t base = FakeRam::DEFAULT_BASE;
    FakeRam ram(4 * MIB, base, base, base + 8 * PAGE_SIZE);
    PageTable t = new_table();
    int mapped = 0;
    for (u64 g = 0; g < 8; g++) {
        if (t.map_page(g * GIB, 0x90000000, PERM_READ | PERM_USER).is_error())
            break;
        mapped++;
    }
    CHECK(mapped == 3);
    // The failed fourth mapping got its level-1 table but no level-0 one;
    // the table keeps it, and destroy() returns it with the rest.
    CHECK(free_page_count() == 0);
    CHECK(PageTable::create_empty().is_error());
    CHECK(PageTable::create_user(t.root()).is_error());
    CHECK(t.map_range(DIRECT_MAP_BASE, 0x80000000, GIB, PERM_READ, true).ok()); // a root leaf needs no table
    t.destroy();
    CHECK(free_page_count() == 8);
    CHECK(host::spinlocks_held() == 0);
}

TEST_CASE("sv39: update_mappings and for_each_mapping visit the 4 KiB leaves of a range in order")
{
    FakeRam ram(8 * MIB);
    const u64 before = free_page_count();
    PageTable t = new_table();
    paddr_t a = alloc_page(PageUse::User), b = alloc_page(PageUse::User);
    // Two GiB apart, with an empty GiB between them, and one page past the range.
    REQUIRE(t.map_page(0x10000, a, PERM_READ | PERM_USER).ok());
    REQUIRE(t.map_page(0x11000, b, PERM_READ | PERM_WRITE | PERM_USER).ok());
    REQUIRE(t.map_page(2 * GIB, a, PERM_READ | PERM_EXEC | PERM_USER).ok());
    REQUIRE(t.map_page(3 * GIB, b, PERM_READ | PERM_USER).ok());

    std::vector<PageMapping> seen;
    auto collect = [](const PageMapping& m, void* ctx) { static_cast<std::vector<PageMapping>*>(ctx)->push_back(m); };
    t.for_each_mapping(0x10000, 3 * GIB, collect, &seen);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].va == 0x10000);
    CHECK(seen[0].pa == a);
    CHECK(seen[0].perms == (PERM_READ | PERM_USER));
    CHECK(seen[1].va == 0x11000);
    CHECK(seen[1].pa == b);
    CHECK(seen[1].perms == (PERM_READ | PERM_WRITE | PERM_USER));
    CHECK(seen[2].va == 2 * GIB);
    CHECK(seen[2].perms == (PERM_READ | PERM_EXEC | PERM_USER));
    seen.clear();
    t.for_each_mapping(0x11000, 0x11000, collect, &seen); // an empty range
    CHECK(seen.empty());

    // Keep the first, take write away from the second, remove the third.
    auto change = [](const PageMapping& m, void*) {
        if (m.va == 0x10000)
            return MappingChange::keep();
        if (m.va == 0x11000)
            return MappingChange::set_perms(m.perms & ~PERM_WRITE);
        return MappingChange::remove();
    };
    t.update_mappings(0, 3 * GIB, change, nullptr);
    paddr_t pa;
    u32 perms;
    REQUIRE(t.lookup(0x10000, &pa, &perms));
    CHECK(perms == (PERM_READ | PERM_USER));
    REQUIRE(t.lookup(0x11000, &pa, &perms));
    CHECK(pa == b);
    CHECK(perms == (PERM_READ | PERM_USER));
    Pte* slot = leaf_slot(t, 0x11000, false);
    REQUIRE(slot != nullptr);
    CHECK((*slot & (PTE_V | PTE_A | PTE_D)) == (PTE_V | PTE_A | PTE_D));
    CHECK_FALSE(t.lookup(2 * GIB, &pa, &perms));
    REQUIRE(t.lookup(3 * GIB, &pa, &perms)); // past the range: untouched
    t.destroy();
    free_pages(a);
    free_pages(b);
    CHECK(free_page_count() == before);
}

TEST_CASE("sv39: revoke_write clears W only on a writable mapping of that page")
{
    FakeRam ram(8 * MIB);
    PageTable t = new_table();
    paddr_t a = alloc_page(PageUse::User), b = alloc_page(PageUse::User);
    REQUIRE(t.map_page(0x10000, a, PERM_READ | PERM_WRITE | PERM_USER).ok());
    REQUIRE(t.map_page(0x11000, a, PERM_READ | PERM_USER).ok());
    CHECK_FALSE(t.revoke_write(0x10000, b));        // another page there
    CHECK_FALSE(t.revoke_write(0x11000, a));        // not writable
    CHECK_FALSE(t.revoke_write(0x12000, a));        // nothing mapped
    CHECK_FALSE(t.revoke_write(5 * GIB, a));        // no table at all
    CHECK(t.revoke_write(0x10000, a));
    paddr_t pa;
    u32 perms;
    REQUIRE(t.lookup(0x10000, &pa, &perms));
    CHECK(pa == a);
    CHECK(perms == (PERM_READ | PERM_USER));
    CHECK_FALSE(t.revoke_write(0x10000, a));        // already done
    t.destroy();
    free_pages(a);
    free_pages(b);
}

TEST_CASE("sv39: for_each_entry visits tables before their entries, with canonical addresses")
{
    FakeRam ram(8 * MIB);
    PageTable t = new_table();
    paddr_t data = alloc_page(PageUse::User);
    REQUIRE(t.map_page(0x10000, data, PERM_READ | PERM_USER).ok());
    REQUIRE(t.map_page(0x11000, data, PERM_READ | PERM_WRITE | PERM_USER).ok());
    REQUIRE(t.map_page(USER_VA_END - PAGE_SIZE, data, PERM_READ | PERM_USER).ok());
    REQUIRE(t.map_range(KERNEL_VBASE, 0x80200000, 2 * MIB, PERM_READ | PERM_EXEC | PERM_GLOBAL, true).ok());

    struct Seen {
        vaddr_t va;
        int level;
        u64 index;
        Pte pte;
        PageTableEntryInfo info;
    };
    std::vector<Seen> seen;
    auto record = [](const PageTableEntryInfo& e, void* ctx) {
        // The entry as the hardware sees it, from what the walk reports.
        Pte pte = make_pte(e.pa, e.hw_flags);
        static_cast<std::vector<Seen>*>(ctx)->push_back({e.va, e.level, e.index, pte, e});
    };

    t.for_each_entry(PageTable::Half::User, record, &seen);
    // Root slot 0, slot 0 of its level-1 table, then the two leaves of the
    // level-0 table that one points to; then root slot 255, its slot 511,
    // and the stack page.
    REQUIRE(seen.size() == 7);
    CHECK(seen[0].level == 2);
    CHECK(seen[0].index == 0);
    CHECK_FALSE(is_leaf(seen[0].pte));
    CHECK(seen[1].level == 1);
    CHECK(seen[2].level == 0);
    CHECK(seen[2].va == 0x10000);
    CHECK(seen[2].index == 0x10);
    CHECK(is_leaf(seen[2].pte));
    CHECK(seen[2].info.leaf);
    CHECK(seen[2].info.span == PAGE_SIZE);
    CHECK(seen[2].info.perms == (PERM_READ | PERM_USER));
    CHECK_FALSE(seen[0].info.leaf);
    CHECK(seen[0].info.span == GIB);
    CHECK((seen[2].pte & PTE_W) == 0);
    CHECK(seen[3].va == 0x11000);
    CHECK((seen[3].pte & PTE_W) != 0);
    CHECK(pte_address(seen[3].pte) == data);
    CHECK(seen[4].level == 2);
    CHECK(seen[4].index == 255);
    CHECK(seen[5].level == 1);
    CHECK(seen[5].index == 511);
    CHECK(seen[6].va == USER_VA_END - PAGE_SIZE);
    CHECK(seen[6].index == 511);

    // The kernel half: addresses are sign-extended; the image is a 2 MiB leaf.
    seen.clear();
    t.for_each_entry(PageTable::Half::Kernel, record, &seen);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].va == KERNEL_VBASE);
    CHECK(seen[0].index == KERNEL_ROOT_SLOT);
    CHECK(seen[1].va == KERNEL_VBASE);
    CHECK(seen[1].level == 1);
    CHECK(is_leaf(seen[1].pte));
    CHECK(seen[1].info.span == 2 * MIB);
    CHECK(seen[1].info.perms == (PERM_READ | PERM_EXEC | PERM_GLOBAL));

    // An empty table visits nothing.
    seen.clear();
    PageTable empty;
    empty.for_each_entry(PageTable::Half::User, record, &seen);
    CHECK(seen.empty());

    t.destroy();
    free_pages(data);
}
