/*
 * Fault-around on the host (machine.h, kernel/mm/fault.cc map_around): a
 * fault on a view of a store also maps the store's resident pages among
 * the aligned FAULT_AROUND_PAGES window around it, inside the region, that
 * map nothing yet; never a page that is not resident (nothing is
 * allocated or read), never beyond the leaf table the fault walked to
 * (the fake MMU panics on that), each with what a read fault would give
 * it, and with references that munmap, mprotect and exit account for.
 */
#include "machine.h"

#include "kernel/mm/file_store.h"
#include "kernel/mm/mem_store.h"
#include "kernel/uapi/mman.h"
#include "kernel/uapi/shm.h"

using namespace vm;

namespace {

constexpr u64 P = PAGE_SIZE;
constexpr u32 RW = PROT_READ | PROT_WRITE;
constexpr u64 WINDOW = FAULT_AROUND_PAGES * P;
// A place in the mmap area at the start of a leaf table (2 MiB aligned),
// so that the tests know where each window starts.
constexpr vaddr_t BASE = USER_MMAP_BASE + 0x10000000;

long map_at(vaddr_t at, u64 length, u32 prot, u32 flags, int fd, u64 offset)
{
    return sys(sys_mmap, at, length, prot, flags | MAP_FIXED, fd, offset);
}

// A named region of `pages` pages whose pages `resident` (a bit per page)
// are in memory, through a view that is gone again; returns its descriptor.
int region_with(const std::string& name, u64 pages, u64 resident)
{
    int fd = int(sys(sys_shm_open, put_string(name), O_RDWR | O_CREAT | O_EXCL, pages * P, 0, 0));
    REQUIRE(fd >= 0);
    long v = sys(sys_mmap, 0, pages * P, RW, MAP_SHARED, fd, 0);
    REQUIRE(v > 0);
    for (u64 i = 0; i < pages; i++)
        if (resident & (u64(1) << i))
            write<u8>(u64(v) + i * P, u8(i + 1));
    CHECK(sys(sys_munmap, u64(v), pages * P) == 0);
    return fd;
}

// The store behind the view at va, and its resident pages.
MemStore* store_at(Process* p, vaddr_t va)
{
    SleepLockGuard guard(p->space()->lock());
    MemRegion* r = p->space()->find_region(va);
    return r ? r->store : nullptr;
}

u64 mapped_in(Process* p, vaddr_t start, u64 pages)
{
    u64 n = 0;
    for (u64 i = 0; i < pages; i++)
        n += mapped(p, start + i * P) != 0;
    return n;
}

} // namespace

TEST_CASE("fault-around: a fault on a shared view maps the resident pages of its window, allocating nothing")
{
    Session session;
    Process* p = spawn();
    scratch();
    int fd = region_with("fa.shared", 2 * FAULT_AROUND_PAGES, ~u64(0)); // every page resident
    MemStore* store = nullptr;
    REQUIRE(map_at(BASE, 2 * WINDOW, RW, MAP_SHARED, fd, 0) == long(BASE));
    store = store_at(p, BASE);
    REQUIRE(store);
    u64 free_before = free_page_count();
    u64 walks = fake_machine::counters().leaf_walks;
    u64 own = p->space()->resident_pages(); // the scratch page's

    REQUIRE(fault(BASE + 5 * P, Access::Write).ok());
    check("one write fault");
    // One walk of the table for the fault and its whole window.
    CHECK(fake_machine::counters().leaf_walks - walks <= 2); // Find, then Create for a table not there yet
    CHECK(free_page_count() == free_before);                 // nothing allocated
    CHECK(store->resident_pages() == 2 * FAULT_AROUND_PAGES);
    CHECK(p->space()->resident_pages() == own + FAULT_AROUND_PAGES);
    for (u64 i = 0; i < FAULT_AROUND_PAGES; i++) {
        u32 perms = 0;
        paddr_t pa = mapped(p, BASE + i * P, &perms);
        REQUIRE(pa);
        // A shared view of a store that tracks no writes: the region's rights.
        CHECK((perms & (PERM_READ | PERM_WRITE | PERM_USER)) == (PERM_READ | PERM_WRITE | PERM_USER));
        CHECK(refs(pa) == 2); // the store's and the PTE's
        CHECK(read<u8>(BASE + i * P) == u8(i + 1));
    }
    CHECK(mapped_in(p, BASE + WINDOW, FAULT_AROUND_PAGES) == 0); // the next window waits for its fault

    // The next fault in the window's neighbour walks once more, and only once.
    walks = fake_machine::counters().leaf_walks;
    REQUIRE(fault(BASE + WINDOW + 15 * P, Access::Read).ok());
    CHECK(fake_machine::counters().leaf_walks - walks == 1);
    CHECK(p->space()->resident_pages() == own + 2 * FAULT_AROUND_PAGES);
    check("the second window");

    // munmap gives every reference back: the store's alone remain.
    paddr_t first = mapped(p, BASE);
    CHECK(sys(sys_munmap, BASE, 2 * WINDOW) == 0);
    check("munmap");
    CHECK(refs(first) == 1);
    CHECK(p->space()->resident_pages() == own);
    CHECK(sys(sys_shm_unlink, put_string("fa.shared")) == 0);
    CHECK(sys(sys_close, fd) == 0);
}

TEST_CASE("fault-around: pages that are not resident stay unmapped and are not allocated")
{
    Session session;
    Process* p = spawn();
    scratch();
    int fd = region_with("fa.sparse", FAULT_AROUND_PAGES, (1 << 3) | (1 << 7) | (1 << 12));
    REQUIRE(map_at(BASE, WINDOW, RW, MAP_SHARED, fd, 0) == long(BASE));
    MemStore* store = store_at(p, BASE);
    REQUIRE(store);
    CHECK(store->resident_pages() == 3);
    u64 free_before = free_page_count();
    u64 own = p->space()->resident_pages();

    REQUIRE(fault(BASE + 5 * P, Access::Read).ok()); // page 5 is new: the store allocates it
    check("a fault among sparse pages");
    CHECK(store->resident_pages() == 4);
    CHECK(free_page_count() == free_before - 1);
    CHECK(p->space()->resident_pages() == own + 4);
    for (u64 i = 0; i < FAULT_AROUND_PAGES; i++)
        CHECK((mapped(p, BASE + i * P) != 0) == (i == 3 || i == 5 || i == 7 || i == 12));
    exit(p); // the view, the descriptor and the region go with p
}

TEST_CASE("fault-around: neighbours stay inside the region and its window, and mapped pages are left alone")
{
    Session session;
    Process* p = spawn();
    scratch();
    int fd = region_with("fa.edges", 2 * FAULT_AROUND_PAGES, ~u64(0));
    // Two views side by side in one window: pages 8..11 of the store at
    // BASE + 4 pages, pages 0..3 right after them.
    REQUIRE(map_at(BASE + 4 * P, 4 * P, RW, MAP_SHARED, fd, 8 * P) == long(BASE + 4 * P));
    REQUIRE(map_at(BASE + 8 * P, 4 * P, PROT_READ, MAP_SHARED, fd, 0) == long(BASE + 8 * P));
    u64 own = p->space()->resident_pages();

    REQUIRE(fault(BASE + 5 * P, Access::Read).ok());
    check("a fault in the first view");
    CHECK(mapped_in(p, BASE, FAULT_AROUND_PAGES) == 4);
    CHECK(mapped_in(p, BASE + 4 * P, 4) == 4);
    // Each page is the store's page at its offset: the first view's page 0
    // is the store's page 8, which the second view does not show.
    REQUIRE(fault(BASE + 8 * P + 2 * P, Access::Read).ok());
    CHECK(read<u8>(BASE + 4 * P) == 9);
    CHECK(read<u8>(BASE + 8 * P) == 1);
    u32 perms = 0;
    REQUIRE(mapped(p, BASE + 9 * P, &perms));
    CHECK(!(perms & PERM_WRITE)); // the second view's rights, not the first's
    CHECK(p->space()->resident_pages() == own + 8);
    check("a fault in the second view");

    // A page already mapped keeps its mapping: a neighbour's fault does not
    // replace a private copy.
    long priv = map_at(BASE + WINDOW, 4 * P, RW, MAP_PRIVATE, fd, 0);
    REQUIRE(priv == long(BASE + WINDOW));
    write<u8>(BASE + WINDOW + P, 0x55); // a fault that copies page 1 (its neighbours come read-only)
    paddr_t copy = mapped(p, BASE + WINDOW + P);
    REQUIRE(copy);
    REQUIRE(sys(sys_munmap, BASE + WINDOW + 2 * P, P) == 0);
    REQUIRE(fault(BASE + WINDOW + 3 * P, Access::Read).ok()); // mapped already by the first fault
    CHECK(mapped(p, BASE + WINDOW + P) == copy);
    CHECK(read<u8>(BASE + WINDOW + P) == 0x55);
    check("a private copy among neighbours");
    CHECK(sys(sys_shm_unlink, put_string("fa.edges")) == 0);
    CHECK(sys(sys_close, fd) == 0);
}

TEST_CASE("fault-around: a private view's neighbours are read-only, and a write to one copies it")
{
    Session session;
    Process* p = spawn();
    scratch();
    int fd = region_with("fa.private", FAULT_AROUND_PAGES, ~u64(0));
    REQUIRE(map_at(BASE, WINDOW, RW, MAP_PRIVATE, fd, 0) == long(BASE));
    u64 own = p->space()->resident_pages();
    REQUIRE(fault(BASE, Access::Write).ok()); // page 0 is copied; the others come as a read would map them
    check("a private write fault");
    CHECK(p->space()->resident_pages() == own + FAULT_AROUND_PAGES);
    u32 perms = 0;
    paddr_t store_page = mapped(p, BASE + 6 * P, &perms);
    REQUIRE(store_page);
    CHECK(!(perms & PERM_WRITE));
    CHECK(refs(store_page) == 2);
    write<u8>(BASE + 6 * P, 0x66);
    check("a write to a neighbour");
    CHECK(mapped(p, BASE + 6 * P) != store_page); // copied
    CHECK(refs(store_page) == 1);

    // A shared view of the same region still sees the original byte.
    long shared = sys(sys_mmap, 0, WINDOW, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(shared > 0);
    CHECK(read<u8>(u64(shared) + 6 * P) == 7);

    // mprotect and exit account for the neighbours' references too.
    CHECK(sys(sys_mprotect, BASE, WINDOW, PROT_READ) == 0);
    check("mprotect read-only");
    CHECK(sys(sys_mprotect, BASE, WINDOW, RW) == 0);
    check("mprotect back");
    CHECK(read<u8>(BASE + 6 * P) == 0x66);
    exit(p);
}

TEST_CASE("fault-around: shared anonymous memory maps its resident neighbours read-write")
{
    Session session;
    Process* p = spawn();
    scratch();
    REQUIRE(map_at(BASE, WINDOW, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == long(BASE));
    Process* child = fork(p); // shares the view, with nothing mapped yet
    u64 own = p->space()->resident_pages();
    for (u64 i = 0; i < FAULT_AROUND_PAGES; i++)
        write<u8>(BASE + i * P, u8(i + 1)); // each page is new: nothing resident around it
    CHECK(p->space()->resident_pages() == own + FAULT_AROUND_PAGES);
    run_as(child);
    u64 child_own = child->space()->resident_pages();
    REQUIRE(fault(BASE + 9 * P, Access::Write).ok());
    check("the child's fault");
    CHECK(child->space()->resident_pages() == child_own + FAULT_AROUND_PAGES);
    for (u64 i = 0; i < FAULT_AROUND_PAGES; i++) {
        u32 perms = 0;
        CHECK(mapped(child, BASE + i * P, &perms) == mapped(p, BASE + i * P));
        CHECK((perms & PERM_WRITE) != 0);
        CHECK(refs(mapped(child, BASE + i * P)) == 3); // the store's, the parent's, the child's
    }
    CHECK(read<u8>(BASE + 15 * P) == 16);
    exit(child);
    CHECK(refs(mapped(p, BASE)) == 2);
    run_as(p);
    exit(p);
}

TEST_CASE("fault-around: a shared file view maps resident neighbours read-only, so a first write still dirties")
{
    Session session;
    Process* p = spawn();
    scratch();
    std::vector<u8> bytes(FAULT_AROUND_PAGES * P);
    for (size_t i = 0; i < bytes.size(); i++)
        bytes[i] = u8(i / P + 1);
    std::string path = make_file("fa-file", bytes);
    int fd = int(sys(sys_open, put_string(path), O_RDWR));
    REQUIRE(fd >= 0);
    // Read the file's first half into its cache through a view that goes again.
    long v = sys(sys_mmap, 0, WINDOW, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(v > 0);
    for (u64 i = 0; i < FAULT_AROUND_PAGES / 2; i++)
        CHECK(read<u8>(u64(v) + i * P) == u8(i + 1));
    CHECK(sys(sys_munmap, u64(v), WINDOW) == 0);

    REQUIRE(map_at(BASE, WINDOW, RW, MAP_SHARED, fd, 0) == long(BASE));
    MemStore* store = store_at(p, BASE);
    REQUIRE(store);
    u64 cached = store->resident_pages();
    CHECK(cached >= FAULT_AROUND_PAGES / 2);
    REQUIRE(fault(BASE + 2 * P, Access::Write).ok()); // a first write: dirty and writable
    check("a write fault on a file view");
    CHECK(store->resident_pages() == cached); // no page read from the file for a neighbour
    CHECK(store->dirty_pages(0, FAULT_AROUND_PAGES) == 1);
    CHECK(mapped_in(p, BASE, FAULT_AROUND_PAGES) == cached);
    u32 perms = 0;
    REQUIRE(mapped(p, BASE + 2 * P, &perms));
    CHECK((perms & PERM_WRITE) != 0);
    REQUIRE(mapped(p, BASE + 3 * P, &perms));
    CHECK(!(perms & PERM_WRITE)); // clean: read-only
    write<u8>(BASE + 3 * P, 0x33); // its first write marks it dirty
    check("a write to a neighbour of a file view");
    CHECK(store->dirty_pages(0, FAULT_AROUND_PAGES) == 2);
    CHECK(sys(sys_munmap, BASE, WINDOW) == 0); // writes the two pages back
    CHECK(sys(sys_close, fd) == 0);
    std::vector<u8> after = file_bytes(path);
    REQUIRE(after.size() == bytes.size());
    CHECK(after[3 * P] == 0x33);
    CHECK(after[4 * P] == 5);
}
