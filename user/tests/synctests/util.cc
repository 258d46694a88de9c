/*
 * Helpers shared by the synctests cases: regions and anonymous shared
 * memory, children, and waiting until a child is asleep.
 */
#include "cases.h"

// ---- shared memory -------------------------------------------------------

void* make_region(const char* tag, size_t size, char* name_out)
{
    char name[64];
    snprintf(name, sizeof name, "synctests/%s/%d", tag, getpid());
    int r = createSharedRegion(name, size, 0);
    require(r == ERR_OK, "createSharedRegion(\"%s\"): %s", name, errname(r));
    void* view = nullptr;
    r = createMapping(name, &view);
    require(r == ERR_OK, "createMapping(\"%s\"): %s", name, errname(r));
    if (name_out)
        strlcpy(name_out, name, 64);
    return view;
}

void* map_again(const char* name)
{
    void* view = nullptr;
    int r = createMapping(name, &view);
    require(r == ERR_OK, "createMapping(\"%s\"): %s", name, errname(r));
    return view;
}

void* shared_anon(size_t size)
{
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    require(!mmap_failed(p), "mmap(MAP_SHARED|MAP_ANONYMOUS): %s", errname(int(intptr_t(p))));
    return p;
}

void* private_anon(size_t size)
{
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    require(!mmap_failed(p), "mmap(MAP_PRIVATE|MAP_ANONYMOUS): %s", errname(int(intptr_t(p))));
    return p;
}

// ---- children --------------------------------------------------------------

int start_child(void (*fn)(void*), void* arg)
{
    int pid = fork();
    require(pid >= 0, "fork: %s", errname(pid));
    if (pid == 0) {
        int before = test_failures();
        fn(arg);
        exit(test_failures() > before ? 1 : 0);
    }
    return pid;
}

int join(int pid) { return test_wait_status(pid); }

bool join_ok(int pid, const char* what)
{
    int status = join(pid);
    if (status < 0)
        return check(false, "%s: waitpid(%d): %s", what, pid, errname(status));
    if (WIFKILLED(status))
        return check(false, "%s: child %d was killed", what, pid);
    return check(WEXITSTATUS(status) == 0, "%s: child %d exited with %d", what, pid, WEXITSTATUS(status));
}

namespace {
bool is_sleeping(int pid)
{
    static struct procinfo table[128];
    int n = procinfo(table, 128);
    for (int i = 0; i < n; i++)
        if (table[i].pid == pid)
            return table[i].state == PSTATE_SLEEPING;
    return false;
}
} // namespace

bool wait_sleeping(int pid, unsigned timeout_ms)
{
    // A child can also sleep briefly on the way (a page of its program
    // read from disk on first touch), so insist on a few sightings in a
    // row, a few milliseconds apart: only the wait we mean lasts.
    constexpr int SIGHTINGS = 4;
    uint64_t end = clock_ns() + timeout_ms * MS;
    int seen = 0;
    do {
        seen = is_sleeping(pid) ? seen + 1 : 0;
        if (seen == SIGHTINGS)
            return true;
        sleep(2);
    } while (clock_ns() < end);
    return check(false, "process %d did not go to sleep within %u ms", pid, timeout_ms);
}

bool wait_word_at_least(uint32_t* word, uint32_t value, unsigned timeout_ms)
{
    uint64_t end = clock_ns() + timeout_ms * MS;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < value) {
        if (clock_ns() > end)
            return check(false, "word reached %u, not %u, within %u ms", __atomic_load_n(word, __ATOMIC_ACQUIRE),
                         value, timeout_ms);
        yield();
    }
    return true;
}

uint64_t syscalls_now()
{
    struct proc_stats s;
    memset(&s, 0, sizeof s);
    int r = proc_stats(0, &s);
    check(r == ERR_OK, "proc_stats: %s", errname(r));
    return s.syscalls;
}
