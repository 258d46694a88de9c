/*
 * The shared-region table and its views on the host (machine.h): named
 * regions through both interfaces, seen by several processes, with their
 * references, views and lifetimes, and the invariant checker after every
 * step.
 */
#include "machine.h"

#include <set>
#include <string>

#include "kernel/shm/shared_region.h"
#include "kernel/uapi/mman.h"
#include "kernel/uapi/shm.h"

using namespace vm;

namespace {

constexpr u64 P = PAGE_SIZE;
constexpr u32 RW = PROT_READ | PROT_WRITE;

// createMapping(name, &address): the address, or the error.
long create_mapping(const std::string& name)
{
    u64 out = scratch();
    long r = sys(sys_createMapping, put_string(name), out);
    return r < 0 ? r : long(read<u64>(out));
}

// The live region of that name, looked up as the calls do.
SharedRegion* region_named(const std::string& name)
{
    RegionRef r;
    {
        SpinlockGuard guard(shm_table_lock(StringView(name.c_str(), name.size())));
        r = shm_find_locked(StringView(name.c_str(), name.size()));
    }
    return r.get(); // the table keeps it while the test looks
}

} // namespace

TEST_CASE("shm: two processes map one region at different places and share its pages")
{
    Session session;
    Process* a = spawn();
    CHECK(sys(sys_createSharedRegion, put_string("vm.board"), 3 * P - 10, 0) == 0);
    CHECK(sys(sys_createSharedRegion, put_string("vm.board"), P, 0) == ERR_EXIST);
    CHECK(sys(sys_createSharedRegion, put_string(""), P, 0) == ERR_INVAL);
    CHECK(sys(sys_createSharedRegion, put_string("vm.big"), SHM_MAX_REGION_SIZE + 1, 0) == ERR_INVAL);
    CHECK(shm_quota_used() == 3 * P); // charged at creation, rounded up
    long va = create_mapping("vm.board");
    REQUIRE(va > 0);
    check("createMapping");
    write<u64>(u64(va) + 2 * P, 0xfeed);

    Process* b = spawn();
    long vb = create_mapping("vm.board");
    REQUIRE(vb > 0);
    long vb2 = create_mapping("vm.board"); // a second view of the same region
    REQUIRE(vb2 > 0);
    check("two more views");
    CHECK(read<u64>(u64(vb) + 2 * P) == 0xfeed);
    CHECK(read<u64>(u64(vb2) + 2 * P) == 0xfeed);
    CHECK(mapped(b, u64(vb) + 2 * P) == mapped(a, u64(va) + 2 * P));
    SharedRegion* r = region_named("vm.board");
    REQUIRE(r);
    CHECK(r->views == 3);
    CHECK(create_mapping("vm.nothing") == ERR_NOTEXIST);

    // The creator cannot destroy it while it maps it itself.
    run_as(a);
    CHECK(sys(sys_destroySharedRegion, put_string("vm.board")) == ERR_INVAL);
    CHECK(sys(sys_destroyMapping, put_string("vm.board"), u64(va) + P) == 0);
    CHECK(sys(sys_destroyMapping, put_string("vm.board"), u64(va)) == ERR_NOTEXIST);
    check("destroyMapping");
    run_as(b);
    CHECK(sys(sys_destroyMapping, put_string("vm.board"), u64(vb)) == 0);
    CHECK(sys(sys_destroyMapping, put_string("vm.board"), u64(vb2)) == 0);
    CHECK(r->views == 0);
    // No view left: destroy returns at once, and the pages go.
    auto shared_pages = [] { return page_stats().used_by[u32(PageUse::Shared)]; };
    u64 shared_before = shared_pages();
    CHECK(sys(sys_destroySharedRegion, put_string("vm.board")) == 0);
    CHECK(shared_pages() == shared_before - 1); // the one page written
    CHECK(region_named("vm.board") == nullptr);
    CHECK(shm_quota_used() == 0);
    check("destroySharedRegion");
}

TEST_CASE("shm: a region lives while its creator does or it persists, and its views keep its pages")
{
    Session session;
    Process* creator = spawn();
    CHECK(sys(sys_createSharedRegion, put_string("vm.temp"), P, 0) == 0);
    CHECK(sys(sys_createSharedRegion, put_string("vm.kept"), P, RS_PERSIST) == 0);
    Process* user = spawn();
    long v = create_mapping("vm.temp");
    REQUIRE(v > 0);
    write<u32>(u64(v), 7);
    exit(creator); // drops the creator's references
    CHECK(region_named("vm.kept") != nullptr);
    // The name is still findable: a view holds the region.
    CHECK(region_named("vm.temp") != nullptr);
    CHECK(read<u32>(u64(v)) == 7);
    CHECK(sys(sys_munmap, u64(v), P) == 0); // the last view: the region goes
    CHECK(region_named("vm.temp") == nullptr);
    check("after the last view");
    CHECK(sys(sys_destroySharedRegion, put_string("vm.kept")) == 0);
    (void)user;
}

TEST_CASE("shm: handles: shm_open, mmap shared and private, ftruncate, unlink")
{
    Session session;
    Process* p = spawn();
    u64 created = scratch() + 64;
    int fd = int(sys(sys_shm_open, put_string("vm.handle"), O_RDWR | O_CREAT | O_EXCL, 2 * P, 0, created));
    REQUIRE(fd >= 0);
    CHECK(read<int>(created) == 1);
    CHECK(sys(sys_shm_open, put_string("vm.handle"), O_RDWR | O_CREAT | O_EXCL, P, 0, 0) == ERR_EXIST);
    long shared = sys(sys_mmap, 0, 2 * P, RW, MAP_SHARED, fd, 0);
    long priv = sys(sys_mmap, 0, P, RW, MAP_PRIVATE, fd, P);
    REQUIRE(shared > 0);
    REQUIRE(priv > 0);
    check("two views of a handle");
    write<u32>(u64(shared) + P, 5);
    CHECK(read<u32>(u64(priv)) == 5); // a private view reads the region
    u32 perms = 0;
    CHECK(mapped(p, u64(priv), &perms) == mapped(p, u64(shared) + P)); // the store's own page...
    CHECK(!(perms & PERM_WRITE));                                      // ...mapped read-only
    write<u32>(u64(priv), 6);                                          // its write copies
    check("a private view's write");
    CHECK(mapped(p, u64(priv)) != mapped(p, u64(shared) + P));
    CHECK(read<u32>(u64(shared) + P) == 5);

    // Shrinking under a view is refused; growing is charged.
    CHECK(sys(sys_ftruncate, fd, P) == ERR_BUSY);
    CHECK(sys(sys_ftruncate, fd, 4 * P) == 0);
    CHECK(shm_quota_used() == 4 * P);
    CHECK(sys(sys_munmap, u64(shared), 2 * P) == 0);
    CHECK(sys(sys_munmap, u64(priv), P) == 0);
    CHECK(sys(sys_ftruncate, fd, P) == 0);
    CHECK(shm_quota_used() == P);
    check("ftruncate");
    CHECK(sys(sys_mmap, 0, 2 * P, RW, MAP_SHARED, fd, 0) == ERR_INVAL); // past the new end
    CHECK(sys(sys_mmap, 0, P, RW, MAP_SHARED, fd, 0) > 0);
    CHECK(sys(sys_read, fd, scratch(), 4) == ERR_INVAL);       // a handle is not read
    CHECK(sys(sys_shm_unlink, put_string("vm.handle")) == 0);
    CHECK(sys(sys_shm_unlink, put_string("vm.handle")) == ERR_NOTEXIST);
    CHECK(sys(sys_close, fd) == 0); // the view keeps the region
    CHECK(shm_quota_used() == P);
    check("unlinked and closed");
}

TEST_CASE("shm: names spread over the parts of the table, and a walk visits every region once")
{
    Session session;
    spawn();
    constexpr int N = 64;
    auto name_of = [](int i) { return "vm.part" + std::to_string(i); };
    std::set<const Spinlock*> parts;
    for (int i = 0; i < N; i++) {
        std::string name = name_of(i);
        long fd = sys(sys_shm_open, put_string(name), O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, 0, 0, 0);
        REQUIRE(fd >= 0);
        CHECK(sys(sys_ftruncate, fd, P) == 0);
        CHECK(sys(sys_close, fd) == 0); // the name keeps it
        parts.insert(&shm_table_lock(StringView(name.c_str(), name.size())));
    }
    CHECK(parts.size() > 1); // 64 names do not all hash to one part
    CHECK(shm_quota_used() == N * P);

    struct Walk {
        std::set<std::string> names;
        int visits = 0;
    } walk;
    auto visit = [](SharedRegion* r, void* context) {
        auto* w = static_cast<Walk*>(context);
        CHECK(shm_table_lock(r).is_held()); // the walk holds the region's part
        w->visits++;
        w->names.insert(std::string(r->name().data(), r->name().length()));
        return true;
    };
    shm_for_each(visit, &walk);
    CHECK(walk.visits == N);
    CHECK(walk.names.size() == size_t(N));
    for (int i = 0; i < N; i++)
        CHECK(walk.names.count(name_of(i)) == 1);

    // Stopping early stops the whole walk, not just one part.
    int stops = 0;
    shm_for_each([](SharedRegion*, void* context) { return ++*static_cast<int*>(context) < 3; }, &stops);
    CHECK(stops == 3);

    for (int i = 0; i < N; i++)
        CHECK(sys(sys_shm_unlink, put_string(name_of(i))) == 0);
    walk = Walk();
    shm_for_each(visit, &walk);
    CHECK(walk.visits == 0);
    CHECK(shm_quota_used() == 0);
    check("every part empty again");
}

TEST_CASE("shm: fork shares a region's views (never copy-on-write) and counts them")
{
    Session session;
    Process* parent = spawn();
    CHECK(sys(sys_createSharedRegion, put_string("vm.family"), 2 * P, 0) == 0);
    long v = create_mapping("vm.family");
    REQUIRE(v > 0);
    write<u32>(u64(v), 1);
    Process* child = fork(parent);
    check("fork with a view");
    SharedRegion* r = region_named("vm.family");
    REQUIRE(r);
    CHECK(r->views == 2);
    u32 perms = 0;
    CHECK(mapped(child, u64(v), &perms) == mapped(parent, u64(v)));
    CHECK((perms & PERM_WRITE) != 0); // shared: writable in both at once
    run_as(child);
    write<u32>(u64(v), 2);
    run_as(parent);
    CHECK(read<u32>(u64(v)) == 2);
    exit(child);
    CHECK(r->views == 1);
    check("after the child");
    CHECK(sys(sys_destroyMapping, put_string("vm.family"), u64(v)) == 0);
    CHECK(sys(sys_destroySharedRegion, put_string("vm.family")) == 0);
}
