/*
 * shmtests: fork, exec and exit (DESIGN.md 5.1): a forked child inherits
 * every view (shared, at the same address) and every handle, but not the
 * creator's reference nor lock ownership; exec drops views and keeps
 * handles.
 */
#include "cases.h"

namespace {
char* arg(const char* s) { return const_cast<char*>(s); }
} // namespace

void fork_inherits_views_same_address()
{
    require_eq(createSharedRegion("proc.views", 2 * PAGE, 0), ERR_OK);
    static char* a;
    static char* b;
    a = map_region("proc.views");
    int fd = shm_open("proc.views", O_RDWR, 0, 0, nullptr);
    require(a && fd >= 0, "setup");
    b = map_fd(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE);
    require(!mmap_failed(b), "mmap");
    close(fd);
    strcpy(a, "from parent");
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    int child = spawn0([] {
        // Same addresses, same memory, no new mapping call.
        check(strcmp(a, "from parent") == 0, "child reads \"%s\" at %p", a, a);
        static struct map_info maps[64];
        int n = shm_maps(0, maps, 64);
        int found = 0;
        for (int i = 0; i < n; i++) {
            if (maps[i].kind != MAP_KIND_SHARED_VIEW || strcmp(maps[i].name, "proc.views") != 0)
                continue;
            found++;
            check(maps[i].shared, "inherited view at 0x%lx is not shared", (unsigned long)maps[i].start);
            check(maps[i].start == uintptr_t(a) || maps[i].start == uintptr_t(b), "view at 0x%lx, not inherited",
                  (unsigned long)maps[i].start);
        }
        check_eq(found, 2);
        strcpy(a + 100, "from child");
        b[0] = 'B'; // page 1 of the region
        event_give(&ready);
        event_take(&go);
    });
    require(child > 0, "fork");
    require(event_take(&ready), "child not ready");
    struct shm_info info;
    check(find_region_info("proc.views", &info) && info.views == 4, "views %u with the child, expected 4",
          info.views);
    check(strcmp(a + 100, "from child") == 0, "parent reads \"%s\"", a + 100);
    check_eq(a[PAGE], 'B');
    event_give(&go);
    test_expect_child_ok(child, "child");
    check(find_region_info("proc.views", &info) && info.views == 2, "views %u after the child, expected 2",
          info.views);
    check_eq(munmap(b, PAGE), 0);
    check_eq(destroyMapping("proc.views", a), ERR_OK);
    check_eq(destroySharedRegion("proc.views"), ERR_OK);
    event_close(&ready);
    event_close(&go);
}

void fork_inherits_handles()
{
    static int fd;
    fd = shm_open("proc.handles", O_RDWR | O_CREAT | O_EXCL, PAGE, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    int status = run_child([] {
        struct stat st;
        require_eq(fstat(fd, &st), 0);
        check_eq(st.type, T_SHM);
        check_eq(st.size, PAGE);
        struct shm_info info;
        check(find_region_info("proc.handles", &info) && info.handles == 1,
              "handles %u: fork should share the open handle", info.handles);
        char* p = map_fd(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
        require(!mmap_failed(p), "mmap of the inherited handle: %s", errname(map_error(p)));
        strcpy(p, "child was here");
        check_eq(close(fd), 0); // our copy only
    });
    check_eq(status, 0);
    char* p = map_fd(fd, PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(p), "parent's mmap after the child closed its copy");
    check(strcmp(p, "child was here") == 0, "reads \"%s\"", p);
    check_eq(munmap(p, PAGE), 0);
    check_eq(close(fd), 0);
}

void fork_no_creator_ref()
{
    ShmCounts before = shm_counts();
    static volatile int* flags;
    flags = test_shared_page();
    // The creator forks a child, then exits. The child has no view: were it
    // holding a creator reference, the region would outlive the creator.
    int creator = spawn0([] {
        require_eq(createSharedRegion("proc.creator", PAGE, 0), ERR_OK);
        int grandchild = fork();
        if (grandchild == 0) {
            require(test_wait_for(&flags[0], 1, 10000), "never told to go");
            void* p;
            flags[1] = 100 + createMapping("proc.creator", &p);
            flags[2] = 100 + destroySharedRegion("proc.creator");
            flags[3] = 1;
            exit(0);
        }
        require(grandchild > 0, "fork");
        // exit: the creator reference goes with us, and nobody else has one.
    });
    test_expect_child_ok(creator, "creator");
    check_counts_back(before, "the creator exited; its forked child still lives");
    flags[0] = 1;
    check(test_wait_for(&flags[3], 1, 10000), "the grandchild did not finish");
    check_eq(flags[1], 100 + ERR_NOTEXIST);
    check_eq(flags[2], 100 + ERR_NOTEXIST);
    sleep(20); // let init reap the orphan before the runner counts processes
    test_free_shared_page(flags);
}

void fork_no_lock_ownership()
{
    require_eq(createSharedRegion("proc.lock", PAGE, 0), ERR_OK);
    static volatile int* p;
    p = reinterpret_cast<volatile int*>(map_region("proc.lock"));
    require(p, "no mapping");
    require_eq(lockSharedRegion("proc.lock"), ERR_OK);
    require_eq(lockSharedRegion("proc.lock"), ERR_OK); // depth 2
    int child = spawn0([] {
        // The child has the view but not the lock.
        check_eq(unlockSharedRegion("proc.lock"), ERR_INVAL);
        struct shm_info info;
        check(find_region_info("proc.lock", &info) && info.lock_owner == getppid(), "owner %d, expected %d",
              info.lock_owner, getppid());
        p[1] = 1;
        int r = lockSharedRegion("proc.lock"); // blocks until the parent lets go
        p[2] = 100 + r;
        check_eq(r, ERR_OK);
        check(find_region_info("proc.lock", &info) && info.lock_owner == getpid(), "owner %d, expected %d",
              info.lock_owner, getpid());
        check_eq(unlockSharedRegion("proc.lock"), ERR_OK);
        check_eq(unlockSharedRegion("proc.lock"), ERR_INVAL); // depth 1, not the parent's 2
    });
    require(child > 0, "fork");
    require(test_wait_for(&p[1], 1, 5000), "child did not start");
    sleep(100);
    check_eq(p[2], 0); // still blocked
    check_eq(unlockSharedRegion("proc.lock"), ERR_OK);
    sleep(50);
    check_eq(p[2], 0); // one unlock of two: still ours
    check_eq(unlockSharedRegion("proc.lock"), ERR_OK);
    test_expect_child_ok(child, "child");
    check_eq(p[2], 100 + ERR_OK);
    check_eq(destroyMapping("proc.lock", const_cast<int*>(p)), ERR_OK);
    check_eq(destroySharedRegion("proc.lock"), ERR_OK);
}

void fork_private_view_cow()
{
    int fd = shm_open("proc.cow", O_RDWR | O_CREAT | O_EXCL, 2 * PAGE, 0, nullptr);
    require(fd >= 0, "shm_open");
    static char* s;
    static char* v;
    s = map_fd(fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    v = map_fd(fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
    require(!mmap_failed(s) && !mmap_failed(v), "mmap");
    strcpy(s, "base0");
    strcpy(s + PAGE, "base1");
    strcpy(v, "parent0"); // page 0 of the private view: our copy now
    int status = run_child([] {
        check(strcmp(v, "parent0") == 0, "child's private view reads \"%s\"", v);
        check(strcmp(v + PAGE, "base1") == 0, "child's private view page 1 reads \"%s\"", v + PAGE);
        strcpy(v, "child0");
        strcpy(v + PAGE, "child1");
        check(strcmp(s, "base0") == 0 && strcmp(s + PAGE, "base1") == 0, "private writes reached the region");
    });
    check_eq(status, 0);
    check(strcmp(v, "parent0") == 0, "parent's private page 0 reads \"%s\"", v);
    check(strcmp(v + PAGE, "base1") == 0, "parent's private page 1 reads \"%s\"", v + PAGE);
    check(strcmp(s, "base0") == 0 && strcmp(s + PAGE, "base1") == 0, "the region changed");
    check_eq(munmap(v, 2 * PAGE), 0);
    check_eq(munmap(s, 2 * PAGE), 0);
    check_eq(close(fd), 0);
}

void exec_drops_views_keeps_handles()
{
    require_eq(createSharedRegion("proc.exec", 2 * PAGE, 0), ERR_OK);
    char* p = map_region("proc.exec");
    require(p, "no mapping");
    char* q = map_region("proc.exec");
    require(q, "no mapping");
    int fd = shm_open("proc.exec", O_RDWR, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    char fd_text[12];
    snprintf(fd_text, sizeof fd_text, "%d", fd);
    // The child inherits two views and the handle, then execs: the helper
    // must find no view of its own, only our two in the region's count,
    // and a working handle.
    char* argv[] = {arg("shmhelper"), arg("check"), arg("proc.exec"), fd_text, nullptr};
    static char out[256];
    int status = -1;
    long n = test_run_capture("/bin/shmhelper", argv, out, sizeof out, &status);
    check(n > 0 && status == 0, "shmhelper: output %ld bytes, status 0x%x: %s", n, status, out);
    char expected[96];
    snprintf(expected, sizeof expected, "mine=0 total=2 type=%d size=%lu\n", T_SHM, (unsigned long)(2 * PAGE));
    check(strcmp(out, expected) == 0, "shmhelper says \"%s\", expected \"%s\"", out, expected);
    check(strcmp(p, "written after exec") == 0, "region reads \"%s\"", p);
    struct shm_info info;
    check(find_region_info("proc.exec", &info) && info.views == 2 && info.handles == 1, "views %u handles %u",
          info.views, info.handles);
    // A lock taken after exec is abandoned at the exec'd program's exit.
    char* lock_argv[] = {arg("shmhelper"), arg("lock"), arg("proc.exec"), nullptr};
    n = test_run_capture("/bin/shmhelper", lock_argv, out, sizeof out, &status);
    check(status == 0 && strcmp(out, "lock=0\n") == 0, "shmhelper lock: status 0x%x output \"%s\"", status, out);
    check_eq(lockSharedRegion("proc.exec"), ERR_ABANDONED);
    check_eq(unlockSharedRegion("proc.exec"), ERR_OK);
    close(fd);
    check_eq(destroyMapping("proc.exec", p), ERR_OK);
    check_eq(destroyMapping("proc.exec", q), ERR_OK);
    check_eq(destroySharedRegion("proc.exec"), ERR_OK);
}
