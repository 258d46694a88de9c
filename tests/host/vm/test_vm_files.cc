/*
 * Views of files on the host (machine.h): a file's page cache (FileStore)
 * behind shared and private views, write tracking (a page is writable only
 * once dirty; write-back cleans it and takes write access away again),
 * the end of the file, and a named region made over a file.
 */
#include "machine.h"

#include "kernel/mm/file_store.h"
#include "kernel/shm/shared_region.h"
#include "kernel/uapi/mman.h"
#include "kernel/uapi/shm.h"

using namespace vm;

namespace {

constexpr u64 P = PAGE_SIZE;
constexpr u32 RW = PROT_READ | PROT_WRITE;

std::vector<u8> pattern(size_t n, u8 seed)
{
    std::vector<u8> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = u8(seed + i * 13);
    return v;
}

u64 dirty_in(Process* p, u64 va)
{
    AddressSpace* as = p->space();
    SleepLockGuard guard(as->lock());
    MemRegion* r = as->find_region(va);
    return r ? r->store->dirty_pages(r->store_offset / P, (r->store_offset + r->length()) / P) : 0;
}

} // namespace

TEST_CASE("files: a shared view maps pages read-only until a write dirties them; write-back cleans and revokes")
{
    Session session;
    Process* p = spawn();
    std::string path = make_file("vm-shared", pattern(3 * P, 1));
    int fd = int(sys(sys_open, put_string(path), O_RDWR));
    REQUIRE(fd >= 0);
    long v = sys(sys_mmap, 0, 3 * P, RW, MAP_SHARED, fd, 0);
    REQUIRE(v > 0);
    u64 va = u64(v);

    REQUIRE(fault(va, Access::Read).ok());
    check("a read fault");
    u32 perms = 0;
    REQUIRE(mapped(p, va, &perms));
    CHECK(!(perms & PERM_WRITE)); // clean: read-only, though the view is writable
    CHECK(read<u8>(va + 5) == pattern(3 * P, 1)[5]);

    write<u8>(va + 5, 0xEE); // the first write: a fault that dirties the page
    check("the first write");
    REQUIRE(mapped(p, va, &perms));
    CHECK((perms & PERM_WRITE) != 0);
    CHECK(dirty_in(p, va) == 1);
    write<u8>(va + 2 * P, 0xDD); // a first write to a page not yet in
    CHECK(dirty_in(p, va) == 2);
    check("a second page written");

    CHECK(sys(sys_msync, va, 3 * P, MS_SYNC) == 0);
    check("msync");
    CHECK(dirty_in(p, va) == 0);
    REQUIRE(mapped(p, va, &perms));
    CHECK(!(perms & PERM_WRITE)); // write access taken back with the dirt
    std::vector<u8> disk = file_bytes(path);
    REQUIRE(disk.size() == 3 * P);
    CHECK(disk[5] == 0xEE);
    CHECK(disk[2 * P] == 0xDD);
    CHECK(disk[6] == pattern(3 * P, 1)[6]);

    write<u8>(va + 6, 0xCC); // dirty again: faults again
    CHECK(dirty_in(p, va) == 1);
    CHECK(sys(sys_munmap, va, 3 * P) == 0); // unmapping a writable view writes it back
    check("munmap");
    CHECK(file_bytes(path)[6] == 0xCC);
    CHECK(sys(sys_close, fd) == 0);
    CHECK(sys(sys_unlink, put_string(path)) == 0);
}

TEST_CASE("files: a private view copies a page on its first write and leaves the file alone")
{
    Session session;
    Process* p = spawn();
    std::string path = make_file("vm-private", pattern(P, 9));
    int fd = int(sys(sys_open, put_string(path), O_RDONLY));
    REQUIRE(fd >= 0);
    CHECK(sys(sys_mmap, 0, P, RW, MAP_SHARED, fd, 0) == ERR_ACCESS); // a shared writable view needs a writer
    long v = sys(sys_mmap, 0, P, RW, MAP_PRIVATE, fd, 0);
    REQUIRE(v > 0);
    REQUIRE(fault(u64(v), Access::Read).ok());
    paddr_t cached = mapped(p, u64(v));
    write<u8>(u64(v), 0x77);
    check("a private write");
    CHECK(mapped(p, u64(v)) != cached);
    CHECK(refs(cached) == 1); // only the cache's now
    CHECK(file_bytes(path)[0] == pattern(P, 9)[0]);
    CHECK(sys(sys_close, fd) == 0);
    CHECK(sys(sys_unlink, put_string(path)) == 0);
}

TEST_CASE("files: a view may reach past the end of the file, but touching that part is the process's fault")
{
    Session session;
    Process* p = spawn();
    std::string path = make_file("vm-short", pattern(P + 10, 3));
    int fd = int(sys(sys_open, put_string(path), O_RDWR));
    long v = sys(sys_mmap, 0, 4 * P, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(v > 0);
    REQUIRE(fault(u64(v) + P, Access::Read).ok()); // the last page: bytes, then zeros
    CHECK(read<u8>(u64(v) + P + 9) == pattern(P + 10, 3)[P + 9]);
    CHECK(read<u8>(u64(v) + P + 10) == 0);
    CHECK(fault(u64(v) + 2 * P, Access::Read).error_code() == ERR_RANGE);
    check("past the end");
    CHECK(sys(sys_mmap, 0, P, PROT_READ, MAP_SHARED, fd, 3 * P) == ERR_INVAL); // may not start there
    CHECK(sys(sys_ftruncate, fd, 0) == ERR_BUSY); // the view covers what would go
    CHECK(sys(sys_close, fd) == 0);
    CHECK(sys(sys_unlink, put_string(path)) == 0);
    (void)p;
}

TEST_CASE("files: a named region over a file shares the file's page cache with a view of the file")
{
    Session session;
    Process* p = spawn();
    std::string path = make_file("vm-backed", pattern(2 * P, 4));
    int fd = int(sys(sys_open, put_string(path), O_RDWR));
    REQUIRE(fd >= 0);
    int h = int(sys(sys_shm_open_file, put_string("vm.backed"), fd, O_RDWR | O_CREAT, 0, 0, 0));
    REQUIRE(h >= 0);
    CHECK(shm_quota_used() == 0); // its pages are the file's cache
    long region = sys(sys_mmap, 0, 2 * P, RW, MAP_SHARED, h, 0);
    long file = sys(sys_mmap, 0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(region > 0);
    REQUIRE(file > 0);
    write<u8>(u64(region) + P, 0x42);
    check("a write through the region");
    CHECK(read<u8>(u64(file) + P) == 0x42);
    CHECK(mapped(p, u64(region) + P) == mapped(p, u64(file) + P));
    CHECK(sys(sys_munmap, u64(region), 2 * P) == 0); // writes back what the view wrote
    CHECK(file_bytes(path)[P] == 0x42);
    CHECK(sys(sys_shm_unlink, put_string("vm.backed")) == 0);
    CHECK(sys(sys_close, h) == 0);
    CHECK(sys(sys_close, fd) == 0);
    check("the region gone");
    exit(p);
    spawn();
    CHECK(sys(sys_unlink, put_string(path)) == 0);
}
