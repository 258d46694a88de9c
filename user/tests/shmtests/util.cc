/*
 * Helpers shared by the shmtests cases: shared-memory counts, views and
 * introspection, children and events between them, capture of a program's
 * output.
 */
#include "cases.h"

// ---- counts -----------------------------------------------------------------

ShmCounts shm_counts()
{
    struct meminfo m = test_meminfo();
    return ShmCounts{m.shm_regions, m.shm_quota_used};
}

uint64_t quota_total() { return test_meminfo().shm_quota_total; }

bool check_counts_back(const ShmCounts& before, const char* when)
{
    // Exit releases everything before the parent's wait returns, so this
    // should hold at once; the short grace only keeps a slow reaper from
    // turning into a false alarm.
    ShmCounts now = shm_counts();
    for (int i = 0; i < 100 && (now.regions != before.regions || now.quota_used != before.quota_used); i++) {
        sleep(10);
        now = shm_counts();
    }
    return check(now.regions == before.regions && now.quota_used == before.quota_used,
                 "%s: shm_regions %lu -> %lu, shm_quota_used %lu -> %lu", when, (unsigned long)before.regions,
                 (unsigned long)now.regions, (unsigned long)before.quota_used, (unsigned long)now.quota_used);
}

// ---- regions ----------------------------------------------------------------

char* map_region(const char* name)
{
    void* p = nullptr;
    int r = createMapping(name, &p);
    if (!check(r == ERR_OK, "createMapping(\"%s\"): %s", name, errname(r)))
        return nullptr;
    return static_cast<char*>(p);
}

bool find_region_info(const char* name, struct shm_info* out)
{
    static struct shm_info records[64];
    for (int skip = 0;;) {
        int n = shm_list(records, 64, skip);
        if (n <= 0)
            return false;
        for (int i = 0; i < n; i++) {
            if (strcmp(records[i].name, name) == 0) {
                *out = records[i];
                return true;
            }
        }
        if (n < 64)
            return false;
        skip += n;
    }
}

namespace {
struct map_info g_maps[256];
}

int count_own_views()
{
    int n = shm_maps(0, g_maps, 256);
    if (n < 0)
        return n;
    int views = 0;
    for (int i = 0; i < n; i++)
        views += g_maps[i].kind == MAP_KIND_SHARED_VIEW;
    return views;
}

bool range_unmapped(uintptr_t addr, size_t len)
{
    int n = shm_maps(0, g_maps, 256);
    if (n < 0)
        return false;
    for (int i = 0; i < n; i++)
        if (g_maps[i].start < addr + len && addr < g_maps[i].end)
            return false;
    return true;
}

int map_error(void* p) { return mmap_failed(p) ? int(intptr_t(p)) : 0; }

char* map_fd(int fd, size_t len, int prot, int flags, long offset)
{
    return static_cast<char*>(mmap(nullptr, len, prot, flags, fd, offset));
}

// ---- processes --------------------------------------------------------------

int spawn(void (*fn)(void*), void* arg)
{
    int pid = fork();
    if (pid == 0) {
        int before = test_failures();
        fn(arg);
        exit(test_failures() > before ? 1 : 0);
    }
    return pid;
}

namespace {
void call_plain(void* fn) { reinterpret_cast<void (*)()>(fn)(); }
} // namespace

int spawn0(void (*fn)()) { return spawn(call_plain, reinterpret_cast<void*>(fn)); }

int run_child(void (*fn)()) { return test_fork(call_plain, reinterpret_cast<void*>(fn)); }

int run_child_arg(void (*fn)(void*), void* arg) { return test_fork(fn, arg); }

void expect_killed(int status, const char* what)
{
    check(status >= 0 && WIFKILLED(status), "%s: child status 0x%x, expected killed", what, status);
}

void expect_child_ok(int pid, const char* what)
{
    if (!check(pid > 0, "%s: fork: %s", what, errname(pid)))
        return;
    int status = test_wait_status(pid);
    check(status == 0, "%s: child %d status 0x%x%s", what, pid, status,
          status >= 0 && WIFKILLED(status) ? " (killed)" : "");
}

volatile int* shared_page()
{
    void* p = mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!check(!mmap_failed(p), "shared anonymous page: %s", errname(map_error(p))))
        test_stop();
    return static_cast<volatile int*>(p);
}

void free_shared_page(volatile int* p) { munmap(const_cast<int*>(p), PAGE); }

bool wait_for(volatile int* p, int value, int timeout_ms)
{
    uint64_t end = uptime() + uint64_t(timeout_ms);
    while (*p != value) {
        if (uptime() > end)
            return false;
        sleep(1);
    }
    return true;
}

int atomic_add(volatile int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

bool event_init(Event* e) { return check(pipe(e->fds) == 0, "pipe failed"); }

void event_give(Event* e)
{
    char c = 'x';
    write(e->fds[1], &c, 1);
}

bool event_take(Event* e)
{
    char c;
    return read(e->fds[0], &c, 1) == 1;
}

void event_close(Event* e)
{
    close(e->fds[0]);
    close(e->fds[1]);
}

// ---- programs ---------------------------------------------------------------

long run_capture(const char* path, char* const argv[], char* out, size_t size, int* status)
{
    int fds[2];
    int r = pipe(fds);
    if (r < 0)
        return r;
    int pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return pid;
    }
    if (pid == 0) {
        close(fds[0]);
        // stdout and stderr both go into the pipe.
        close(1);
        close(2);
        if (dup(fds[1]) != 1 || dup(fds[1]) != 2)
            exit(120);
        close(fds[1]);
        int e = exec(path, argv);
        exit(e == ERR_NOTEXIST ? 121 : 122);
    }
    close(fds[1]);
    size_t done = 0;
    while (done < size - 1) {
        long n = read(fds[0], out + done, size - 1 - done);
        if (n <= 0)
            break;
        done += size_t(n);
    }
    close(fds[0]);
    out[done] = 0;
    *status = test_wait_status(pid);
    return long(done);
}
