/*
 * exhausttests: physical memory and the shared-memory quota. A process
 * that touches memory the machine no longer has is killed ("out of
 * memory"), never the kernel; every system call made while memory is
 * short returns a result or a clean error; and once the hogs are gone,
 * the same amount of memory is there again.
 */
#include "cases.h"

namespace {

// Pages a second probe may get fewer than the first: page tables and
// kernel objects of processes that come and go are not always the same.
constexpr uint64_t PROBE_SLACK = 64;

// Touches every page of a view; a child does this when it may be killed.
void touch(void* p, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += PAGE)
        static_cast<volatile char*>(p)[off] = 1;
}

} // namespace

void exhaust_memory_anonymous()
{
    uint64_t first = probe_memory();
    uint64_t second = probe_memory();
    struct meminfo m = stress::counts().info;
    printf("    a hog got %lu pages, then %lu (of %lu, %lu free now)\n", (unsigned long)first, (unsigned long)second,
           (unsigned long)m.total_pages, (unsigned long)m.free_pages);
    check(first > m.total_pages / 2, "a hog got only %lu of %lu pages", (unsigned long)first,
          (unsigned long)m.total_pages);
    check(second + PROBE_SLACK >= first, "memory did not come back: %lu pages, then %lu", (unsigned long)first,
          (unsigned long)second);
}

// Copy-on-write: children of a process with many private pages each write
// all of them; the copies run out, the writers are killed, and the
// parent's pages are untouched. Fork itself copies nothing, so the
// memory runs out in the writers: at least one of them must be killed
// before it has written everything (a fork that copied the pages would run
// out in fork instead, and every writer it made would finish).
void exhaust_memory_cow_fork()
{
    stress::Counts start = stress::counts();
    size_t pages = size_t(start.info.free_pages / 4);
    size_t bytes = pages * PAGE;
    auto* finished = static_cast<volatile uint32_t*>(shared_or_fail(PAGE));
    char* p = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(p), "mmap");
    for (size_t i = 0; i < pages; i++)
        p[i * PAGE] = char(i);
    constexpr int N = 6; // 6 copies of a quarter of memory cannot all fit
    int pids[N];
    for (int k = 0; k < N; k++) {
        finished[k] = 0;
        pids[k] = fork();
        if (pids[k] == 0) {
            for (size_t i = 0; i < pages; i++)
                p[i * PAGE] = char(i + 1);
            finished[k] = 1;
            for (;;)
                sleep(1000); // hold the copies
        }
        if (pids[k] < 0)
            pids[k] = 0; // fork itself may run out; fine
    }
    // Wait until every writer either finished or was killed.
    int forked = 0, ran_out = 0;
    for (int k = 0; k < N; k++) {
        if (!pids[k])
            continue;
        forked++;
        // A writer done with its copies sleeps; one that ran out is dead.
        for (int waited = 0; waited < 20000 && !finished[k]; waited += 20) {
            struct proc_stats st;
            if (proc_stats(pids[k], &st) != ERR_OK || st.resident_pages == 0)
                break;
            sleep(20);
        }
    }
    for (int k = 0; k < N; k++) {
        if (!pids[k])
            continue;
        int status = stop(pids[k]);
        ran_out += WIFKILLED(status) && !finished[k];
    }
    bool intact = true;
    for (size_t i = 0; i < pages; i++)
        intact &= p[i * PAGE] == char(i);
    check(intact, "the parent's pages changed");
    printf("    %lu private pages, %d writers of copies, %d killed for want of memory\n", (unsigned long)pages, forked,
           ran_out);
    check(forked > 0 && ran_out > 0, "%d of %d forks made a writer, and every writer got its copies: fork copied "
          "the pages instead of sharing them", forked, N);
    munmap(p, bytes);
    munmap(const_cast<uint32_t*>(finished), PAGE);
}

namespace {
struct QuotaShared {
    volatile uint64_t bytes[8];
    volatile uint32_t done;
    volatile uint32_t errors;
};
} // namespace

// Several processes create regions and fill every page until the quota
// says no; everything goes when they exit.
void exhaust_quota_many_processes()
{
    stress::Counts before = stress::counts();
    auto* sh = static_cast<QuotaShared*>(shared_or_fail(PAGE));
    constexpr int N = 4;
    constexpr size_t CHUNK = 1 << 20;
    int pids[N];
    for (int k = 0; k < N; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            char name[32];
            for (int i = 0;; i++) {
                snprintf(name, sizeof name, "ex.q.%d.%d", k, i);
                int r = createSharedRegion(name, CHUNK, 0);
                if (r != ERR_OK) {
                    if (r != ERR_NOMEM)
                        stress::atomic_add(&sh->errors, 1u);
                    break;
                }
                void* v = nullptr;
                if (createMapping(name, &v) != ERR_OK) {
                    stress::atomic_add(&sh->errors, 1u);
                    break;
                }
                touch(v, CHUNK); // charged already: must not fail for quota
                sh->bytes[k] = sh->bytes[k] + CHUNK;
            }
            stress::atomic_add(&sh->done, 1u);
            for (;;)
                sleep(1000);
        }
        require(pids[k] > 0, "fork");
    }
    for (int waited = 0; sh->done < N && waited < 60000; waited += 10)
        sleep(10);
    check_eq(sh->done, N);
    check_eq(sh->errors, 0);
    stress::Counts full = stress::counts();
    uint64_t total = 0;
    for (int k = 0; k < N; k++)
        total += sh->bytes[k];
    printf("    %lu MiB in regions, quota %lu of %lu MiB\n", (unsigned long)(total >> 20),
           (unsigned long)(full.quota >> 20), (unsigned long)(full.info.shm_quota_total >> 20));
    check(full.info.shm_quota_total - full.quota < CHUNK, "%lu bytes of quota left, yet creates failed",
          (unsigned long)(full.info.shm_quota_total - full.quota));
    for (int k = 0; k < N; k++)
        stop(pids[k]);
    stress::Counts after = stress::settle_regions(before);
    check(after.regions == before.regions && after.quota == before.quota, "regions %lu -> %lu, quota %lu -> %lu",
          (unsigned long)before.regions, (unsigned long)after.regions, (unsigned long)before.quota,
          (unsigned long)after.quota);
    munmap(sh, PAGE);
}

// A region within the quota, but no memory left to fill it: its toucher
// is killed; a persistent region keeps what was written before.
void exhaust_memory_shared_regions()
{
    uint64_t avail = probe_memory();
    auto* progress = static_cast<volatile uint64_t*>(shared_or_fail(PAGE));
    // Leave room for about 256 pages, then try to fill a larger region.
    int hog = start_hog(progress, avail > 512 ? avail - 256 : avail / 2);
    for (uint64_t last = ~0ull; last != *progress;) {
        last = *progress;
        sleep(200);
    }
    require_eq(createSharedRegion("ex.keep", 2048 * PAGE, RS_PERSIST), ERR_OK);
    int status = test_fork(
        [](void*) {
            void* v = nullptr;
            require_eq(createMapping("ex.keep", &v), ERR_OK);
            static_cast<char*>(v)[0] = 'k';                          // the first page: there is room
            touch(static_cast<char*>(v) + PAGE, 2047 * PAGE); // not for all the others
        },
        nullptr);
    check(status >= 0 && WIFKILLED(status), "the toucher ended with %#x, expected killed", status);
    stop(hog);
    // The region survived its toucher, with the page that was written.
    void* v = nullptr;
    require_eq(createMapping("ex.keep", &v), ERR_OK);
    check(static_cast<char*>(v)[0] == 'k', "the first page lost its byte");
    touch(v, 2048 * PAGE); // now there is memory for all of it
    check_eq(destroyMapping("ex.keep", v), ERR_OK);
    check_eq(destroySharedRegion("ex.keep"), ERR_OK);
    munmap(const_cast<uint64_t*>(progress), PAGE);
}

namespace {
struct Battery {
    volatile uint32_t step;     // the step in progress
    volatile uint32_t finished; // all steps done
    volatile int32_t bad_step;  // a step that returned something it may not
    volatile int64_t bad_result;
    uint32_t word;
    mutex_t mutex;
};

Battery* g_battery;

void expect_clean(uint32_t step, long r, long ok_min = 0)
{
    if (r >= ok_min || (r < 0 && r >= ERR_LAST))
        return;
    g_battery->bad_step = int32_t(step);
    g_battery->bad_result = r;
}

// Every kind of system call, with memory nearly gone. Steps that touch
// new memory run in grandchildren (they may be killed, which is fine).
void battery()
{
    static char buf[8192];
    memset(buf, 1, sizeof buf);
    stress::prefault_stack(32 * 1024);
    uint32_t step = 0;
    auto next = [&]() { g_battery->step = ++step; };

    next();
    int pid = fork();
    if (pid == 0)
        exit(0);
    expect_clean(step, pid);
    if (pid > 0)
        stress::reap(pid);

    next();
    int fds[2];
    int r = pipe(fds);
    expect_clean(step, r);
    if (r == 0) {
        expect_clean(step, write(fds[1], buf, 100));
        expect_clean(step, read(fds[0], buf, 100));
        close(fds[0]);
        close(fds[1]);
    }

    next();
    int fd = open("/README", O_RDONLY);
    expect_clean(step, fd);
    if (fd >= 0) {
        expect_clean(step, read(fd, buf, sizeof buf));
        close(fd);
    }

    next();
    fd = open("/tmp/ex.battery", O_CREAT | O_RDWR | O_TRUNC);
    expect_clean(step, fd);
    if (fd >= 0) {
        for (int k = 0; k < 4; k++)
            expect_clean(step, write(fd, buf, sizeof buf));
        close(fd);
        expect_clean(step, unlink("/tmp/ex.battery"));
    }

    next();
    pid = fork();
    if (pid == 0) {
        close(1);
        open("/dev/null", O_WRONLY);
        char* argv[] = {const_cast<char*>("echoargs"), nullptr};
        int e = exec("/bin/echoargs", argv);
        exit(e == ERR_NOMEM || e == ERR_NORES ? 0 : 1);
    }
    expect_clean(step, pid);
    if (pid > 0)
        stress::reap(pid); // killed, exited, or echoargs' status: all fine

    next();
    r = createSharedRegion("ex.battery", 64 * PAGE, 0);
    expect_clean(step, r);
    if (r == ERR_OK) {
        void* v = nullptr;
        r = createMapping("ex.battery", &v);
        expect_clean(step, r);
        if (r == ERR_OK) {
            pid = fork();
            if (pid == 0) {
                touch(v, 64 * PAGE);
                exit(0);
            }
            if (pid > 0)
                stress::reap(pid);
            expect_clean(step, lockSharedRegion("ex.battery"));
            expect_clean(step, unlockSharedRegion("ex.battery"));
            expect_clean(step, destroyMapping("ex.battery", v));
        }
        expect_clean(step, destroySharedRegion("ex.battery"));
    }

    next();
    fd = shm_open("ex.battery.h", O_RDWR | O_CREAT, PAGE, 0, nullptr);
    expect_clean(step, fd);
    if (fd >= 0) {
        expect_clean(step, ftruncate(fd, 32 * PAGE));
        void* p = mmap(nullptr, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        expect_clean(step, long(intptr_t(p))); // an address is positive
        if (!mmap_failed(p))
            munmap(p, 32 * PAGE);
        close(fd);
    }

    next();
    static struct shm_info infos[16];
    expect_clean(step, shm_list(infos, 16, 0));
    // A large max makes the kernel allocate a big buffer: ERR_NOMEM is fine.
    expect_clean(step, shm_list(reinterpret_cast<struct shm_info*>(buf), 4096, 1 << 20));

    next();
    static struct procinfo procs[8];
    expect_clean(step, procinfo(procs, 8));
    struct meminfo m;
    expect_clean(step, meminfo(&m));
    struct proc_stats st;
    expect_clean(step, proc_stats(0, &st));

    next();
    g_battery->word = 0;
    r = futex_wait(&g_battery->word, 0, deadline_after_ms(5));
    check(r == ERR_TIMEDOUT || r == ERR_AGAIN || r == ERR_OK || r == ERR_NOMEM, "futex_wait: %s", errname(r));
    expect_clean(step, futex_wake(&g_battery->word, 1));

    next();
    void* big = mmap(nullptr, size_t(1) << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mmap_failed(big))
        munmap(big, size_t(1) << 30);
    void* brk = sbrk(1 << 20);
    if (!is_err(intptr_t(brk)))
        sbrk(-(1 << 20));

    next();
    r = mutex_lock(&g_battery->mutex);
    check(r == ERR_OK, "mutex_lock: %s", errname(r));
    mutex_unlock(&g_battery->mutex);
    expect_clean(step, sleep(1));

    g_battery->finished = 1;
}
} // namespace

void exhaust_memory_everything_else_fails_cleanly()
{
    g_battery = static_cast<Battery*>(shared_or_fail(PAGE));
    mutex_init(&g_battery->mutex);
    uint64_t avail = probe_memory();
    static const uint64_t margins[] = {4, 32, 256};
    for (uint64_t margin : margins) {
        g_battery->step = 0;
        g_battery->finished = 0;
        g_battery->bad_step = -1;
        // The battery process first (it needs memory to exist), then the hog.
        int go[2];
        require_eq(pipe(go), 0);
        int pid = fork();
        if (pid == 0) {
            close(go[1]);
            char c;
            read(go[0], &c, 1);
            battery();
            exit(test_failures() ? 1 : 0);
        }
        require(pid > 0, "fork");
        close(go[0]);
        auto* progress = static_cast<volatile uint64_t*>(shared_or_fail(PAGE));
        int hog = start_hog(progress, avail > margin ? avail - margin : 1);
        for (uint64_t last = ~0ull; last != *progress;) {
            last = *progress;
            sleep(200);
        }
        write(go[1], "g", 1);
        close(go[1]);
        int status = stress::reap(pid);
        stop(hog);
        check(g_battery->bad_step < 0, "margin %lu: step %d returned %ld", (unsigned long)margin,
              g_battery->bad_step, (long)g_battery->bad_result);
        // The battery itself may be killed when even its own memory (a
        // stack page, a page table) cannot be had: that is the clean way
        // out. Anything else must have run to the end.
        check(WIFKILLED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0 && g_battery->finished),
              "margin %lu: the battery ended with %#x at step %u", (unsigned long)margin, status, g_battery->step);
        printf("    margin %lu pages: the hog had %lu pages; the battery %s at step %u\n", (unsigned long)margin,
               (unsigned long)*progress, WIFKILLED(status) ? "was killed" : "finished", g_battery->step);
        munmap(const_cast<uint64_t*>(progress), PAGE);
    }
    munmap(g_battery, PAGE);
}
