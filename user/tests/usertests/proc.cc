/*
 * usertests: process cases: fork, exit, wait, kill, pids, re-parenting,
 * sleep and time, process introspection, and running out of processes.
 */
#include "cases.h"
#include "../../../kernel/uapi/syscalls.h"

void fork_exit_wait()
{
    constexpr int N = 5;
    int pids[N];
    for (int i = 0; i < N; i++) {
        int pid = fork();
        if (pid == 0)
            exit(10 + i);
        require(pid > 0, "fork returned %d (%s)", pid, errname(pid));
        pids[i] = pid;
    }
    bool seen[N] = {};
    for (int n = 0; n < N; n++) {
        int status = -1;
        int pid = wait(&status);
        require(pid > 0, "wait returned %d (%s)", pid, errname(pid));
        int i = 0;
        while (i < N && pids[i] != pid)
            i++;
        require(i < N, "wait returned pid %d, not one of our children", pid);
        check(!seen[i], "pid %d reported twice", pid);
        seen[i] = true;
        check(WIFEXITED(status), "child %d: status %#x is not a normal exit", pid, status);
        check_eq(WEXITSTATUS(status), 10 + i);
    }
    int status;
    check_eq(wait(&status), ERR_CHILD);
}

void exit_status_encoding()
{
    int pid = fork();
    if (pid == 0)
        exit(0x1234); // only the low byte survives
    require(pid > 0, "fork: %s", errname(pid));
    int status = test_wait_status(pid);
    check_eq(status, 0x34 << 8);
    check(WIFEXITED(status) && !WIFKILLED(status), "status %#x", status);

    pid = fork();
    if (pid == 0)
        exit(0);
    check_eq(test_wait_status(pid), 0);
}

void wait_no_children()
{
    int status = 0;
    check_eq(wait(&status), ERR_CHILD);
    check_eq(waitpid(-1, &status), ERR_CHILD);
    check_eq(wait(nullptr), ERR_CHILD);
}

void wait_null_status()
{
    // A NULL status pointer means "don't tell me", as in xv6.
    int pid = fork();
    if (pid == 0)
        exit(3);
    require(pid > 0, "fork: %s", errname(pid));
    check_eq(wait(nullptr), pid);
    check_eq(wait(nullptr), ERR_CHILD);
}

void waitpid_specific()
{
    int slow = fork();
    if (slow == 0) {
        sleep(100);
        exit(1);
    }
    int fast = fork();
    if (fast == 0)
        exit(2);
    require(slow > 0 && fast > 0, "fork: %d %d", slow, fast);
    // The fast child is a zombie long before the slow one ends; waitpid
    // must still return the one asked for.
    int status = 0;
    check_eq(waitpid(slow, &status), slow);
    check_eq(WEXITSTATUS(status), 1);
    check_eq(waitpid(fast, &status), fast);
    check_eq(WEXITSTATUS(status), 2);
    check_eq(waitpid(fast, &status), ERR_CHILD);
    check_eq(waitpid(getpid(), &status), ERR_CHILD);
    check_eq(waitpid(1, &status), ERR_CHILD); // init is no child of ours
}

void kill_sleeping_child()
{
    int pid = fork();
    if (pid == 0) {
        sleep(100000);
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(20);
    uint64_t start = uptime();
    check_eq(kill(pid), 0);
    int status = test_wait_status(pid);
    check(WIFKILLED(status), "status %#x: the child was not killed", status);
    check(uptime() - start < 5000, "kill took %lu ms to end a sleep", (unsigned long)(uptime() - start));
}

void kill_blocked_reader()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        char c;
        read(fds[0], &c, 1); // nobody ever writes
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(20);
    check_eq(kill(pid), 0);
    int status = test_wait_status(pid);
    check(WIFKILLED(status), "status %#x", status);
    close(fds[0]);
    close(fds[1]);
}

void kill_spinning_child()
{
    // A child that never makes a system call must still die: the kernel
    // has to notice `killed` on a timer interrupt's return to user mode.
    int pid = fork();
    if (pid == 0) {
        volatile unsigned long spin = 0;
        for (;;)
            spin = spin + 1;
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(20);
    check_eq(kill(pid), 0);
    int status = test_wait_status(pid);
    check(WIFKILLED(status), "status %#x", status);
}

// Makes system call nr with known values in the registers the trap entry
// uses (t0, t1, tp) and some around them; every one must come back as it
// was, and a0 must be `result`. Register variables hold their register
// only at the asm statement, so the results are copied out at once, before
// a call can reuse the registers.
static void check_entry_answer(uint64_t nr, uint64_t result)
{
    uint64_t got[7], tp_before, tp_after;
    {
        register uint64_t a0 asm("a0") = 0x1234;
        register uint64_t a1 asm("a1") = 0xa1a1;
        register uint64_t a7 asm("a7") = nr;
        register uint64_t t0 asm("t0") = 0x7007;
        register uint64_t t1 asm("t1") = 0x7117;
        register uint64_t t6 asm("t6") = 0x7667;
        register uint64_t s1 asm("s1") = 0x5115;
        asm volatile("mv %0, tp" : "=r"(tp_before));
        asm volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a7), "+r"(t0), "+r"(t1), "+r"(t6), "+r"(s1) : : "memory");
        asm volatile("mv %0, tp" : "=r"(tp_after));
        got[0] = a0, got[1] = a1, got[2] = a7, got[3] = t0, got[4] = t1, got[5] = t6, got[6] = s1;
    }
    const uint64_t want[7] = {result, 0xa1a1, nr, 0x7007, 0x7117, 0x7667, 0x5115};
    const char* names[7] = {"a0", "a1", "a7", "t0", "t1", "t6", "s1"};
    for (int i = 0; i < 7; i++)
        check(got[i] == want[i], "call %lu: %s is %#lx after the call, expected %#lx", (unsigned long)nr, names[i],
              (unsigned long)got[i], (unsigned long)want[i]);
    check(tp_after == tp_before, "call %lu: tp changed", (unsigned long)nr);
}

// getpid and trap_floor are answered by the trap entry's first
// instructions: they must still look like any system call to the program
// (the answer in a0, every other register as it was, the next
// instruction), be counted in proc_stats (getpid), not answer a number
// that only matches in its low 32 bits, and not make a process unkillable.
void entry_answered_calls()
{
    check_eq(trap_floor(), 0);
    check_entry_answer(TRAP_FLOOR_SYSCALL, 0);
    check_entry_answer(GETPID_SYSCALL, (uint64_t)getpid());

    struct proc_stats before, after;
    require_eq(proc_stats(0, &before), 0);
    for (int i = 0; i < 10; i++)
        getpid();
    require_eq(proc_stats(0, &after), 0);
    // The ten calls and the first proc_stats itself.
    check_eq(after.syscalls - before.syscalls, 11ul);

    // A forked child answers with its own pid, not its parent's.
    int parent = getpid();
    int child = fork();
    if (child == 0)
        exit(getpid() != parent && getppid() == parent ? 0 : 1);
    require(child > 0, "fork: %s", errname(child));
    check_eq(test_wait_status(child), 0);

    const uint64_t answered[] = {TRAP_FLOOR_SYSCALL, GETPID_SYSCALL};
    for (uint64_t nr : answered) {
        register uint64_t b0 asm("a0") = 0;
        register uint64_t b7 asm("a7") = (1ull << 32) + nr;
        asm volatile("ecall" : "+r"(b0) : "r"(b7) : "memory");
        long r = (long)b0;
        check(r == ERR_NOSYS, "call %#lx: %ld, expected ERR_NOSYS", (unsigned long)((1ull << 32) + nr), r);
    }

    int pid = fork();
    if (pid == 0) {
        for (;;) {
            trap_floor();
            getpid();
        }
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(20);
    check_eq(kill(pid), 0);
    int status = test_wait_status(pid);
    check(WIFKILLED(status), "a process looping on trap_floor and getpid: status %#x", status);
}

// True while any of the n processes is still in the process table (alive
// or a zombie nobody has reaped yet).
static bool any_listed(const volatile int* pids, int n)
{
    constexpr int MAX_LISTED = 256; // more than the kernel's process table holds
    static struct procinfo table[MAX_LISTED];
    int count = procinfo(table, MAX_LISTED);
    for (int i = 0; i < count; i++)
        for (int j = 0; j < n; j++)
            if (table[i].pid == pids[j])
                return true;
    return false;
}

void process_group_kill()
{
    // shared[0] counts the members that started; shared[1..3] are their pids.
    volatile int* shared = test_shared_page();
    int leader = fork();
    if (leader == 0) {
        require_eq(setpgid(0, 0), ERR_OK);
        for (int i = 0; i < 3; i++) {
            if (fork() == 0) {
                shared[1 + i] = getpid();
                __atomic_fetch_add(&shared[0], 1, __ATOMIC_SEQ_CST);
                for (;;)
                    sleep(1000);
            }
        }
        for (;;)
            sleep(1000);
    }
    require(leader > 0, "fork");
    require(test_wait_for(&shared[0], 3, 10000), "the group's members never started");
    require_eq(kill(-leader), ERR_OK);
    int status = 0;
    require_eq(waitpid(leader, &status), leader);
    test_expect_killed(status, "the group's leader");
    // Its children were killed with it, and init reaps them. Dying takes a
    // few milliseconds; the wait is long only for a loaded host. The
    // members are looked for by pid: a count of all processes would also
    // count whatever else runs meanwhile.
    for (int i = 0; i < 1000 && any_listed(shared + 1, 3); i++)
        sleep(10);
    check(!any_listed(shared + 1, 3), "a member of the group (pids %d %d %d) is still there", shared[1], shared[2],
          shared[3]);
    check_eq(kill(-leader), ERR_SRCH);
    test_free_shared_page(shared);
}

void process_group_errors()
{
    check_eq(kill(-1), ERR_INVAL); // "everyone" is not offered
    check_eq(setpgid(999999, 0), ERR_SRCH);
    check_eq(setpgid(1, 0), ERR_SRCH); // not the caller nor its child
    check_eq(setpgid(0, 999999), ERR_INVAL); // no such group
    check_eq(setpgid(-3, 0), ERR_INVAL);
    // Joining an existing group: a child joins ours.
    int me = getpid();
    require_eq(setpgid(0, me), ERR_OK);
    int child = fork();
    if (child == 0) {
        for (;;)
            sleep(1000);
    }
    require(child > 0, "fork");
    check_eq(setpgid(child, 0), ERR_OK);  // its own group
    check_eq(setpgid(child, me), ERR_OK); // back into ours
    check_eq(kill(child), ERR_OK);
    waitpid(child, nullptr);
}

namespace {
int processes_named(const char* name)
{
    static struct procinfo table[64];
    int n = procinfo(table, 64), found = 0;
    for (int i = 0; i < n; i++)
        found += strcmp(table[i].name, name) == 0;
    return found;
}
} // namespace

void crashed_case_children_are_ended()
{
    static char out[2048];
    char* argv[] = {const_cast<char*>("crashsuite"), nullptr};
    int status = 0;
    long n = test_run_capture("/bin/crashsuite", argv, out, sizeof out, &status);
    require(n > 0, "no output from crashsuite: %ld", n);
    check(strstr(out, "FAIL(crash_leaving_a_child)") != nullptr, "crashsuite printed: %s", out);
    // The orphan went with the case's group: no crashsuite process is left
    // (the suite itself is reaped; its case's child would be init's now).
    for (int i = 0; i < 200 && processes_named("crashsuite") > 0; i++)
        sleep(10);
    check_eq(processes_named("crashsuite"), 0);
}

void kill_errors()
{
    check_eq(kill(999999), ERR_SRCH);
    int r = kill(-5);
    check(r == ERR_SRCH || r == ERR_INVAL, "kill(-5) returned %d (%s)", r, errname(r));
    // A process that has been reaped is gone for kill too.
    int pid = fork();
    if (pid == 0)
        exit(0);
    require(pid > 0, "fork: %s", errname(pid));
    test_wait_status(pid);
    check_eq(kill(pid), ERR_SRCH);
}

void getpid_getppid()
{
    int me = getpid();
    check(me > 1, "getpid() = %d", me);
    check(getppid() > 0, "getppid() = %d", getppid());
    int fds[2];
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        int ids[2] = {getpid(), getppid()};
        write(fds[1], ids, sizeof ids);
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    int ids[2] = {0, 0};
    check_eq(read_all(fds[0], ids, sizeof ids), long(sizeof ids));
    check_eq(ids[0], pid);
    check_eq(ids[1], me);
    check(pid != me, "child has the parent's pid");
    test_wait_status(pid);
    close(fds[0]);
    close(fds[1]);
}

void orphan_reparented()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    int middle = fork();
    if (middle == 0) {
        int grandchild = fork();
        if (grandchild == 0) {
            int parent = getpid(); // placeholder until the middle one is gone
            for (int i = 0; i < 200; i++) {
                parent = getppid();
                if (parent == 1)
                    break;
                sleep(10);
            }
            write(fds[1], &parent, sizeof parent);
            exit(0);
        }
        exit(grandchild > 0 ? 0 : 1);
    }
    require(middle > 0, "fork: %s", errname(middle));
    check_eq(test_wait_status(middle), 0);
    close(fds[1]);
    int parent = 0;
    check_eq(read_all(fds[0], &parent, sizeof parent), long(sizeof parent));
    check_eq(parent, 1); // init adopted it (and reaps it)
    close(fds[0]);
}

void sleep_uptime()
{
    uint64_t t0 = uptime();
    uint64_t n0 = clock_ns();
    check_eq(sleep(100), 0);
    uint64_t t1 = uptime();
    uint64_t n1 = clock_ns();
    check(t1 - t0 >= 99, "uptime advanced %lu ms over sleep(100)", (unsigned long)(t1 - t0));
    check(t1 - t0 < 5000, "sleep(100) took %lu ms", (unsigned long)(t1 - t0));
    check(n1 - n0 >= 99000000ULL, "clock_ns advanced %lu ns over sleep(100)", (unsigned long)(n1 - n0));
    check(clock_ns() >= n1, "clock_ns went backwards");
    check_eq(sleep(0), 0);
    check_eq(yield(), 0);
}

void procinfo_lists_self()
{
    static struct procinfo table[256];
    int n = procinfo(table, 256);
    require(n > 0, "procinfo returned %d (%s)", n, errname(n));
    bool found_self = false, found_init = false;
    for (int i = 0; i < n; i++) {
        if (table[i].pid == getpid()) {
            found_self = true;
            check_eq(table[i].ppid, getppid());
            check_eq(table[i].state, PSTATE_RUNNING);
            check(strncmp(table[i].name, "usertests", PROC_NAME_MAX) == 0, "name '%.16s'", table[i].name);
            check(table[i].memory_bytes > 0, "no resident memory reported");
        }
        if (table[i].pid == 1)
            found_init = true;
    }
    check(found_self, "own pid %d not listed", getpid());
    check(found_init, "init not listed");
    check_eq(procinfo(table, 1), 1);
}

void proc_stats_counts()
{
    struct proc_stats before, after;
    require_eq(proc_stats(0, &before), 0);
    for (int i = 0; i < 20; i++)
        getpid();
    require_eq(proc_stats(0, &after), 0);
    check(after.syscalls >= before.syscalls + 20, "syscalls %lu -> %lu", (unsigned long)before.syscalls,
          (unsigned long)after.syscalls);
    check(after.resident_pages > 0, "no resident pages");
    check_eq(proc_stats(999999, &after), ERR_SRCH);
    check_eq(proc_stats(getppid(), &after), 0);
}

void many_processes()
{
    // Children wait on a pipe until the table is full, then all exit.
    constexpr int LIMIT = 400;
    static int pids[LIMIT];
    int fds[2];
    require_eq(pipe(fds), 0);
    int count = 0;
    int error = 0;
    while (count < LIMIT) {
        int pid = fork();
        if (pid == 0) {
            close(fds[1]);
            char c;
            read(fds[0], &c, 1); // returns 0 once the parent closes its end
            exit(7);
        }
        if (pid < 0) {
            error = pid;
            break;
        }
        pids[count++] = pid;
    }
    close(fds[1]);
    close(fds[0]);
    check(count >= 64, "only %d concurrent children (error %s)", count, errname(error));
    check(error == ERR_NOMEM || error == ERR_NORES, "fork failed with %d (%s), expected ERR_NOMEM or ERR_NORES",
          error, errname(error));
    int reaped = 0;
    for (int i = 0; i < count; i++) {
        int status = test_wait_status(pids[i]);
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7)
            reaped++;
    }
    check_eq(reaped, count);
    // The table has room again.
    int pid = fork();
    if (pid == 0)
        exit(0);
    check(pid > 0, "fork after the storm: %s", errname(pid));
    if (pid > 0)
        test_wait_status(pid);
}

void fork_storm()
{
    constexpr int CHILDREN = 8, GRANDCHILDREN = 8;
    for (int i = 0; i < CHILDREN; i++) {
        int pid = fork();
        if (pid == 0) {
            int ok = 0;
            for (int j = 0; j < GRANDCHILDREN; j++) {
                int g = fork();
                if (g == 0)
                    exit(j);
                if (g > 0 && test_wait_status(g) == (j << 8))
                    ok++;
            }
            exit(ok == GRANDCHILDREN ? 0 : 1);
        }
        require(pid > 0, "fork: %s", errname(pid));
    }
    for (int i = 0; i < CHILDREN; i++) {
        int status = -1;
        int pid = wait(&status);
        require(pid > 0, "wait: %s", errname(pid));
        check_eq(status, 0);
    }
}
