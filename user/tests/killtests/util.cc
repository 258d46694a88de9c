/*
 * killtests: the crowd of randomly killed children, and small helpers.
 */
#include "cases.h"

namespace {
constexpr int MAX_CROWD = 32;

int spawn(const Crowd& crowd, int index)
{
    int pid = fork();
    if (pid == 0) {
        crowd.body(index, crowd.shared);
        exit(test_failures() ? 1 : 0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    return pid;
}

// A crowd member ended: fine if we killed it or it exited cleanly.
void check_status(int pid, int status, bool killed_by_us)
{
    if (status < 0) {
        check(false, "waitpid(%d): %s", pid, errname(status));
        return;
    }
    if (killed_by_us)
        check(WIFKILLED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
              "child %d: status %#x after our kill", pid, status);
    else
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ended with status %#x%s", pid, status,
              WIFKILLED(status) ? " (killed by the kernel)" : "");
}
} // namespace

int run_crowd(const Crowd& crowd, Rng& rng)
{
    require(crowd.count <= MAX_CROWD, "crowd too big");
    uint64_t processes_before = stress::counts().processes;
    int pids[MAX_CROWD];
    for (int i = 0; i < crowd.count; i++)
        pids[i] = spawn(crowd, i);
    int kills = 0;
    uint64_t end = stress::now_ms() + crowd.duration_ms;
    while (stress::now_ms() < end) {
        nap(rng, crowd.gap_lo, crowd.gap_hi);
        int i = int(rng.below(uint64_t(crowd.count)));
        kill(pids[i]);
        check_status(pids[i], stress::reap(pids[i]), true);
        kills++;
        pids[i] = spawn(crowd, i);
    }
    *crowd.stop = 1;
    for (int i = 0; i < crowd.count; i++)
        check_status(pids[i], stress::reap(pids[i]), false);
    // A worker killed while it waited for a child of its own leaves that
    // child to init; it may still hold views and handles for a moment.
    // The case's checks are about what is left once everyone is gone.
    for (int waited = 0; waited < 5000 && stress::counts().processes > processes_before; waited += 5)
        sleep(5);
    return kills;
}

void* shared_or_fail(size_t bytes)
{
    void* p = stress::shared_pages(bytes);
    require(p, "mmap(MAP_SHARED|MAP_ANONYMOUS, %lu) failed", (unsigned long)bytes);
    memset(p, 0, bytes);
    return p;
}

void nap(Rng& rng, unsigned lo, unsigned hi) { sleep(unsigned(rng.range(lo, hi))); }

bool wait_at_least(volatile uint32_t* p, uint32_t value, unsigned timeout_ms)
{
    for (unsigned waited = 0; *p < value; waited++) {
        if (waited >= timeout_ms)
            return false;
        sleep(1);
    }
    return true;
}
