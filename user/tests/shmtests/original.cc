/*
 * shmtests: the original interface (DESIGN.md 5.1): every success path and
 * every error code of createSharedRegion, destroySharedRegion,
 * createMapping, destroyMapping, lockSharedRegion and unlockSharedRegion.
 */
#include "cases.h"

void create_map_write_read()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("orig.basic", 3 * PAGE, 0), ERR_OK);
    check_eq(shm_counts().regions, before.regions + 1);
    check_eq(shm_counts().quota_used, before.quota_used + 3 * PAGE);
    char* p = map_region("orig.basic");
    require(p, "no mapping");
    check((uintptr_t(p) & (PAGE - 1)) == 0, "view %p is not page aligned", p);
    bool zero = true;
    for (size_t i = 0; i < 3 * PAGE; i++)
        zero &= p[i] == 0;
    check(zero, "a new region is not zero-filled");
    for (size_t i = 0; i < 3 * PAGE; i++)
        p[i] = char(i * 13 + 1);
    bool same = true;
    for (size_t i = 0; i < 3 * PAGE; i++)
        same &= p[i] == char(i * 13 + 1);
    check(same, "the region lost writes");
    check_eq(destroyMapping("orig.basic", p), ERR_OK);
    check_eq(destroySharedRegion("orig.basic"), ERR_OK);
    check_counts_back(before, "after destroy");
}

void create_errors()
{
    require_eq(createSharedRegion("orig.cerr", PAGE, 0), ERR_OK);
    // A live name: ERR_EXIST, whatever the size or flags.
    check_eq(createSharedRegion("orig.cerr", PAGE, 0), ERR_EXIST);
    check_eq(createSharedRegion("orig.cerr", 5 * PAGE, RS_PERSIST), ERR_EXIST);
    check_eq(createSharedRegion("orig.cerr.0", 0, 0), ERR_INVAL);
    check_eq(createSharedRegion("orig.cerr.max", SHM_MAX_REGION_SIZE + 1, 0), ERR_INVAL);
    check_eq(createSharedRegion("orig.cerr.huge", ~size_t(0), 0), ERR_INVAL);
    check_eq(createSharedRegion("orig.cerr.flag", PAGE, 2), ERR_INVAL);
    check_eq(createSharedRegion("orig.cerr.flag", PAGE, RS_PERSIST | 0x100), ERR_INVAL);
    check_eq(createSharedRegion("orig.cerr.flag", PAGE, -1), ERR_INVAL);
    check_eq(createSharedRegion("", PAGE, 0), ERR_INVAL);
    // More than the quota (but not over the per-region maximum): ERR_NOMEM.
    uint64_t total = quota_total();
    if (total + PAGE <= SHM_MAX_REGION_SIZE)
        check_eq(createSharedRegion("orig.cerr.quota", total + PAGE, 0), ERR_NOMEM);
    // None of the failures created anything.
    struct shm_info info;
    check(!find_region_info("orig.cerr.0", &info) && !find_region_info("orig.cerr.max", &info) &&
              !find_region_info("orig.cerr.flag", &info) && !find_region_info("orig.cerr.quota", &info),
          "a failed create left a region");
    // The first region is intact.
    check(find_region_info("orig.cerr", &info) && info.size == PAGE, "the existing region changed");
    check_eq(destroySharedRegion("orig.cerr"), ERR_OK);
}

void create_does_not_map()
{
    int views_before = count_own_views();
    require_eq(createSharedRegion("orig.nomap", 4 * PAGE, 0), ERR_OK);
    check_eq(count_own_views(), views_before);
    struct shm_info info;
    require(find_region_info("orig.nomap", &info), "not listed");
    check_eq(info.views, 0);
    check_eq(info.resident_pages, 0);
    check_eq(info.handles, 0);
    check_eq(info.creator, getpid());
    check_eq(destroySharedRegion("orig.nomap"), ERR_OK);
}

void create_rounds_size_to_pages()
{
    ShmCounts before = shm_counts();
    const struct {
        const char* name;
        size_t size;
        size_t rounded;
    } sizes[] = {{"orig.round.1", 1, PAGE},
                 {"orig.round.4095", PAGE - 1, PAGE},
                 {"orig.round.4096", PAGE, PAGE},
                 {"orig.round.4097", PAGE + 1, 2 * PAGE},
                 {"orig.round.big", 100 * PAGE + 7, 101 * PAGE}};
    for (const auto& s : sizes) {
        uint64_t used = shm_counts().quota_used;
        if (!check_eq(createSharedRegion(s.name, s.size, 0), ERR_OK))
            continue;
        check(shm_counts().quota_used - used == s.rounded, "%s: quota charged %lu, expected %lu", s.name,
              (unsigned long)(shm_counts().quota_used - used), (unsigned long)s.rounded);
        struct shm_info info;
        check(find_region_info(s.name, &info) && info.size == s.rounded, "%s: listed size %lu, expected %lu",
              s.name, (unsigned long)info.size, (unsigned long)s.rounded);
        // The view is the whole rounded region: its last byte is usable.
        char* p = map_region(s.name);
        if (p) {
            p[s.rounded - 1] = 'z';
            check_eq(destroyMapping(s.name, p), ERR_OK);
        }
        check_eq(destroySharedRegion(s.name), ERR_OK);
    }
    check_counts_back(before, "after the creates");
}

void create_persist_flag()
{
    require_eq(createSharedRegion("orig.persist", PAGE, RS_PERSIST), ERR_OK);
    struct shm_info info;
    require(find_region_info("orig.persist", &info), "not listed");
    check(info.flags & SHM_INFO_PERSIST, "flags 0x%x lack SHM_INFO_PERSIST", info.flags);
    require_eq(createSharedRegion("orig.nopersist", PAGE, 0), ERR_OK);
    require(find_region_info("orig.nopersist", &info), "not listed");
    check(!(info.flags & SHM_INFO_PERSIST), "flags 0x%x have SHM_INFO_PERSIST", info.flags);
    check_eq(destroySharedRegion("orig.persist"), ERR_OK);
    check_eq(destroySharedRegion("orig.nopersist"), ERR_OK);
}

void destroy_errors()
{
    check_eq(destroySharedRegion("orig.derr.none"), ERR_NOTEXIST);
    check_eq(destroySharedRegion(""), ERR_INVAL);
    require_eq(createSharedRegion("orig.derr", PAGE, 0), ERR_OK);
    char* p = map_region("orig.derr");
    require(p, "no mapping");
    p[0] = 'd';
    // The caller still maps it: it would wait for itself.
    check_eq(destroySharedRegion("orig.derr"), ERR_INVAL);
    // ... and nothing happened: the name is still there, the data too.
    struct shm_info info;
    check(find_region_info("orig.derr", &info) && !(info.flags & SHM_INFO_UNLINKED), "ERR_INVAL destroy unlinked it");
    check_eq(createSharedRegion("orig.derr", PAGE, 0), ERR_EXIST);
    char* q = map_region("orig.derr");
    if (q) {
        check_eq(q[0], 'd');
        // Still ERR_INVAL with two views.
        check_eq(destroySharedRegion("orig.derr"), ERR_INVAL);
        check_eq(destroyMapping("orig.derr", q), ERR_OK);
    }
    check_eq(destroyMapping("orig.derr", p), ERR_OK);
    check_eq(destroySharedRegion("orig.derr"), ERR_OK);
    check_eq(destroySharedRegion("orig.derr"), ERR_NOTEXIST);
}

void destroy_name_gone_at_once()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("orig.gone", 2 * PAGE, RS_PERSIST), ERR_OK);
    char* p = map_region("orig.gone");
    require(p, "no mapping");
    memset(p, 'o', 2 * PAGE);
    check_eq(destroyMapping("orig.gone", p), ERR_OK);
    check_eq(destroySharedRegion("orig.gone"), ERR_OK);
    check_counts_back(before, "after destroying an unmapped persistent region");
    void* q = nullptr;
    check_eq(createMapping("orig.gone", &q), ERR_NOTEXIST);
    check(q == nullptr, "createMapping of a destroyed name stored %p", q);
    // The name is free again, for a new zeroed region.
    require_eq(createSharedRegion("orig.gone", 2 * PAGE, 0), ERR_OK);
    char* r = map_region("orig.gone");
    require(r, "no mapping of the new region");
    check(r[0] == 0 && r[2 * PAGE - 1] == 0, "the new region is not zeroed");
    check_eq(destroyMapping("orig.gone", r), ERR_OK);
    check_eq(destroySharedRegion("orig.gone"), ERR_OK);
}

void destroy_by_non_creator()
{
    // The creator stays alive (it waits on an event) while another process
    // destroys its region: the creator's reference goes anyway, so the
    // region is freed at once.
    static Event go, done;
    require(event_init(&go) && event_init(&done), "pipes");
    ShmCounts before = shm_counts();
    int creator = spawn0([] {
        check_eq(createSharedRegion("orig.nc", PAGE, 0), ERR_OK);
        event_give(&done);
        event_take(&go);
        // After the other process destroyed it, the creator finds nothing.
        check_eq(destroySharedRegion("orig.nc"), ERR_NOTEXIST);
        void* p;
        check_eq(createMapping("orig.nc", &p), ERR_NOTEXIST);
    });
    require(creator > 0, "fork");
    require(event_take(&done), "creator did not start");
    check_eq(shm_counts().regions, before.regions + 1);
    check_eq(destroySharedRegion("orig.nc"), ERR_OK);
    check_counts_back(before, "destroyed by a non-creator while the creator lives");
    event_give(&go);
    test_expect_child_ok(creator, "creator");
    event_close(&go);
    event_close(&done);
}

void map_errors()
{
    void* p = reinterpret_cast<void*>(1);
    check_eq(createMapping("orig.merr.none", &p), ERR_NOTEXIST);
    check_eq(createMapping("", &p), ERR_INVAL);
    // A region whose ceiling lets other processes read only.
    int fd = shm_open("orig.merr.ro", O_RDWR | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDONLY, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    int status = run_child([] {
        void* q = nullptr;
        check_eq(createMapping("orig.merr.ro", &q), ERR_ACCESS);
        check(q == nullptr, "a refused createMapping stored %p", q);
        check_eq(count_own_views(), 0);
    });
    check_eq(status, 0);
    // Its creator may map it read-write.
    char* mine = map_region("orig.merr.ro");
    if (mine) {
        mine[0] = 1;
        check_eq(destroyMapping("orig.merr.ro", mine), ERR_OK);
    }
    check_eq(shm_unlink("orig.merr.ro"), ERR_OK);
    check_eq(close(fd), 0);
}

void map_twice_aliases()
{
    require_eq(createSharedRegion("orig.twice", 2 * PAGE, 0), ERR_OK);
    char* a = map_region("orig.twice");
    char* b = map_region("orig.twice");
    require(a && b, "no mappings");
    check(a != b, "both views at %p", a);
    check(a + 2 * PAGE <= b || b + 2 * PAGE <= a, "views %p and %p overlap", a, b);
    strcpy(a + PAGE - 3, "alias");
    check(memcmp(b + PAGE - 3, "alias", 6) == 0, "the second view does not see the first one's write");
    b[0] = 'B';
    check_eq(a[0], 'B');
    struct shm_info info;
    check(find_region_info("orig.twice", &info) && info.views == 2, "views %u, expected 2", info.views);
    check_eq(count_own_views(), 2);
    check_eq(destroyMapping("orig.twice", a), ERR_OK);
    check_eq(b[PAGE - 3], 'a'); // the other view still works
    check_eq(destroyMapping("orig.twice", b), ERR_OK);
    check_eq(destroySharedRegion("orig.twice"), ERR_OK);
}

void map_whole_region_rw_shared()
{
    require_eq(createSharedRegion("orig.whole", 5 * PAGE, 0), ERR_OK);
    char* p = map_region("orig.whole");
    require(p, "no mapping");
    static struct map_info maps[64];
    int n = shm_maps(0, maps, 64);
    bool found = false;
    for (int i = 0; i < n; i++) {
        if (maps[i].start != uintptr_t(p))
            continue;
        found = true;
        check_eq(maps[i].end - maps[i].start, 5 * PAGE);
        check_eq(maps[i].prot, PROT_READ | PROT_WRITE);
        check_eq(maps[i].shared, 1);
        check_eq(maps[i].kind, MAP_KIND_SHARED_VIEW);
        check_eq(maps[i].offset, 0);
        check(strcmp(maps[i].name, "orig.whole") == 0, "name \"%s\"", maps[i].name);
        check_eq(maps[i].resident_pages, 0); // pages appear on first touch
    }
    check(found, "the view at %p is not in shm_maps", p);
    check(uintptr_t(p) >= MMAP_AREA, "view at %p, below the mapping area", p);
    check_eq(destroyMapping("orig.whole", p), ERR_OK);
    check_eq(destroySharedRegion("orig.whole"), ERR_OK);
}

void unmap_by_inner_address()
{
    require_eq(createSharedRegion("orig.inner", 3 * PAGE, 0), ERR_OK);
    int status = run_child([] {
        char* p = map_region("orig.inner");
        require(p, "no mapping");
        p[0] = 1;
        // Any address inside the view names it, not only its start.
        require_eq(destroyMapping("orig.inner", p + 2 * PAGE + 17), ERR_OK);
        check_eq(count_own_views(), 0);
        *static_cast<volatile char*>(p + PAGE) = 2; // must kill us
        exit(0);
    });
    test_expect_killed(status, "touch after destroyMapping");
    check_eq(destroySharedRegion("orig.inner"), ERR_OK);
}

void unmap_errors()
{
    require_eq(createSharedRegion("orig.uerr.a", 2 * PAGE, 0), ERR_OK);
    require_eq(createSharedRegion("orig.uerr.b", 2 * PAGE, 0), ERR_OK);
    char* a = map_region("orig.uerr.a");
    char* b = map_region("orig.uerr.b");
    require(a && b, "no mappings");
    static char in_data[16];
    check_eq(destroyMapping("orig.uerr.none", a), ERR_NOTEXIST);
    check_eq(destroyMapping("orig.uerr.a", b), ERR_NOTEXIST);             // a view of another region
    check_eq(destroyMapping("orig.uerr.a", a + 2 * PAGE), ERR_NOTEXIST);            // just past the view
    check_eq(destroyMapping("orig.uerr.a", in_data), ERR_NOTEXIST);       // not a view at all
    check_eq(destroyMapping("orig.uerr.a", nullptr), ERR_NOTEXIST);
    check_eq(destroyMapping("orig.uerr.a", reinterpret_cast<void*>(KERNEL_ADDR)), ERR_NOTEXIST);
    check_eq(destroyMapping("", a), ERR_INVAL);
    // Nothing was unmapped by the failures.
    a[0] = 'a';
    b[0] = 'b';
    check_eq(count_own_views(), 2);
    check_eq(destroyMapping("orig.uerr.a", a), ERR_OK);
    check_eq(destroyMapping("orig.uerr.a", a), ERR_NOTEXIST); // already gone
    check_eq(destroyMapping("orig.uerr.b", b + 1), ERR_OK);
    check_eq(destroySharedRegion("orig.uerr.a"), ERR_OK);
    check_eq(destroySharedRegion("orig.uerr.b"), ERR_OK);
}

void unmap_after_unlink_by_old_name()
{
    // A view of a region whose name was unlinked (here: replaced by a new
    // region of the same name) is still unmapped by that name.
    int fd = shm_open("orig.old", O_RDWR | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    char* old_view = map_region("orig.old");
    require(old_view, "no mapping");
    old_view[0] = 'O';
    check_eq(shm_unlink("orig.old"), ERR_OK);
    require_eq(createSharedRegion("orig.old", PAGE, 0), ERR_OK);
    char* new_view = map_region("orig.old");
    require(new_view, "no mapping of the new region");
    check_eq(new_view[0], 0);
    check_eq(old_view[0], 'O');
    check_eq(destroyMapping("orig.old", old_view), ERR_OK);
    check_eq(new_view[0], 0);
    check_eq(destroyMapping("orig.old", new_view), ERR_OK);
    check_eq(destroySharedRegion("orig.old"), ERR_OK);
    check_eq(close(fd), 0);
}

void lock_unlock_basic()
{
    require_eq(createSharedRegion("orig.lock", PAGE, 0), ERR_OK);
    char* p = map_region("orig.lock");
    require(p, "no mapping");
    check_eq(lockSharedRegion("orig.lock"), ERR_OK);
    struct shm_info info;
    check(find_region_info("orig.lock", &info) && (info.flags & SHM_INFO_LOCKED) && info.lock_owner == getpid(),
          "lock not shown as held by us (flags 0x%x owner %d)", info.flags, info.lock_owner);
    check_eq(unlockSharedRegion("orig.lock"), ERR_OK);
    check(find_region_info("orig.lock", &info) && !(info.flags & SHM_INFO_LOCKED) && info.lock_owner == 0,
          "lock still shown as held (flags 0x%x owner %d)", info.flags, info.lock_owner);
    check_eq(unlockSharedRegion("orig.lock"), ERR_INVAL);
    // Free again: a second lock does not block.
    check_eq(lockSharedRegion("orig.lock"), ERR_OK);
    check_eq(unlockSharedRegion("orig.lock"), ERR_OK);
    check_eq(destroyMapping("orig.lock", p), ERR_OK);
    check_eq(destroySharedRegion("orig.lock"), ERR_OK);
}

void lock_errors()
{
    check_eq(lockSharedRegion("orig.lerr.none"), ERR_NOTEXIST);
    check_eq(unlockSharedRegion("orig.lerr.none"), ERR_NOTEXIST);
    check_eq(lockSharedRegion(""), ERR_INVAL);
    check_eq(unlockSharedRegion(""), ERR_INVAL);
    require_eq(createSharedRegion("orig.lerr", PAGE, 0), ERR_OK);
    // The region exists but the caller has no view of it.
    check_eq(lockSharedRegion("orig.lerr"), ERR_NOTEXIST);
    check_eq(unlockSharedRegion("orig.lerr"), ERR_NOTEXIST);
    char* p = map_region("orig.lerr");
    require(p, "no mapping");
    check_eq(unlockSharedRegion("orig.lerr"), ERR_INVAL); // not held
    check_eq(lockSharedRegion("orig.lerr"), ERR_OK);
    // Another process (with a view) may not unlock it.
    int status = run_child([] {
        check_eq(unlockSharedRegion("orig.lerr"), ERR_INVAL);
        char* q = map_region("orig.lerr");
        if (q) {
            check_eq(unlockSharedRegion("orig.lerr"), ERR_INVAL);
            check_eq(destroyMapping("orig.lerr", q), ERR_OK);
        }
    });
    check_eq(status, 0);
    check_eq(unlockSharedRegion("orig.lerr"), ERR_OK); // still ours
    check_eq(destroyMapping("orig.lerr", p), ERR_OK);
    check_eq(lockSharedRegion("orig.lerr"), ERR_NOTEXIST); // no view any more
    check_eq(destroySharedRegion("orig.lerr"), ERR_OK);
}
