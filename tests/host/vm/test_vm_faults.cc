/*
 * Page faults on the host (machine.h): every kind of region, copy-on-write
 * after fork, reference counts and frees, and the user-memory copies that
 * fault lazy pages in. The checker runs after every step.
 */
#include "machine.h"

#include "kernel/fs/fs_glue.h"
#include "kernel/lib/kstring.h"
#include "kernel/mm/phys.h"
#include "kernel/uapi/mman.h"

using namespace vm;

namespace {

constexpr u64 P = PAGE_SIZE;
constexpr u32 RW = PROT_READ | PROT_WRITE;

long mmap_anon(u64 length, u32 prot, u32 flags = MAP_PRIVATE)
{
    return sys(sys_mmap, 0, length, prot, flags | MAP_ANONYMOUS, -1, 0);
}

u8* bytes_of(paddr_t pa) { return phys_to_ptr<u8>(pa); }

bool all_bytes(paddr_t pa, u8 value)
{
    for (size_t i = 0; i < P; i++)
        if (bytes_of(pa)[i] != value)
            return false;
    return true;
}

} // namespace

TEST_CASE("vm: anonymous memory is mapped on first touch, zeroed, with the region's rights")
{
    Session session;
    Process* p = spawn();
    u64 a = u64(mmap_anon(4 * P, RW));
    u64 ro = u64(mmap_anon(P, PROT_READ));
    u64 none = u64(mmap_anon(P, PROT_NONE));
    CHECK(p->space()->resident_pages() == 0); // nothing in advance
    REQUIRE(fault(a + 10, Access::Read).ok());
    check("a read fault");
    u32 perms = 0;
    paddr_t pa = mapped(p, a, &perms);
    REQUIRE(pa != 0);
    CHECK(all_bytes(pa, 0)); // fake RAM starts as 0xA5 garbage
    CHECK(perms == (PERM_READ | PERM_WRITE | PERM_USER));
    CHECK(refs(pa) == 1);
    CHECK(p->space()->resident_pages() == 1);

    CHECK(fault(a + P, Access::Execute).error_code() == ERR_FAULT); // not executable
    CHECK(fault(ro, Access::Write).error_code() == ERR_FAULT);
    CHECK(fault(ro, Access::Read).ok());
    CHECK(fault(none, Access::Read).error_code() == ERR_FAULT);
    CHECK(fault(none + P, Access::Read).error_code() == ERR_FAULT);    // just past the last
    CHECK(fault(0x1000, Access::Read).error_code() == ERR_FAULT);      // below every region
    // A fault on a page already mapped as needed changes nothing (a
    // stale TLB entry on this hart): one local flush.
    u64 flushes = fake_machine::counters().page_flushes;
    CHECK(fault(a, Access::Write).ok());
    CHECK(mapped(p, a) == pa);
    CHECK(fake_machine::counters().page_flushes == flushes + 1);
    check("faults of every verdict");
}

TEST_CASE("vm: copy-on-write after fork: both sides share read-only, a write copies, the last holder keeps its page")
{
    Session session;
    Process* parent = spawn();
    u64 a = u64(mmap_anon(2 * P, RW));
    write<u64>(a, 0x1111);
    write<u64>(a + P, 0x2222);
    paddr_t first = mapped(parent, a), second = mapped(parent, a + P);

    Process* child = fork(parent);
    check("fork");
    u32 perms = 0;
    CHECK(mapped(parent, a, &perms) == first);
    CHECK(!(perms & PERM_WRITE));
    CHECK(mapped(child, a, &perms) == first);
    CHECK(!(perms & PERM_WRITE));
    CHECK(refs(first) == 2);
    CHECK(child->space()->resident_pages() == 2);

    run_as(child);
    u64 free_before = free_page_count();
    REQUIRE(fault(a, Access::Write).ok()); // the child's write: a copy
    check("the child's write");
    paddr_t copy = mapped(child, a, &perms);
    CHECK(copy != first);
    CHECK((perms & PERM_WRITE) != 0);
    CHECK(read<u64>(a) == 0x1111);
    CHECK(refs(first) == 1);
    CHECK(refs(copy) == 1);
    CHECK(free_page_count() == free_before - 1);
    write<u64>(a, 0x3333);

    run_as(parent);
    CHECK(read<u64>(a) == 0x1111); // the parent sees its own
    REQUIRE(fault(a, Access::Write).ok()); // the only holder now: no copy
    check("the parent's write");
    CHECK(mapped(parent, a, &perms) == first);
    CHECK((perms & PERM_WRITE) != 0);

    // The second page is still shared; the child's exit hands it back.
    CHECK(refs(second) == 2);
    exit(child);
    check("the child's exit");
    CHECK(refs(second) == 1);
    CHECK(read<u64>(a + P) == 0x2222);
}

TEST_CASE("vm: shared anonymous memory stays shared across fork, private memory does not")
{
    Session session;
    Process* parent = spawn();
    u64 shared = u64(mmap_anon(P, RW, MAP_SHARED));
    u64 own = u64(mmap_anon(P, RW));
    write<u32>(shared, 1);
    write<u32>(own, 1);
    Process* child = fork(parent);
    run_as(child);
    write<u32>(shared, 2);
    write<u32>(own, 2);
    check("the child's writes");
    CHECK(mapped(child, shared) == mapped(parent, shared));
    CHECK(mapped(child, own) != mapped(parent, own));
    run_as(parent);
    CHECK(read<u32>(shared) == 2);
    CHECK(read<u32>(own) == 1);
    // The store's page: one reference of the store, one per PTE.
    CHECK(refs(mapped(parent, shared)) == 3);
    exit(child);
    CHECK(refs(mapped(parent, shared)) == 2);
    check("after the child");
}

TEST_CASE("vm: reference counts follow PTEs and stores, and every page comes back")
{
    Session session;
    u64 free_start = free_page_count();
    Process* p = spawn();
    u64 a = u64(mmap_anon(8 * P, RW, MAP_SHARED));
    for (u64 i = 0; i < 8; i++)
        REQUIRE(fault(a + i * P, Access::Write).ok());
    paddr_t pa = mapped(p, a);
    CHECK(refs(pa) == 2); // the store's and the PTE's
    // Unmapping the view leaves the store's reference... until the store
    // goes with its last view.
    CHECK(sys(sys_munmap, a, 4 * P) == 0);
    check("half unmapped");
    CHECK(refs(mapped(p, a + 4 * P)) == 2);
    CHECK(sys(sys_munmap, a + 4 * P, 4 * P) == 0);
    check("all unmapped");
    exit(p);
    CHECK(free_page_count() == free_start);
}

TEST_CASE("vm: user copies fault lazy pages in, respect the rights, and refuse what is not the process's")
{
    Session session;
    Process* p = spawn();
    u64 a = u64(mmap_anon(3 * P, RW));
    u64 ro = u64(mmap_anon(P, PROT_READ));
    u64 before = fake_machine::counters().user_faults;
    char text[] = "across a page boundary";
    CHECK(copy_to_user(a + P - 5, text, sizeof text).ok()); // two lazy pages
    CHECK(fake_machine::counters().user_faults >= before + 2);
    CHECK(p->space()->resident_pages() == 2);
    char back[sizeof text] = {};
    CHECK(copy_from_user(back, a + P - 5, sizeof back).ok());
    CHECK(strcmp(back, text) == 0);
    char name[64];
    CHECK(copy_string_from_user(name, a + P - 5, sizeof name).value() == strlen(text));
    CHECK(copy_string_from_user(name, a + P - 5, 6).error_code() == ERR_NAMETOOLONG);
    check("copies");

    CHECK(copy_to_user(ro, text, 4).error_code() == ERR_FAULT);       // read-only
    CHECK(copy_from_user(back, ro, 4).ok());                           // but readable
    CHECK(copy_to_user(a + 3 * P - 2, text, 4).error_code() == ERR_FAULT); // runs off the end
    CHECK(copy_from_user(back, 0x1000, 4).error_code() == ERR_FAULT);  // no region
    CHECK(copy_from_user(back, USER_VA_END - 2, 4).error_code() == ERR_FAULT);
    CHECK(copy_from_user(back, u64(0xffffffc000000000ull), 4).error_code() == ERR_FAULT); // a kernel address
    CHECK(clear_user(a + 2 * P, P).ok());
    CHECK(p->space()->resident_pages() == 4);
    check("refused copies");
}

TEST_CASE("vm: program segments read their bytes from the file, then zeros, and keep writers out")
{
    Session session;
    Process* p = spawn();
    std::vector<u8> program(P + 100);
    for (size_t i = 0; i < program.size(); i++)
        program[i] = u8(i * 7 + 1);
    std::string path = make_file("vm-program", program);
    auto ip = fs_open_executable(path.c_str());
    REQUIRE(ip.ok());
    {
        // What exec does for a segment: file bytes for P + 100, then zeros.
        MemRegion shape;
        shape.prot = PROT_READ | PROT_EXEC;
        shape.kind = RegionKind::Program;
        auto file = fs_program_ref(ip.value());
        REQUIRE(file.ok());
        shape.file = file.value();
        shape.file_offset = 0;
        shape.file_bytes = program.size();
        SleepLockGuard guard(p->space()->lock());
        REQUIRE(p->space()->add_region(0x10000, 3 * P, true, shape).ok());
    }
    fs_inode_put(ip.value());
    // The running program keeps writers out (ETXTBSY).
    CHECK(sys(sys_open, put_string(path), O_RDWR) == ERR_TXTBSY);
    REQUIRE(fault(0x10000 + P, Access::Execute).ok());
    REQUIRE(fault(0x10000 + 2 * P, Access::Read).ok());
    check("program faults");
    u8 page[PAGE_SIZE];
    read_user(0x10000 + P, page, P);
    bool same = true;
    for (size_t i = 0; i < P; i++)
        same &= page[i] == (i < 100 ? program[P + i] : 0);
    CHECK(same);
    CHECK(all_bytes(mapped(p, 0x10000 + 2 * P), 0));
    CHECK(fault(0x10000, Access::Write).error_code() == ERR_FAULT);
    exit(p);
    spawn();
    CHECK(sys(sys_unlink, put_string(path)) == 0);
}
