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

namespace {
void call_plain(void* fn) { reinterpret_cast<void (*)()>(fn)(); }
} // namespace

int spawn0(void (*fn)()) { return test_spawn(call_plain, reinterpret_cast<void*>(fn)); }

int run_child(void (*fn)()) { return test_fork(call_plain, reinterpret_cast<void*>(fn)); }

int run_child_arg(void (*fn)(void*), void* arg) { return test_fork(fn, arg); }

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

