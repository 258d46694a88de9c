/*
 * killtests: killing processes that hold views and handles of shared
 * regions, that are in the middle of page faults, or that wait in
 * destroySharedRegion. Regions must be reclaimed exactly when their rules
 * say (a persistent one survives with its data, the others go with their
 * last holder), and pages and quota must all come back.
 */
#include "cases.h"

namespace {

constexpr int NAMES = 4;

void kt_name(char* buf, size_t size, int i) { snprintf(buf, size, "kt.view.%d", i); }

struct ViewShared {
    volatile uint32_t stop;
    volatile uint32_t maps;
    volatile uint32_t bad;
};

// Maps the persistent region kt.keep and the per-index regions, writes
// known bytes, forks children that keep the views, and goes on mapping
// and unmapping until killed.
void view_holder(int index, void* arg)
{
    auto* sh = static_cast<ViewShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0x71e3, uint64_t(getpid()));
    char name[32];
    void* views[8] = {};
    while (!sh->stop) {
        int slot = int(rng.below(8));
        if (views[slot]) {
            munmap(views[slot], PAGE); // a partial unmap of a bigger view, or all of it
            views[slot] = nullptr;
            continue;
        }
        int n = int(rng.below(NAMES));
        kt_name(name, sizeof name, n);
        int r = createSharedRegion(name, size_t(rng.range(1, 8)) * PAGE, 0);
        check(r == ERR_OK || r == ERR_EXIST, "create %s: %s", name, errname(r));
        void* v = nullptr;
        r = createMapping(rng.chance(30) ? "kt.keep" : name, &v);
        if (r == ERR_NOTEXIST)
            continue; // its creator died meanwhile and nobody maps it
        require_eq(r, ERR_OK);
        views[slot] = v;
        stress::atomic_add(&sh->maps, 1u);
        // Touch every page: faults in progress when the kill comes.
        char* p = static_cast<char*>(v);
        for (int k = 0; k < 8 && !sh->stop; k++)
            p[0] = char(index);
        if (rng.chance(5)) {
            int pid = fork();
            if (pid == 0) {
                sleep(unsigned(rng.range(1, 30)));
                exit(0);
            }
            if (pid > 0)
                stress::reap(pid);
        }
    }
    (void)index;
}

} // namespace

void kill_view_holders()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ViewShared*>(shared_or_fail(PAGE));
    // A persistent region with known contents outlives every holder.
    require_eq(createSharedRegion("kt.keep", 4 * PAGE, RS_PERSIST), ERR_OK);
    void* keep = nullptr;
    require_eq(createMapping("kt.keep", &keep), ERR_OK);
    memcpy(static_cast<char*>(keep) + 3 * PAGE, "kept", 5);
    require_eq(destroyMapping("kt.keep", keep), ERR_OK);

    Crowd crowd{6, view_holder, sh, &sh->stop, 3000, 5, 40};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u maps\n", kills, sh->maps);

    // Every non-persistent region went with its creator and last view.
    char name[32];
    for (int i = 0; i < NAMES; i++) {
        kt_name(name, sizeof name, i);
        int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
        check(fd == ERR_NOTEXIST, "%s outlived every holder: %s", name, errname(fd));
        if (fd >= 0)
            close(fd);
    }
    require_eq(createMapping("kt.keep", &keep), ERR_OK);
    check(memcmp(static_cast<char*>(keep) + 3 * PAGE, "kept", 5) == 0, "the persistent region lost its data");
    check_eq(destroyMapping("kt.keep", keep), ERR_OK);
    check_eq(destroySharedRegion("kt.keep"), ERR_OK);
    munmap(sh, PAGE);
}

namespace {
// Opens handles (creating regions, some persistent), maps them at
// offsets, privately, read-only; resizes them; until killed.
void handle_holder(int index, void* arg)
{
    auto* sh = static_cast<ViewShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0x4a4d, uint64_t(getpid()));
    char name[32];
    while (!sh->stop) {
        snprintf(name, sizeof name, "kt.h.%d", int(rng.below(NAMES)));
        int fd = shm_open(name, O_RDWR | O_CREAT, rng.range(1, 8) * PAGE, 0, nullptr);
        if (fd == ERR_MFILE) {
            for (int i = 3; i < 64; i++)
                close(i);
            continue;
        }
        require(fd >= 0, "shm_open %s: %s", name, errname(fd));
        struct stat st;
        require_eq(fstat(fd, &st), 0);
        if (st.size >= PAGE) {
            int flags = rng.chance(30) ? MAP_PRIVATE : MAP_SHARED;
            int prot = rng.chance(30) ? PROT_READ : PROT_READ | PROT_WRITE;
            void* p = mmap(nullptr, PAGE, prot, flags, fd, long(rng.below(st.size / PAGE)) * long(PAGE));
            if (!mmap_failed(p)) {
                if (prot & PROT_WRITE)
                    *static_cast<volatile char*>(p) = char(index);
                else
                    (void)*static_cast<volatile char*>(p);
                stress::atomic_add(&sh->maps, 1u);
            }
        }
        int r = ftruncate(fd, rng.range(0, 8) * PAGE);
        check(r == ERR_OK || r == ERR_BUSY, "ftruncate: %s", errname(r));
        if (rng.chance(50))
            close(fd);
        if (rng.chance(10))
            shm_unlink(name);
    }
}
} // namespace

void kill_handle_holders()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ViewShared*>(shared_or_fail(PAGE));
    Crowd crowd{6, handle_holder, sh, &sh->stop, 3000, 5, 40};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u maps\n", kills, sh->maps);
    // Non-persistent regions die with their last handle: all gone now.
    char name[32];
    for (int i = 0; i < NAMES; i++) {
        snprintf(name, sizeof name, "kt.h.%d", i);
        int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
        check(fd == ERR_NOTEXIST, "%s outlived every handle: %s", name, errname(fd));
        if (fd >= 0)
            close(fd);
    }
    munmap(sh, PAGE);
}

namespace {
// Faults in pages of private, shared-anonymous, named and copy-on-write
// memory as fast as it can.
void faulter(int index, void* arg)
{
    auto* sh = static_cast<ViewShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0xfa17, uint64_t(getpid()));
    constexpr size_t LEN = 64 * PAGE;
    while (!sh->stop) {
        int kind = int(rng.below(3));
        char* p;
        if (kind == 2) {
            void* v = nullptr;
            if (createMapping("kt.fault", &v) != ERR_OK)
                continue;
            p = static_cast<char*>(v);
        } else {
            void* v = mmap(nullptr, LEN, PROT_READ | PROT_WRITE, kind ? MAP_SHARED | MAP_ANONYMOUS
                                                                       : MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            require(!mmap_failed(v), "mmap");
            p = static_cast<char*>(v);
        }
        for (size_t off = 0; off < LEN && !sh->stop; off += PAGE)
            p[off] = char(index);
        if (rng.chance(30)) {
            // Copy-on-write faults in a child while we keep going.
            int pid = fork();
            if (pid == 0) {
                for (size_t off = 0; off < LEN; off += PAGE)
                    p[off]++;
                exit(0);
            }
            if (pid > 0)
                stress::reap(pid);
        }
        if (kind == 2)
            destroyMapping("kt.fault", p);
        else
            munmap(p, LEN);
        stress::atomic_add(&sh->maps, 1u);
    }
}
} // namespace

void kill_faulting_processes()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ViewShared*>(shared_or_fail(PAGE));
    require_eq(createSharedRegion("kt.fault", 64 * PAGE, 0), ERR_OK);
    Crowd crowd{6, faulter, sh, &sh->stop, 3000, 5, 30};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u mappings faulted in\n", kills, sh->maps);
    check(sh->maps > 10, "only %u mappings", sh->maps);
    check_eq(destroySharedRegion("kt.fault"), ERR_OK);
    munmap(sh, PAGE);
}

// Processes waiting in destroySharedRegion (for views other processes
// hold) are killed; the region's name is gone all the same, and the
// memory goes once the views do.
void kill_destroy_waiters()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ViewShared*>(shared_or_fail(PAGE));
    for (int round = 0; round < 4; round++) {
        stress::Counts before = stress::counts();
        require_eq(createSharedRegion("kt.destroy", 4 * PAGE, RS_PERSIST), ERR_OK);
        void* v = nullptr;
        require_eq(createMapping("kt.destroy", &v), ERR_OK);
        memset(v, 0x5a, 4 * PAGE);
        sh->maps = 0; // counts destroyers on their way in
        constexpr int N = 4;
        int pids[N];
        for (int i = 0; i < N; i++) {
            pids[i] = fork();
            if (pids[i] == 0) {
                // Our copy of the parent's view would make destroy refuse.
                check_eq(destroyMapping("kt.destroy", v), ERR_OK);
                stress::atomic_add(&sh->maps, 1u);
                int r = destroySharedRegion("kt.destroy");
                // Only the first gets the name; it returns once our view goes.
                exit(r == ERR_OK || r == ERR_NOTEXIST ? 0 : 1);
            }
        }
        wait_at_least(&sh->maps, N, 5000);
        sleep(unsigned(rng.range(5, 50)));
        int kills = 0;
        for (int i = 0; i < N; i++) {
            if (rng.chance(60)) {
                kill(pids[i]);
                stress::reap(pids[i]);
                pids[i] = 0;
                kills++;
            }
        }
        // Whatever the destroyers did, our view still works.
        check(static_cast<volatile char*>(v)[4 * PAGE - 1] == 0x5a, "round %d: data gone under the view", round);
        check_eq(destroyMapping("kt.destroy", v), ERR_OK);
        for (int i = 0; i < N; i++)
            if (pids[i])
                check_eq(stress::reap(pids[i]), 0);
        // A surviving destroyer got the name (or found it gone); if all
        // died, one of them may or may not have got in before its kill.
        int fd = shm_open("kt.destroy", O_RDONLY, 0, 0, nullptr);
        check(fd == ERR_NOTEXIST || kills == N, "round %d: the name survived %d destroyers", round, N - kills);
        if (fd >= 0)
            close(fd);
        if (kills == N)
            destroySharedRegion("kt.destroy");
        stress::Counts after = stress::settle_regions(before);
        check(after.regions == before.regions && after.quota == before.quota, "round %d: regions %lu -> %lu", round,
              (unsigned long)before.regions, (unsigned long)after.regions);
    }
    munmap(sh, PAGE);
}
