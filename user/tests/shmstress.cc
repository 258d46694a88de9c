/*
 * shmstress: named shared memory under load, with kills at random points
 * (issue 7). N worker processes (shmstress/worker.cc) hammer a small set
 * of region names with every call of both interfaces for a given time,
 * writing and verifying each other's data under the region lock or a
 * robust mutex, while a killer process kills workers at random moments
 * and the supervisor replaces every worker that dies. At the end
 * everything must be back: free pages, live regions, quota, processes.
 *
 *   shmstress [-p workers] [-t seconds] [-s seed] [-k kill_ms] [-v] [-w]
 *
 *   -p  workers (default 8, at most 32)
 *   -t  how long the workers run (default 30 s)
 *   -s  the seed (default: from the clock); the same seed replays the same
 *       choices in every worker, though not the same interleaving
 *   -k  mean time between kills in ms (default 400; 0: no killing)
 *   -v  more progress lines
 *   -w  on a failure, wait a minute before exiting (time to attach a
 *       debugger to QEMU and look at the processes left behind)
 *
 * Processes:
 *   shmstress (measures, prints the verdict)
 *     ├── run: forks the workers, replaces those that die, cleans up
 *     │     ├── worker 0 .. N-1 (and their short-lived children)
 *     │     └── clock: kills a random worker now and then, prints progress
 *     └── watchdog: if the run is not over well after its deadline, says
 *                   so with the seed, and kills everything
 *
 * Output: the seed first, progress lines, a line of totals, then one line
 * per check (pass(<check>) or FAIL(<check>): why) and the summary
 * `shmstress: N passed, N failed` (DESIGN.md section 7).
 */
#include "shmstress/shmstress.h"

using namespace shmstress;

namespace {

constexpr uint64_t GRACE_MS = 60000; // after the deadline, before the watchdog fires

struct Options {
    int workers = 8;
    unsigned seconds = 30;
    uint64_t seed = 0;
    bool seed_given = false;
    unsigned kill_ms = 400;
    bool verbose = false;
    bool wait_on_failure = false;
};

[[noreturn]] void usage()
{
    fprintf(STDERR_FILENO, "usage: shmstress [-p workers] [-t seconds] [-s seed] [-k kill_ms] [-v] [-w]\n");
    exit(2);
}

Options parse(int argc, char** argv)
{
    Options o;
    bool ok = stress::parse_options(
        argc, argv, "vw", [&](char f) { (f == 'v' ? o.verbose : o.wait_on_failure) = true; },
        [&](char option, const char* v) {
            switch (option) {
            case 'p': o.workers = atoi(v); return true;
            case 't': o.seconds = unsigned(atoi(v)); return true;
            case 's': o.seed = stress::parse_seed(v), o.seed_given = true; return true;
            case 'k': o.kill_ms = unsigned(atoi(v)); return true;
            default: return false;
            }
        });
    if (!ok || o.workers < 1 || o.workers > MAX_WORKERS || o.seconds < 1)
        usage();
    if (!o.seed_given)
        o.seed = stress::fresh_seed();
    return o;
}

// Removes every region a run (this one or an earlier one) left under our
// names. Unlink drops the name's reference; with no process left, that
// frees the region.
int remove_names()
{
    int removed = 0;
    char name[16];
    for (int i = 0; i < NAME_COUNT; i++) {
        region_name(i, name, sizeof name);
        for (int tries = 0; tries < 100 && shm_unlink(name) == ERR_OK; tries++)
            removed++;
    }
    return removed;
}

void print_progress(uint64_t started)
{
    const uint64_t* c = g_ctl->counters;
    stress::Counts now = stress::counts();
    printf("shmstress: %lu s: %lu ops, %lu writes, %lu verifies (%lu pages), %lu locks (%lu abandoned, %lu "
           "owner-dead), %lu repaired, %lu kills, %lu exits, %lu forks; %lu regions live, %lu pages free\n",
           (unsigned long)((stress::now_ms() - started) / 1000), (unsigned long)c[C_OPS], (unsigned long)c[C_WRITE],
           (unsigned long)c[C_VERIFY], (unsigned long)c[C_PAGES_VERIFIED], (unsigned long)c[C_LOCKS],
           (unsigned long)c[C_ABANDONED], (unsigned long)c[C_OWNERDEAD], (unsigned long)c[C_REPAIRED],
           (unsigned long)c[C_KILLS], (unsigned long)c[C_EXITS], (unsigned long)c[C_FORK],
           (unsigned long)now.regions, (unsigned long)now.available);
}

// The clock: kills a random worker every kill_ms or so (if asked to) and
// prints progress lines, until the deadline.
[[noreturn]] void clock_main(uint64_t started)
{
    stress::Rng rng = stress::Rng::stream(g_ctl->seed, 0xC10C);
    unsigned kill_ms = g_ctl->kill_ms;
    uint64_t progress_every = g_ctl->verbose ? 2000 : 10000;
    uint64_t next_progress = started + progress_every;
    uint64_t next_kill = kill_ms ? stress::now_ms() + rng.range(kill_ms / 2, kill_ms * 3 / 2) : ~0ull;
    for (;;) {
        uint64_t now = stress::now_ms();
        if (now >= g_ctl->deadline_ms || stress::atomic_load(&g_ctl->stop))
            exit(0);
        if (now >= next_kill) {
            WorkerSlot& s = g_ctl->slots[rng.below(g_ctl->workers)];
            int pid = stress::atomic_load(&s.pid);
            if (pid > 0 && !stress::atomic_load(&s.leaving)) {
                stress::atomic_store(&s.kill_pid, pid);
                if (kill(pid) == ERR_OK)
                    count(C_KILLS);
            }
            next_kill = now + rng.range(kill_ms / 2, kill_ms * 3 / 2);
        }
        if (now >= next_progress) {
            print_progress(started);
            next_progress += progress_every;
        }
        uint64_t next = next_kill < next_progress ? next_kill : next_progress;
        if (next > g_ctl->deadline_ms)
            next = g_ctl->deadline_ms;
        sleep(unsigned(next > now ? next - now : 1));
    }
}

int spawn_worker(int index)
{
    WorkerSlot& s = g_ctl->slots[index];
    s.leaving = 0;
    s.ops = 0;
    uint32_t incarnation = s.incarnation++;
    int pid = fork();
    if (pid == 0)
        worker_main(index, incarnation);
    if (pid < 0)
        unexpected_error("fork of worker %d: %s", index, errname(pid));
    stress::atomic_store(&s.pid, pid > 0 ? pid : 0);
    return pid;
}

void record_crash(int index, int pid, int status)
{
    stress::atomic_add(&g_ctl->crashes, 1u);
    printf("shmstress: crash: worker %d (pid %d) ended with status %#x%s\n", index, pid, status,
           WIFKILLED(status) ? " (killed by the kernel: see its message above)" : "");
    if (stress::atomic_load(&g_ctl->crashes) == 1)
        snprintf(g_ctl->first_crash, sizeof g_ctl->first_crash, "worker %d (pid %d, op %u): status %#x", index, pid,
                 g_ctl->slots[index].last_op, status);
}

// The run: starts the workers and the clock, replaces workers that die
// until the deadline, then removes what the workers left behind.
[[noreturn]] void run_main()
{
    uint64_t started = stress::now_ms();
    for (uint32_t i = 0; i < g_ctl->workers; i++)
        spawn_worker(int(i));
    int clock = fork();
    if (clock == 0)
        clock_main(started);
    for (;;) {
        int status = 0;
        int pid = wait(&status);
        if (pid < 0)
            break; // no children left
        if (pid == clock)
            continue;
        int index = -1;
        for (uint32_t i = 0; i < g_ctl->workers; i++)
            if (g_ctl->slots[i].pid == pid)
                index = int(i);
        if (index < 0)
            continue;
        WorkerSlot& s = g_ctl->slots[index];
        bool killed_by_us = WIFKILLED(status) && stress::atomic_load(&s.kill_pid) == pid;
        bool left = WIFEXITED(status) && WEXITSTATUS(status) == 0 && s.leaving;
        if (!killed_by_us && !left)
            record_crash(index, pid, status);
        stress::atomic_store(&s.pid, 0);
        if (stress::now_ms() + 50 < g_ctl->deadline_ms && !stress::atomic_load(&g_ctl->stop))
            spawn_worker(index);
    }
    int removed = remove_names();
    if (g_ctl->verbose)
        printf("shmstress: removed %d persistent regions left at the end\n", removed);
    exit(0);
}

// The watchdog: the run must be over GRACE_MS after its deadline.
[[noreturn]] void watchdog_main(int run)
{
    while (!stress::atomic_load(&g_ctl->done)) {
        if (stress::now_ms() > g_ctl->deadline_ms + GRACE_MS) {
            stress::atomic_store(&g_ctl->hung, 1u);
            stress::atomic_store(&g_ctl->stop, 1u);
            printf("shmstress: HANG: the run is not over %lu s after its deadline (seed %#lx); worker states:\n",
                   (unsigned long)(GRACE_MS / 1000), (unsigned long)g_ctl->seed);
            for (uint32_t i = 0; i < g_ctl->workers; i++) {
                WorkerSlot& s = g_ctl->slots[i];
                printf("shmstress:   worker %u: pid %d, incarnation %u, %lu ops, last op %u\n", i, s.pid,
                       s.incarnation, (unsigned long)s.ops, s.last_op);
            }
            struct procinfo table[64];
            int n = procinfo(table, 64);
            for (int i = 0; i < n; i++)
                printf("shmstress:   process %d (%s), parent %d, state %d\n", table[i].pid, table[i].name,
                       table[i].ppid, table[i].state);
            for (uint32_t i = 0; i < g_ctl->workers; i++)
                if (g_ctl->slots[i].pid > 0)
                    kill(g_ctl->slots[i].pid);
            kill(run);
            exit(0);
        }
        sleep(500);
    }
    exit(0);
}

int g_passed = 0, g_failed = 0;

void verdict(const char* check, bool ok, const char* fmt = "", ...) __attribute__((format(printf, 3, 4)));
void verdict(const char* check, bool ok, const char* fmt, ...)
{
    if (ok) {
        printf("pass(%s)\n", check);
        g_passed++;
        return;
    }
    char reason[300];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    printf("FAIL(%s): %s\n", check, reason);
    g_failed++;
}

} // namespace

int main(int argc, char** argv)
{
    Options o = parse(argc, argv);
    size_t control_bytes = (sizeof(Control) + PAGE - 1) / PAGE * PAGE;
    g_ctl = static_cast<Control*>(stress::shared_pages(control_bytes));
    if (!g_ctl) {
        printf("shmstress: cannot map the control block\n");
        return 1;
    }
    memset(g_ctl, 0, control_bytes);
    g_ctl->seed = o.seed;
    g_ctl->workers = uint32_t(o.workers);
    g_ctl->kill_ms = o.kill_ms;
    g_ctl->verbose = o.verbose;
    printf("shmstress: seed %#lx, %d workers, %u s, a worker killed every ~%u ms (0: never)\n",
           (unsigned long)o.seed, o.workers, o.seconds, o.kill_ms);

    // Start clean, then take the baseline. Everything this process will
    // touch from here on is already paged in.
    int stale = remove_names();
    if (stale)
        printf("shmstress: removed %d regions left by an earlier run\n", stale);
    stress::prefault_stack();
    char reason[300];
    stress::Counts before = stress::counts();
    stress::Counts after = before;
    describe_counts(reason, sizeof reason, before, after); // pages in the formatter too
    before = stress::counts();

    g_ctl->deadline_ms = stress::now_ms() + uint64_t(o.seconds) * 1000;
    int run = fork();
    if (run == 0)
        run_main();
    if (run < 0) {
        printf("shmstress: fork: %s\n", errstr(run));
        return 1;
    }
    int watchdog = fork();
    if (watchdog == 0)
        watchdog_main(run);
    int run_status = stress::reap(run);
    stress::atomic_store(&g_ctl->done, 1u);
    if (watchdog > 0)
        stress::kill_and_reap(watchdog);
    if (g_ctl->hung) {
        // Whatever the killed run left behind.
        remove_names();
    }
    after = stress::settle(before, 10000);

    const uint64_t* c = g_ctl->counters;
    printf("shmstress: totals: %lu operations, %lu creates, %lu opens, %lu maps, %lu unmaps, %lu writes "
           "(%lu private), %lu verifies of %lu pages, %lu destroys, %lu unlinks, %lu resizes, %lu forks, %lu "
           "expected refusals\n",
           (unsigned long)c[C_OPS], (unsigned long)c[C_CREATE], (unsigned long)c[C_OPEN], (unsigned long)c[C_MAP],
           (unsigned long)c[C_UNMAP], (unsigned long)c[C_WRITE], (unsigned long)c[C_PRIVATE_WRITE],
           (unsigned long)c[C_VERIFY], (unsigned long)c[C_PAGES_VERIFIED], (unsigned long)c[C_DESTROY],
           (unsigned long)c[C_UNLINK], (unsigned long)c[C_TRUNCATE], (unsigned long)c[C_FORK],
           (unsigned long)c[C_REFUSED]);
    printf("shmstress: faults survived: %lu workers killed, %lu left, %lu died holding a lock; %lu locks taken, "
           "%lu abandoned, %lu owner-dead, %lu torn slots repaired\n",
           (unsigned long)c[C_KILLS], (unsigned long)c[C_EXITS], (unsigned long)c[C_DIED_HOLDING],
           (unsigned long)c[C_LOCKS], (unsigned long)c[C_ABANDONED], (unsigned long)c[C_OWNERDEAD],
           (unsigned long)c[C_REPAIRED]);

    verdict("did_work", c[C_WRITE] > 0 && c[C_VERIFY] > 0 && c[C_LOCKS] > 0,
            "the workers did almost nothing: %lu writes, %lu verifies", (unsigned long)c[C_WRITE],
            (unsigned long)c[C_VERIFY]);
    verdict("integrity", g_ctl->integrity_errors == 0, "%u errors; first: %s", g_ctl->integrity_errors,
            g_ctl->first_integrity);
    verdict("expected_results", g_ctl->unexpected_errors == 0, "%u unexpected results; first: %s",
            g_ctl->unexpected_errors, g_ctl->first_unexpected);
    verdict("no_crashes", g_ctl->crashes == 0, "%u processes died unasked; first: %s", g_ctl->crashes,
            g_ctl->first_crash);
    if (g_ctl->hung)
        verdict("no_hang", false, "the run was still going %lu s after its deadline", (unsigned long)(GRACE_MS / 1000));
    else
        verdict("no_hang", WIFEXITED(run_status) && WEXITSTATUS(run_status) == 0, "the run ended with status %#x",
                run_status);
    describe_counts(reason, sizeof reason, before, after);
    printf("shmstress: at the end: %s\n", reason);
    verdict("regions_back", after.regions == before.regions, "%s", reason);
    verdict("quota_back", after.quota == before.quota, "%s", reason);
    verdict("pages_back", stress::available_for(before, after) >= before.available, "%s", reason);
    verdict("processes_back", after.processes <= before.processes, "%s", reason);
    if (!stress::counts_back(before, after)) {
        // Who is left, and what they hold.
        static struct procinfo procs[64];
        static struct map_info maps[64];
        int n = procinfo(procs, 64);
        for (int i = 0; i < n; i++) {
            if (procs[i].pid == getpid() || procs[i].pid == 1)
                continue;
            struct proc_stats st;
            proc_stats(procs[i].pid, &st);
            printf("shmstress: left behind: pid %d (%s), parent %d, state %d, %lu system calls:", procs[i].pid,
                   procs[i].name, procs[i].ppid, procs[i].state, (unsigned long)st.syscalls);
            int m = shm_maps(procs[i].pid, maps, 64);
            for (int k = 0; k < m; k++)
                if (maps[k].kind == MAP_KIND_SHARED_VIEW)
                    printf(" %s@%lx+%lu", maps[k].name, (unsigned long)maps[k].start,
                           (unsigned long)((maps[k].end - maps[k].start) / PAGE));
            printf("\n");
        }
        static struct shm_info regions[32];
        n = shm_list(regions, 32, 0);
        for (int i = 0; i < n; i++)
            printf("shmstress: left behind: region %s, %lu bytes, %u handles, %u views, flags %#x, creator %d, "
                   "lock owner %d\n",
                   regions[i].name, (unsigned long)regions[i].size, regions[i].handles, regions[i].views,
                   regions[i].flags, regions[i].creator, regions[i].lock_owner);
    }
    if (g_failed && o.wait_on_failure) {
        printf("shmstress: waiting 60 s (-w)\n");
        sleep(60000);
    }
    if (g_failed)
        printf("shmstress: to reproduce: shmstress -s %#lx -p %d -t %u -k %u (make stress SEED=%#lx)\n",
               (unsigned long)o.seed, o.workers, o.seconds, o.kill_ms, (unsigned long)o.seed);
    printf("shmstress: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
