/*
 * syzfuzz: a system call fuzzer (issue 7). Forked children
 * (syzfuzz/child.cc) make random system calls from the whole table with
 * hostile arguments; a child that dies is replaced. The kernel must never
 * panic or hang, every child must be killable, and once every child is
 * gone the free pages, regions, quota and processes must be back where
 * they started.
 *
 *   syzfuzz [-t seconds] [-s seed] [-c children] [-n calls] [-x]
 *   syzfuzz -r child_seed [-n calls]
 *
 *   -t  how long to fuzz (default 30 s)
 *   -s  the seed (default: from the clock)
 *   -c  children at once (default 4, at most 16)
 *   -n  calls per child before it exits and is replaced (default 1500)
 *   -x  trace: every child prints each call and its result (slow, but
 *       after a kernel panic it shows the calls that led to it)
 *   -v  say which call each child the watchdog kills was stuck in
 *   -r  replay one child's call sequence alone, in the foreground, traced
 *       (the seeds of children that hung or broke a rule are printed)
 *
 * Processes:
 *   syzfuzz (the supervisor: watchdog, progress, verdict)
 *     └── nanny 0 .. C-1: runs children one after another in its slot
 *           └── child: fuzzes, writing each call into its slot's ring
 *                 └── grandchildren (from the child's own fork calls)
 * A child stuck in one call for WATCHDOG_MS is killed (a blocking call
 * with no end is legitimate: a pipe read nobody will answer, a futex wait
 * without deadline); a killed child that has not gone KILL_GRACE_MS later
 * is a hang: the supervisor prints the seed and the child's last calls.
 */
#include "syzfuzz/fuzz.h"

using namespace syzfuzz;

namespace {

constexpr uint64_t WATCHDOG_MS = 700;
constexpr uint64_t KILL_GRACE_MS = 15000;
constexpr uint64_t POLL_MS = 100;

struct Options {
    unsigned seconds = 30;
    uint64_t seed = 0;
    bool seed_given = false;
    int children = 4;
    unsigned calls = 1500;
    bool trace = false;
    bool replay = false;
    uint64_t replay_seed = 0;
    bool verbose = false;
};

[[noreturn]] void usage()
{
    fprintf(STDERR_FILENO, "usage: syzfuzz [-t seconds] [-s seed] [-c children] [-n calls] [-x] [-v]\n"
                           "       syzfuzz -r child_seed [-n calls]\n");
    exit(2);
}

Options parse(int argc, char** argv)
{
    Options o;
    bool ok = stress::parse_options(
        argc, argv, "xv", [&](char f) { (f == 'x' ? o.trace : o.verbose) = true; },
        [&](char option, const char* v) {
            switch (option) {
            case 't': o.seconds = unsigned(atoi(v)); return true;
            case 's': o.seed = stress::parse_seed(v), o.seed_given = true; return true;
            case 'c': o.children = atoi(v); return true;
            case 'n': o.calls = unsigned(atoi(v)); return true;
            case 'r': o.replay = true, o.replay_seed = stress::parse_seed(v); return true;
            default: return false;
            }
        });
    if (!ok || o.children < 1 || o.children > MAX_CHILDREN || o.seconds < 1 || o.calls < 1)
        usage();
    if (!o.seed_given)
        o.seed = stress::fresh_seed();
    return o;
}

uint64_t child_seed(uint64_t seed, int slot, uint32_t generation)
{
    return stress::Rng::stream(seed, uint64_t(slot) << 32 | generation).next();
}

// A nanny: runs children in its slot one after another until the end.
[[noreturn]] void nanny_main(int slot)
{
    Ring& ring = g_ctl->rings[slot];
    // Not before every nanny's pid is known: children must never kill one.
    while (!stress::atomic_load(&g_ctl->go))
        sleep(5);
    while (!stress::atomic_load(&g_ctl->stop) && stress::now_ms() < g_ctl->deadline_ms) {
        uint32_t generation = ring.generation;
        uint64_t seed = child_seed(g_ctl->seed, slot, generation);
        ring.child_seed = seed;
        ring.in_call = 0;
        ring.killed_by_watchdog = 0;
        for (int32_t& g : ring.grandchildren)
            g = 0;
        int pid = fork();
        if (pid == 0)
            child_main(slot, seed, g_ctl->calls_per_child);
        if (pid < 0) {
            sleep(50); // out of processes for a moment (grandchildren)
            continue;
        }
        stress::atomic_store(&ring.pid, pid);
        stress::atomic_add(&g_ctl->started, uint64_t(1));
        int status = stress::reap(pid);
        stress::atomic_store(&ring.pid, 0);
        if (g_ctl->verbose && status >= 0 && WIFKILLED(status) && !ring.killed_by_watchdog) {
            printf("syzfuzz: slot %d's child %d was killed (a fault, or killed by a fuzzed call):\n", slot, pid);
            print_ring(slot, ring, 8);
        }
        if (ring.killed_by_watchdog)
            stress::atomic_add(&g_ctl->killed_by_watchdog, uint64_t(1));
        else if (status >= 0 && WIFKILLED(status))
            stress::atomic_add(&g_ctl->died, uint64_t(1)); // killed itself, a sibling, or a fault
        else if (ring.in_call && ring.rec[ring.calls % RING_SIZE].nr == 5) // exec: the image ran and ended
            stress::atomic_add(&g_ctl->execed, uint64_t(1));
        else if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            stress::atomic_add(&g_ctl->finished, uint64_t(1));
        else
            stress::atomic_add(&g_ctl->exited_early, uint64_t(1));
        ring.generation = generation + 1;
    }
    exit(0);
}

// The nannies' pids, kept in the supervisor's private memory: children
// can scribble over the control block (a fuzzed read into it), so pids
// found there are checked against these before the supervisor kills.
int g_nanny_pids[MAX_CHILDREN];

// Kills pid unless it is init, the supervisor or a nanny.
void kill_fuzzed(int pid)
{
    if (pid <= 1 || pid == getpid())
        return;
    for (int nanny : g_nanny_pids)
        if (pid == nanny)
            return;
    kill(pid);
}

// Kills the grandchildren a slot's children left (they exit by themselves
// after a few calls, unless one blocks forever).
void kill_grandchildren(Ring& ring)
{
    for (int32_t& g : ring.grandchildren) {
        if (g > 0)
            kill_fuzzed(g);
        g = 0;
    }
}

// Big tables the supervisor fills at the end (bss, paged in before the baseline).
struct procinfo g_procs[128];
struct shm_info g_regions_now[256];

// Removes every region that exists now and did not at the start.
int remove_regions(struct shm_info* before, int before_count)
{
    struct shm_info* now = g_regions_now;
    int removed = 0;
    for (int round = 0; round < 64; round++) {
        int n = shm_list(now, 256, 0);
        int progress = 0;
        for (int i = 0; i < n; i++) {
            bool old = false;
            for (int j = 0; j < before_count; j++)
                old |= strcmp(now[i].name, before[j].name) == 0;
            if (!old && !(now[i].flags & SHM_INFO_UNLINKED) && shm_unlink(now[i].name) == ERR_OK)
                progress++;
        }
        removed += progress;
        if (!progress)
            break;
    }
    return removed;
}

// Kills every other process named syzfuzz: grandchildren whose pids fell
// out of the rings, and their orphans. Returns how many.
int kill_strays()
{
    struct procinfo* table = g_procs;
    int n = procinfo(table, 128);
    int killed = 0;
    for (int i = 0; i < n; i++)
        if (table[i].pid != getpid() && table[i].state != PSTATE_ZOMBIE && strcmp(table[i].name, "syzfuzz") == 0)
            killed += kill(table[i].pid) == ERR_OK;
    return killed;
}

void print_processes()
{
    struct procinfo* table = g_procs;
    int n = procinfo(table, 128);
    for (int k = 0; k < n; k++)
        printf("syzfuzz:   process %d (%s), parent %d, state %d, %lu bytes\n", table[k].pid, table[k].name,
               table[k].ppid, table[k].state, (unsigned long)table[k].memory_bytes);
}

int g_passed = 0, g_failed = 0;

void verdict(const char* check, bool ok, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
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

uint64_t total_calls()
{
    uint64_t n = 0;
    for (int i = 0; i < int(g_ctl->children); i++)
        n += g_ctl->rings[i].total_calls;
    return n;
}

} // namespace

namespace syzfuzz {

Control* g_ctl = nullptr;

void print_record(const char* prefix, const CallRecord& rec)
{
    const char* name = call_name(rec.nr);
    printf("%s#%lu %s(%lu)(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = ", prefix, (unsigned long)rec.seq, name,
           (unsigned long)rec.nr, (unsigned long)rec.args[0], (unsigned long)rec.args[1], (unsigned long)rec.args[2],
           (unsigned long)rec.args[3], (unsigned long)rec.args[4], (unsigned long)rec.args[5]);
    if (rec.state == REC_IN_CALL)
        printf("(still in the call)\n");
    else if (rec.result < 0 && rec.result >= ERR_LAST)
        printf("%s\n", errname(int(rec.result)));
    else
        printf("%#lx\n", (unsigned long)rec.result);
}

void print_ring(int slot, const Ring& ring, int last)
{
    printf("syzfuzz: slot %d, child pid %d, child seed %#lx (replay: syzfuzz -r %#lx), last calls:\n", slot, ring.pid,
           (unsigned long)ring.child_seed, (unsigned long)ring.child_seed);
    uint64_t calls = ring.calls + (ring.in_call ? 1 : 0);
    uint64_t keep = uint64_t(last < RING_SIZE ? last : RING_SIZE);
    uint64_t first = calls > keep ? calls - keep : 0;
    for (uint64_t k = first; k < calls; k++) {
        const CallRecord& rec = ring.rec[k % RING_SIZE];
        if (rec.state != REC_EMPTY && rec.seq == k)
            print_record("syzfuzz:   ", rec);
    }
}

} // namespace syzfuzz

int main(int argc, char** argv)
{
    Options o = parse(argc, argv);
    if (o.replay) {
        printf("syzfuzz: replaying child seed %#lx, %u calls\n", (unsigned long)o.replay_seed, o.calls);
        int pid = fork();
        if (pid == 0)
            child_main(-1, o.replay_seed, o.calls);
        int status = stress::reap(pid);
        printf("syzfuzz: the child ended with status %#x\n", status);
        return 0;
    }

    size_t control_bytes = (sizeof(Control) + PAGE - 1) / PAGE * PAGE;
    g_ctl = static_cast<Control*>(stress::shared_pages(control_bytes));
    if (!g_ctl) {
        printf("syzfuzz: cannot map the control block\n");
        return 1;
    }
    memset(g_ctl, 0, control_bytes);
    g_ctl->seed = o.seed;
    g_ctl->children = uint32_t(o.children);
    g_ctl->calls_per_child = o.calls;
    g_ctl->trace = o.trace;
    g_ctl->verbose = o.verbose;
    g_ctl->supervisor = getpid();
    printf("syzfuzz: seed %#lx, %d children, %u s, %u calls per child\n", (unsigned long)o.seed, o.children,
           o.seconds, o.calls);

    mkdir("/tmp");
    static struct shm_info regions_before[64];
    int regions_before_count = shm_list(regions_before, 64, 0);
    if (regions_before_count < 0)
        regions_before_count = 0;
    // Everything the supervisor touches later is paged in before the
    // baseline, so that it does not count as a leak of the children.
    stress::prefault_stack();
    memset(g_procs, 0, sizeof g_procs);
    memset(g_regions_now, 0, sizeof g_regions_now);
    char reason[300];
    stress::Counts before = stress::counts();
    describe_counts(reason, sizeof reason, before, before); // pages in the formatter
    before = stress::counts();

    uint64_t started = stress::now_ms();
    const uint64_t deadline = started + uint64_t(o.seconds) * 1000;
    bool stopping = false;
    g_ctl->deadline_ms = deadline;
    for (int i = 0; i < o.children; i++) {
        int pid = fork();
        if (pid == 0)
            nanny_main(i);
        g_ctl->nannies[i] = pid;
        g_nanny_pids[i] = pid;
    }
    stress::atomic_store(&g_ctl->go, 1u);

    // The watchdog loop: kill children stuck in a call, notice hangs,
    // print progress.
    uint64_t last_calls[MAX_CHILDREN] = {};
    int last_pid[MAX_CHILDREN] = {};
    uint64_t stuck_since[MAX_CHILDREN] = {};
    uint64_t killed_at[MAX_CHILDREN] = {};
    bool hung = false;
    int hung_slot = -1;
    uint64_t next_progress = started + 10000;
    for (;;) {
        uint64_t now = stress::now_ms();
        // The deadline from private memory (see g_nanny_pids); the stop flag
        // is stored again on every round in case a child overwrote it.
        bool over = now >= deadline;
        if (over)
            stress::atomic_store(&g_ctl->stop, 1u);
        if (over && !stopping) {
            stopping = true;
            // Children blocked in a call would wait for the watchdog: end them now.
            for (int i = 0; i < o.children; i++) {
                Ring& ring = g_ctl->rings[i];
                int pid = stress::atomic_load(&ring.pid);
                if (pid > 0) {
                    kill_fuzzed(pid);
                    if (!killed_at[i])
                        killed_at[i] = now;
                }
            }
        }
        bool all_gone = true;
        for (int i = 0; i < o.children; i++) {
            Ring& ring = g_ctl->rings[i];
            int pid = stress::atomic_load(&ring.pid);
            uint64_t calls = stress::atomic_load(&ring.calls);
            if (pid != last_pid[i] || calls != last_calls[i]) {
                last_pid[i] = pid;
                last_calls[i] = calls;
                stuck_since[i] = now;
                killed_at[i] = 0;
            }
            if (pid > 0)
                all_gone = false;
            if (pid <= 0)
                continue;
            if (!killed_at[i] && now - stuck_since[i] >= WATCHDOG_MS) {
                ring.killed_by_watchdog = 1;
                if (o.verbose && ring.in_call)
                    print_record("syzfuzz: watchdog kills a child stuck in ", ring.rec[ring.calls % RING_SIZE]);
                kill_fuzzed(pid);
                kill_grandchildren(ring);
                killed_at[i] = now;
            } else if (killed_at[i] && now - killed_at[i] >= KILL_GRACE_MS && !hung && stress::process_alive(pid)) {
                hung = true;
                hung_slot = i;
                printf("syzfuzz: HANG: child %d (slot %d) was killed %lu s ago and is still there (seed %#lx)\n",
                       pid, i, (unsigned long)(KILL_GRACE_MS / 1000), (unsigned long)o.seed);
                print_ring(i, ring, RING_SIZE);
                print_processes();
            }
        }
        if (over && (all_gone || hung))
            break;
        if (now >= next_progress) {
            stress::Counts c = stress::counts();
            printf("syzfuzz: %lu s: %lu calls, %lu children (%lu killed by the watchdog, %lu died), %lu free pages, "
                   "%lu regions\n",
                   (unsigned long)((now - started) / 1000), (unsigned long)total_calls(),
                   (unsigned long)g_ctl->started, (unsigned long)g_ctl->killed_by_watchdog,
                   (unsigned long)g_ctl->died, (unsigned long)c.available, (unsigned long)c.regions);
            next_progress += 10000;
        }
        sleep(unsigned(POLL_MS));
    }

    // The nannies see stop and leave; then the grandchildren go.
    if (!hung)
        for (int i = 0; i < o.children; i++)
            stress::reap(g_nanny_pids[i]);
    for (int i = 0; i < o.children; i++)
        kill_grandchildren(g_ctl->rings[i]);
    int strays = kill_strays();
    // Orphaned grandchildren belong to init now: once it has reaped them,
    // nothing maps the regions the children left, and removing their
    // names frees them.
    for (int waited = 0; waited < 3000 && stress::counts().processes > before.processes; waited += 10)
        sleep(10);
    int removed = remove_regions(regions_before, regions_before_count);
    stress::Counts after = stress::settle(before, 10000);

    // Totals.
    uint64_t calls = 0, hostile = 0, successes = 0, forks = 0, execs = 0, violations = 0;
    uint64_t errors[ERROR_KINDS] = {};
    int violation_slot = -1;
    for (int i = 0; i < o.children; i++) {
        Ring& r = g_ctl->rings[i];
        calls += r.total_calls;
        hostile += r.hostile_calls;
        successes += r.successes;
        forks += r.forks;
        execs += r.execs;
        violations += r.violations;
        if (r.violations && violation_slot < 0)
            violation_slot = i;
        for (int k = 0; k < ERROR_KINDS; k++)
            errors[k] += r.errors[k];
    }
    printf("syzfuzz: totals: %lu calls (%lu with hostile arguments), %lu succeeded; %lu children: %lu finished, "
           "%lu killed by the watchdog, %lu died, %lu exec'd, %lu left early; %lu forks; %d regions removed, %d strays "
           "killed\n",
           (unsigned long)calls, (unsigned long)hostile, (unsigned long)successes, (unsigned long)g_ctl->started,
           (unsigned long)g_ctl->finished, (unsigned long)g_ctl->killed_by_watchdog, (unsigned long)g_ctl->died,
           (unsigned long)g_ctl->execed, (unsigned long)g_ctl->exited_early, (unsigned long)forks, removed, strays);
    printf("syzfuzz: errors:");
    for (int k = 1; k < ERROR_KINDS; k++)
        if (errors[k])
            printf(" %s %lu", errname(-k), (unsigned long)errors[k]);
    printf("\n");

    verdict("did_work", calls > 1000 && g_ctl->started > 0, "only %lu calls", (unsigned long)calls);
    if (hung)
        verdict("children_killable", false, "slot %d's child did not die within %lu s of being killed (its calls "
                "are above)", hung_slot, (unsigned long)(KILL_GRACE_MS / 1000));
    else
        verdict("children_killable", true, "%s", "");
    if (violation_slot >= 0) {
        print_record("syzfuzz: violation: ", g_ctl->rings[violation_slot].first_violation);
        verdict("kernel_buffers_refused", false, "%lu calls succeeded with a buffer outside user space (first above; "
                "slot %d)", (unsigned long)violations, violation_slot);
    } else {
        verdict("kernel_buffers_refused", true, "%s", "");
    }
    describe_counts(reason, sizeof reason, before, after);
    printf("syzfuzz: at the end: %s\n", reason);
    verdict("regions_back", after.regions == before.regions, "%s", reason);
    verdict("quota_back", after.quota == before.quota, "%s", reason);
    verdict("pages_back", stress::available_for(before, after) >= before.available, "%s", reason);
    if (after.processes > before.processes)
        print_processes();
    verdict("processes_back", after.processes <= before.processes, "%s", reason);
    if (!stress::counts_back(before, after)) {
        // Which calls leaked is not known; the last ones of each slot are a start.
        for (int i = 0; i < o.children; i++)
            print_ring(i, g_ctl->rings[i], 16);
    }
    if (g_failed)
        printf("syzfuzz: to reproduce: syzfuzz -s %#lx -c %d -t %u -n %u (make fuzz SEED=%#lx)\n",
               (unsigned long)o.seed, o.children, o.seconds, o.calls, (unsigned long)o.seed);
    printf("syzfuzz: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
