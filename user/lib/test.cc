/*
 * The in-guest test runner behind user/include/test.h.
 *
 * Process structure for one case:
 *   runner ── fork ──> case child: runs the case, prints FAIL itself
 *          └─ fork ──> watchdog: sleeps for the timeout, then kills the case
 * The case child waits for a start signal until the watchdog exists, so
 * nothing of the runner's runs while the case measures.
 * The runner waits for the case child, kills and reaps the watchdog (if
 * the watchdog exited on its own, the case timed out), then checks that the
 * free page count came back. The case child starts a process group of its
 * own, which its children inherit: whatever of the case is still running
 * when it ends (a crashed case's memory hog, say) is killed with the group,
 * so it cannot starve the cases after it. Only the runner prints `pass`, and only the
 * case child prints its checks' reasons, so each case yields one line.
 */
#include "test.h"

namespace {

constexpr int EXIT_FAIL_PRINTED = 99; // the case child printed its FAIL line
constexpr int EXIT_WATCHDOG_FIRED = 42;
constexpr int SETTLE_TRIES = 100;
constexpr int SETTLE_SLEEP_MS = 10;

int g_case_pid = 0;            // the case child, in it and its children
const char* g_case_name = "";
int g_failures = 0;            // failed checks in this process
char g_first_reason[240];

const char* base_name(const char* path)
{
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

// Records a failure. The case child keeps the first reason for its FAIL
// line; any other process (a child of the case) prints it at once.
void record_failure(const char* reason)
{
    g_failures++;
    if (getpid() != g_case_pid)
        printf("    %s: in child %d: %s\n", g_case_name, getpid(), reason);
    else if (g_failures == 1)
        strlcpy(g_first_reason, reason, sizeof g_first_reason);
    else
        printf("    %s: also: %s\n", g_case_name, reason);
}

[[noreturn]] void finish_case()
{
    if (g_failures == 0)
        exit(0);
    if (g_failures > 1)
        printf("FAIL(%s): %s (and %d more)\n", g_case_name, g_first_reason, g_failures - 1);
    else
        printf("FAIL(%s): %s\n", g_case_name, g_first_reason);
    exit(EXIT_FAIL_PRINTED);
}

// Touches stack the runner will use later, so that its own lazily grown
// stack does not look like a leak of the case that happens to need it.
__attribute__((noinline)) void prefault_stack()
{
    volatile char pad[64 * 1024];
    for (size_t i = 0; i < sizeof pad; i += 512)
        pad[i] = 0;
}

void describe_leak(char* buf, size_t size, const struct meminfo& a, const struct meminfo& b)
{
    snprintf(buf, size,
             "leaked %ld pages (free %lu->%lu, kernel %lu->%lu, slab %lu->%lu, pagetable %lu->%lu, "
             "user %lu->%lu, filecache %lu->%lu)",
             long(a.free_pages + a.filecache_pages) - long(b.free_pages + b.filecache_pages), a.free_pages,
             b.free_pages, a.kernel_pages, b.kernel_pages, a.slab_pages, b.slab_pages, a.pagetable_pages,
             b.pagetable_pages, a.user_pages, b.user_pages, a.filecache_pages, b.filecache_pages);
}

void no_op_case() {}

// Kills what is left of a case (its process group) and gives init a moment
// to reap it, so that the next case starts on a quiet machine.
void end_case_group(int case_pid)
{
    if (kill(-case_pid) != ERR_OK)
        return; // nothing left
    for (int i = 0; i < SETTLE_TRIES && kill(-case_pid) == ERR_OK; i++)
        sleep(SETTLE_SLEEP_MS);
}

// Runs one case; returns true if it passed. A quiet run prints nothing.
bool run_case(const test_case& table_entry, bool quiet = false)
{
    // Read the case's descriptor before the first page count: the suite's
    // table lives in rodata, paged in on first use, and that page is the
    // runner's, not a leak of the case.
    const test_case c = table_entry;
    asm volatile("" ::: "memory");
    struct meminfo before = test_meminfo();
    uint64_t before_pages = before.free_pages + before.filecache_pages;

    // The case starts only once its watchdog exists: a case that counts
    // free pages or processes must not see the watchdog's fork happen in
    // the middle of its measurement. A byte through `go` is the start
    // signal (without the pipe, the case just starts at once).
    int go[2];
    bool have_go = pipe(go) == 0;
    int pid = fork();
    if (pid < 0) {
        if (have_go) {
            close(go[0]);
            close(go[1]);
        }
        if (!quiet)
            printf("FAIL(%s): fork for the case failed: %s\n", c.name, errstr(pid));
        return false;
    }
    if (pid == 0) {
        if (have_go) {
            close(go[1]);
            char byte;
            (void)read(go[0], &byte, 1);
            close(go[0]);
        }
        setpgid(0, 0);
        g_case_pid = getpid();
        g_case_name = c.name;
        g_failures = 0;
        c.run();
        finish_case();
    }

    unsigned timeout = c.timeout_ms ? c.timeout_ms : TEST_DEFAULT_TIMEOUT_MS;
    uint64_t started = clock_ns();
    int watchdog = fork();
    if (watchdog == 0) {
        if (have_go) {
            close(go[0]);
            close(go[1]);
        }
        sleep(timeout);
        kill(pid);
        exit(EXIT_WATCHDOG_FIRED);
    }
    if (have_go) {
        close(go[0]);
        (void)write(go[1], "g", 1);
        close(go[1]);
    }

    int status = test_wait_status(pid);
    bool timed_out = false;
    if (watchdog > 0) {
        kill(watchdog);
        int ws = test_wait_status(watchdog);
        timed_out = ws >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == EXIT_WATCHDOG_FIRED;
    }
    // The watchdog may be killed between its kill and its exit: a case
    // killed after its whole timeout timed out all the same.
    if (status >= 0 && WIFKILLED(status) && clock_ns() - started >= uint64_t(timeout) * 1000000)
        timed_out = true;

    if (status < 0) {
        if (!quiet)
            printf("FAIL(%s): waitpid for the case failed: %s\n", c.name, errstr(status));
        return false;
    }
    bool passed_so_far = !timed_out && !WIFKILLED(status) && WEXITSTATUS(status) == 0;
    if (!passed_so_far)
        end_case_group(pid);
    if (timed_out) {
        if (!quiet)
            printf("FAIL(%s): timed out after %u ms\n", c.name, timeout);
        return false;
    }
    if (WIFKILLED(status)) {
        if (!quiet)
            printf("FAIL(%s): the case was killed (it crashed; see the kernel's message above)\n", c.name);
        return false;
    }
    if (WEXITSTATUS(status) == EXIT_FAIL_PRINTED)
        return false;
    if (WEXITSTATUS(status) != 0) {
        if (!quiet)
            printf("FAIL(%s): the case exited with status %d\n", c.name, WEXITSTATUS(status));
        return false;
    }

    uint64_t after_pages = test_settle_pages(before_pages);
    struct meminfo after = test_meminfo();
    for (int i = 0; i < SETTLE_TRIES && after.processes > before.processes; i++) {
        sleep(SETTLE_SLEEP_MS);
        after = test_meminfo();
    }
    if (after_pages < before_pages) {
        char reason[240];
        describe_leak(reason, sizeof reason, before, after);
        if (!quiet)
            printf("FAIL(%s): %s\n", c.name, reason);
        return false;
    }
    if (after.processes > before.processes) {
        if (!quiet)
            printf("FAIL(%s): left %lu processes behind\n", c.name, after.processes - before.processes);
        end_case_group(pid);
        return false;
    }
    if (!quiet)
        printf("pass(%s)\n", c.name);
    return true;
}

const test_case* find_case(const test_case* cases, int count, const char* name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return nullptr;
}

} // namespace

int test_run_suite(const char* suite, const test_case* cases, int count, int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        for (int i = 0; i < count; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    prefault_stack();
    // A silent run of an empty case first: the runner's own code and data
    // on the fork/wait/kill path are paged in lazily, and must not be
    // charged as a leak to the first real case.
    const test_case warm_up = {"warm_up", no_op_case, 0};
    run_case(warm_up, true);
    int passed = 0;
    int failed = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            const test_case* c = find_case(cases, count, argv[i]);
            if (!c) {
                printf("FAIL(%s): no such case in %s (-l lists them)\n", argv[i], suite);
                failed++;
            } else if (run_case(*c)) {
                passed++;
            } else {
                failed++;
            }
        }
    } else {
        for (int i = 0; i < count; i++) {
            if (run_case(cases[i]))
                passed++;
            else
                failed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

int test_check(int ok, const char* file, int line, const char* expr, const char* fmt, ...)
{
    if (ok)
        return 1;
    char message[160];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    char reason[240];
    if (message[0])
        snprintf(reason, sizeof reason, "%s:%d: %s: %s", base_name(file), line, expr, message);
    else
        snprintf(reason, sizeof reason, "%s:%d: %s", base_name(file), line, expr);
    record_failure(reason);
    return 0;
}

namespace {
// "-5 (ERR_NOTEXIST)" for error codes, else the plain number.
void describe_value(char* buf, size_t size, long v)
{
    if (is_err(v) && v != 0)
        snprintf(buf, size, "%ld (%s)", v, errname(int(v)));
    else
        snprintf(buf, size, "%ld", v);
}
} // namespace

int test_check_eq(long actual, long expected, const char* actual_expr, const char* expected_expr, const char* file,
                  int line)
{
    if (actual == expected)
        return 1;
    char got[48], want[48];
    describe_value(got, sizeof got, actual);
    describe_value(want, sizeof want, expected);
    char reason[240];
    // Show the expected expression only when it says more than its value.
    if (strcmp(expected_expr, want) == 0 || strncmp(want, expected_expr, strlen(expected_expr)) == 0)
        snprintf(reason, sizeof reason, "%s:%d: %s is %s, expected %s", base_name(file), line, actual_expr, got, want);
    else
        snprintf(reason, sizeof reason, "%s:%d: %s is %s, expected %s = %s", base_name(file), line, actual_expr, got,
                 expected_expr, want);
    record_failure(reason);
    return 0;
}

void test_stop(void)
{
    if (getpid() == g_case_pid)
        finish_case();
    exit(1);
}

int test_failures(void) { return g_failures; }

int test_wait_status(int pid)
{
    int status = 0;
    int r = waitpid(pid, &status);
    return r < 0 ? r : status;
}

int test_fork(void (*fn)(void* arg), void* arg)
{
    int pid = fork();
    if (pid < 0)
        return pid;
    if (pid == 0) {
        g_failures = 0;
        fn(arg);
        exit(g_failures ? 1 : 0);
    }
    return test_wait_status(pid);
}

struct meminfo test_meminfo(void)
{
    struct meminfo m;
    memset(&m, 0, sizeof m);
    int r = meminfo(&m);
    if (r < 0)
        test_check(0, __FILE__, __LINE__, "meminfo()", "returned %s", errname(r));
    return m;
}

uint64_t test_available_pages(void)
{
    struct meminfo m = test_meminfo();
    return m.free_pages + m.filecache_pages;
}

uint64_t test_settle_pages(uint64_t expected)
{
    uint64_t pages = test_available_pages();
    for (int i = 0; i < SETTLE_TRIES && pages < expected; i++) {
        sleep(SETTLE_SLEEP_MS);
        pages = test_available_pages();
    }
    return pages;
}
