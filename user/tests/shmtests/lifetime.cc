/*
 * shmtests: lifetime rules (DESIGN.md 5, docs/shm.md section 1): what keeps
 * a region alive, when its name goes, when its memory goes, and how
 * destroySharedRegion waits.
 */
#include "cases.h"

void forget_to_destroy_leaks_nothing()
{
    ShmCounts before = shm_counts();
    // The same program twice: create, map, write, exit without destroying.
    for (int run = 0; run < 2; run++) {
        int status = run_child([] {
            require_eq(createSharedRegion("life.forget", 3 * PAGE, 0), ERR_OK);
            char* p = map_region("life.forget");
            require(p, "no mapping");
            check(p[0] == 0 && p[3 * PAGE - 1] == 0, "a new region holds old data");
            memset(p, 'f', 3 * PAGE);
            // no destroyMapping, no destroySharedRegion
        });
        check(status == 0, "run %d: status 0x%x", run, status);
        check_counts_back(before, run == 0 ? "after the first run" : "after the second run");
    }
    void* p;
    check_eq(createMapping("life.forget", &p), ERR_NOTEXIST);
}

void persistent_survives_creator()
{
    ShmCounts before = shm_counts();
    int status = run_child([] {
        require_eq(createSharedRegion("life.persist", 2 * PAGE, RS_PERSIST), ERR_OK);
        char* p = map_region("life.persist");
        require(p, "no mapping");
        strcpy(p + PAGE, "outlives me");
    });
    check_eq(status, 0);
    check_eq(shm_counts().regions, before.regions + 1);
    struct shm_info info;
    check(find_region_info("life.persist", &info) && info.views == 0 && info.resident_pages == 1,
          "views %u resident %lu", info.views, (unsigned long)info.resident_pages);
    // Another process, and then we, find the data.
    status = run_child([] {
        char* p = map_region("life.persist");
        require(p, "no mapping");
        check(strcmp(p + PAGE, "outlives me") == 0, "reads \"%s\"", p + PAGE);
    });
    check_eq(status, 0);
    check_eq(shm_counts().regions, before.regions + 1);
    char* p = map_region("life.persist");
    require(p, "no mapping");
    check(strcmp(p + PAGE, "outlives me") == 0, "reads \"%s\"", p + PAGE);
    check_eq(destroyMapping("life.persist", p), ERR_OK);
    check_eq(destroySharedRegion("life.persist"), ERR_OK);
    check_counts_back(before, "after destroy");
}

void unlinked_name_keeps_working()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("life.unl", PAGE, 0), ERR_OK);
    static char* old_view;
    old_view = map_region("life.unl");
    require(old_view, "no mapping");
    strcpy(old_view, "first");
    static volatile int* flags;
    flags = test_shared_page();
    // Another process destroys the name; it then waits for our view.
    int destroyer = spawn0([] {
        check_eq(destroyMapping("life.unl", old_view), ERR_OK); // the inherited view
        int r = destroySharedRegion("life.unl");
        flags[0] = 100 + r;
    });
    require(destroyer > 0, "fork");
    struct shm_info info;
    for (int i = 0; i < 2000; i++) {
        if (find_region_info("life.unl", &info) && (info.flags & SHM_INFO_UNLINKED))
            break;
        sleep(1);
    }
    check(info.flags & SHM_INFO_UNLINKED, "the destroyed name was not unlinked");
    // Our view works on, undisturbed.
    check(strcmp(old_view, "first") == 0, "old view reads \"%s\"", old_view);
    old_view[0] = 'F';
    // The name is free: a new create makes a new zeroed region.
    require_eq(createSharedRegion("life.unl", PAGE, 0), ERR_OK);
    char* new_view = map_region("life.unl");
    require(new_view, "no mapping of the new region");
    check(new_view != old_view, "same address for both");
    check_eq(new_view[0], 0);
    strcpy(new_view, "second");
    check(strcmp(old_view, "First") == 0, "old view reads \"%s\"", old_view);
    check_eq(shm_counts().regions, before.regions + 2);
    check_eq(flags[0], 0); // the destroyer still waits for our old view
    check_eq(destroyMapping("life.unl", old_view), ERR_OK);
    test_expect_child_ok(destroyer, "destroyer");
    check_eq(flags[0], 100 + ERR_OK);
    check_eq(shm_counts().regions, before.regions + 1);
    check(strcmp(new_view, "second") == 0, "new view reads \"%s\"", new_view);
    check_eq(destroyMapping("life.unl", new_view), ERR_OK);
    check_eq(destroySharedRegion("life.unl"), ERR_OK);
    test_free_shared_page(flags);
}

void destroy_waits_for_views()
{
    require_eq(createSharedRegion("life.wait", PAGE, 0), ERR_OK);
    static volatile int* flags;
    flags = test_shared_page();
    int viewer = spawn0([] {
        char* p = map_region("life.wait");
        require(p, "no mapping");
        flags[0] = 1;
        require(test_wait_for(&flags[1], 1, 5000), "destroyer did not start");
        sleep(300);
        p[0] = 'v'; // still usable while the destroyer waits
        flags[2] = 1;
        check_eq(destroyMapping("life.wait", p), ERR_OK);
        sleep(100); // stay alive a little: the view, not the process, is what counts
    });
    require(viewer > 0, "fork");
    require(test_wait_for(&flags[0], 1, 5000), "viewer did not map");
    flags[1] = 1;
    uint64_t start = uptime();
    check_eq(destroySharedRegion("life.wait"), ERR_OK);
    uint64_t waited = uptime() - start;
    check(flags[2] == 1, "destroySharedRegion returned before the view went");
    check(waited >= 200, "destroySharedRegion returned after %lu ms", (unsigned long)waited);
    test_expect_child_ok(viewer, "viewer");
    test_free_shared_page(flags);
}

void destroy_is_killable()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("life.kill", PAGE, 0), ERR_OK);
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    static volatile int* flags;
    flags = test_shared_page();
    int viewer = spawn0([] {
        char* p = map_region("life.kill");
        require(p, "no mapping");
        p[0] = 'k';
        event_give(&ready);
        event_take(&go);
        check_eq(p[0], 'k');
        check_eq(destroyMapping("life.kill", p), ERR_OK);
    });
    require(viewer > 0, "fork");
    require(event_take(&ready), "viewer did not map");
    int destroyer = spawn0([] {
        int r = destroySharedRegion("life.kill");
        flags[0] = 100 + r; // must not get here: killed while waiting
    });
    require(destroyer > 0, "fork");
    sleep(200);
    check_eq(flags[0], 0);
    check_eq(kill(destroyer), 0);
    int status = test_wait_status(destroyer);
    test_expect_killed(status, "destroyer");
    check_eq(flags[0], 0);
    // The name went when the destroyer started; the region lives for its viewer.
    void* p;
    check_eq(createMapping("life.kill", &p), ERR_NOTEXIST);
    check_eq(shm_counts().regions, before.regions + 1);
    event_give(&go);
    test_expect_child_ok(viewer, "viewer");
    check_counts_back(before, "after the viewer unmapped");
    test_free_shared_page(flags);
    event_close(&ready);
    event_close(&go);
}

void pages_freed_at_last_close_after_destroy()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("life.close", 16 * PAGE, 0), ERR_OK);
    int fd = shm_open("life.close", O_RDWR, 0, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    char* p = map_region("life.close");
    require(p, "no mapping");
    memset(p, 'c', 16 * PAGE);
    check_eq(destroyMapping("life.close", p), ERR_OK);
    // No view left: destroy returns at once, but the handle keeps the memory.
    check_eq(destroySharedRegion("life.close"), ERR_OK);
    check_eq(shm_open("life.close", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    check_eq(shm_counts().regions, before.regions + 1);
    struct shm_info info;
    check(find_region_info("life.close", &info) && info.resident_pages == 16 && (info.flags & SHM_INFO_UNLINKED),
          "resident %lu flags 0x%x", (unsigned long)info.resident_pages, info.flags);
    // The memory is still there for the handle.
    char* q = map_fd(fd, 16 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(q), "mmap");
    check(q[0] == 'c' && q[16 * PAGE - 1] == 'c', "data lost after destroy");
    check_eq(munmap(q, 16 * PAGE), 0);
    uint64_t held = test_meminfo().shared_pages;
    check_eq(close(fd), 0);
    check_counts_back(before, "after the last close");
    uint64_t now = test_meminfo().shared_pages;
    check(now + 16 == held, "closing the last handle freed %ld page-cache pages, expected 16", long(held - now));
}

void region_outlives_creator_while_viewed()
{
    ShmCounts before = shm_counts();
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    int creator = spawn0([] {
        require_eq(createSharedRegion("life.viewed", PAGE, 0), ERR_OK);
        event_give(&ready);
        event_take(&go);
    });
    require(creator > 0, "fork");
    require(event_take(&ready), "creator did not create");
    char* p = map_region("life.viewed");
    require(p, "no mapping");
    strcpy(p, "still here");
    event_give(&go);
    test_expect_child_ok(creator, "creator");
    // The creator is gone, our view keeps the region (and its name).
    check_eq(shm_counts().regions, before.regions + 1);
    check(strcmp(p, "still here") == 0, "reads \"%s\"", p);
    char* q = map_region("life.viewed");
    if (q) {
        check(strcmp(q, "still here") == 0, "second view reads \"%s\"", q);
        check_eq(destroyMapping("life.viewed", q), ERR_OK);
    }
    check_eq(destroyMapping("life.viewed", p), ERR_OK);
    check_counts_back(before, "after the last view of a region whose creator exited");
    void* r;
    check_eq(createMapping("life.viewed", &r), ERR_NOTEXIST);
    event_close(&ready);
    event_close(&go);
}

void exit_releases_everything()
{
    ShmCounts before = shm_counts();
    require_eq(createSharedRegion("life.exit.kept", PAGE, 0), ERR_OK);
    char* kept = map_region("life.exit.kept");
    require(kept, "no mapping");
    int status = run_child([] {
        require_eq(createSharedRegion("life.exit.a", 4 * PAGE, 0), ERR_OK);
        int fd = shm_open("life.exit.b", O_RDWR | O_CREAT, 4 * PAGE, SHM_CEILING_RDWR, nullptr);
        require(fd >= 0, "shm_open");
        require(dup(fd) >= 0, "dup");
        char* a1 = map_region("life.exit.a");
        char* a2 = map_region("life.exit.a");
        char* b = map_fd(fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
        char* bp = map_fd(fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
        require(a1 && a2 && !mmap_failed(b) && !mmap_failed(bp), "mappings");
        memset(a1, 1, 4 * PAGE);
        memset(b, 2, 4 * PAGE);
        memset(bp, 3, 4 * PAGE);
        require_eq(lockSharedRegion("life.exit.a"), ERR_OK);
        require_eq(lockSharedRegion("life.exit.kept"), ERR_OK);
        require_eq(lockSharedRegion("life.exit.kept"), ERR_OK);
        // exit with all of it
    });
    check_eq(status, 0);
    check_eq(shm_counts().regions, before.regions + 1);
    check_eq(lockSharedRegion("life.exit.kept"), ERR_ABANDONED);
    check_eq(unlockSharedRegion("life.exit.kept"), ERR_OK);
    check_eq(destroyMapping("life.exit.kept", kept), ERR_OK);
    check_eq(destroySharedRegion("life.exit.kept"), ERR_OK);
    check_counts_back(before, "after the child's exit");
}
