/*
 * securitytests: handles belong to their process, and a region's
 * creation-time ceiling binds everyone but its creator: no open mode,
 * mapping, mprotect, resize, dup or the original interface's
 * createMapping gets around it.
 */
#include "cases.h"

namespace {
struct HandleShared {
    volatile int32_t fd;     // the number process A got
    volatile uint32_t ready;
    volatile uint32_t checked;
};
HandleShared* g_sh;
} // namespace

void handle_numbers_are_per_process()
{
    make_foreign_region("sec.h1", 2, 'H', SHM_CEILING_RDWR);
    g_sh = static_cast<HandleShared*>(stress::shared_pages(PAGE));
    require(g_sh, "mmap");
    g_sh->fd = -1;
    // B first, so it shares nothing A opens later.
    int b = fork();
    if (b == 0) {
        while (!g_sh->ready)
            sleep(1);
        int fd = g_sh->fd;
        struct stat st;
        check_eq(fstat(fd, &st), ERR_BADF);
        check_eq(long(intptr_t(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0))), ERR_BADF);
        check_eq(ftruncate(fd, 0), ERR_BADF);
        check_eq(dup(fd), ERR_BADF);
        check_eq(close(fd), ERR_BADF);
        // The same number for something of B's own (a pipe: the lowest
        // free numbers, like A's handle) is just that.
        int mine[2];
        require_eq(pipe(mine), 0);
        if (mine[0] == fd || mine[1] == fd) {
            void* p = mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0);
            check(mmap_failed(p), "B's descriptor %d (a pipe) mapped as something", fd);
        }
        g_sh->checked = 1;
        exit(test_failures() ? 1 : 0);
    }
    require(b > 0, "fork");
    int a = fork();
    if (a == 0) {
        int fd = shm_open("sec.h1", O_RDWR, 0, 0, nullptr);
        require(fd >= 0, "shm_open");
        g_sh->fd = fd;
        g_sh->ready = 1;
        while (!g_sh->checked)
            sleep(1);
        // Still ours, and still working.
        char* p = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        check(!mmap_failed(p) && p[0] == 'H', "A's handle stopped working");
        exit(test_failures() ? 1 : 0);
    }
    require(a > 0, "fork");
    check_eq(stress::reap(b), 0);
    check_eq(stress::reap(a), 0);
    // Nor does the number mean anything here.
    struct stat st;
    if (g_sh->fd > 2)
        check_eq(fstat(g_sh->fd, &st), ERR_BADF);
    munmap(g_sh, PAGE);
    check_eq(shm_unlink("sec.h1"), ERR_OK);
}

void ceiling_cannot_be_exceeded()
{
    make_foreign_region("sec.c1", 2, 'C', SHM_CEILING_RDONLY);
    check_eq(shm_open("sec.c1", O_RDWR, 0, 0, nullptr), ERR_ACCESS);
    check_eq(shm_open("sec.c1", O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_ACCESS);
    check_eq(shm_open("sec.c1", O_RDWR | O_CREAT | SHM_PERSIST, PAGE, SHM_CEILING_RDWR, nullptr), ERR_ACCESS);
    check_eq(shm_open("sec.c1", O_WRONLY, 0, 0, nullptr), ERR_INVAL);
    void* v = nullptr;
    check_eq(createMapping("sec.c1", &v), ERR_ACCESS);
    int fd = shm_open("sec.c1", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "O_RDONLY: %s", errname(fd));
    check_eq(long(intptr_t(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))), ERR_ACCESS);
    check_eq(long(intptr_t(mmap(nullptr, PAGE, PROT_WRITE, MAP_SHARED, fd, 0))), ERR_ACCESS);
    char* r = static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0));
    require(!mmap_failed(r), "a read-only view: %s", errname(int(intptr_t(r))));
    check_eq(mprotect(r, 2 * PAGE, PROT_READ | PROT_WRITE), ERR_ACCESS);
    check_eq(ftruncate(fd, 4 * PAGE), ERR_ACCESS);
    check_eq(ftruncate(fd, PAGE), ERR_ACCESS);
    int d = dup(fd);
    require(d >= 0, "dup");
    check_eq(long(intptr_t(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0))), ERR_ACCESS);
    // The region lock is no write: a viewer may take it.
    check_eq(lockSharedRegion("sec.c1"), ERR_OK);
    check_eq(unlockSharedRegion("sec.c1"), ERR_OK);
    // A private view may be written; the region does not see it.
    char* p = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    require(!mmap_failed(p), "a private view: %s", errname(int(intptr_t(p))));
    p[0] = 'W';
    check(r[0] == 'C', "the private write reached the region");
    check(region_unchanged("sec.c1", 2 * PAGE, 'C'), "the region changed");
    munmap(p, PAGE);
    munmap(r, 2 * PAGE);
    close(d);
    close(fd);
    check_eq(shm_unlink("sec.c1"), ERR_OK);
}

// The ceiling binds by process: the creator's children are others.
void ceiling_applies_to_creators_children()
{
    int fd = shm_open("sec.c2", O_RDWR | O_CREAT | O_EXCL, 2 * PAGE, SHM_CEILING_RDONLY, nullptr);
    require(fd >= 0, "create: %s", errname(fd));
    int again = shm_open("sec.c2", O_RDWR, 0, 0, nullptr);
    check(again >= 0, "the creator itself may open read-write: %s", errname(again));
    void* v = nullptr;
    check_eq(createMapping("sec.c2", &v), ERR_OK); // the creator may
    if (v)
        check_eq(destroyMapping("sec.c2", v), ERR_OK);
    int status = in_child([] {
        check_eq(shm_open("sec.c2", O_RDWR, 0, 0, nullptr), ERR_ACCESS);
        void* w = nullptr;
        check_eq(createMapping("sec.c2", &w), ERR_ACCESS);
        int ro = shm_open("sec.c2", O_RDONLY, 0, 0, nullptr);
        check(ro >= 0, "read-only is allowed: %s", errname(ro));
    });
    check_eq(status, 0);
    if (again >= 0)
        close(again);
    close(fd); // the last handle: a non-persistent region goes
    check_eq(shm_open("sec.c2", O_RDONLY, 0, 0, nullptr), ERR_NOTEXIST);
}
