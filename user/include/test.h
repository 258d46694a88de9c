/*
 * A small framework for in-guest test suites (DESIGN.md section 7).
 *
 * A suite is a table of cases and a main that hands it to test_run_suite():
 *
 *     static void fork_returns_pid(void) { ... check(...); ... }
 *     static const struct test_case cases[] = { TEST_CASE(fork_returns_pid) };
 *     int main(int argc, char** argv)
 *     { return test_run_suite("mysuite", cases, TEST_COUNT(cases), argc, argv); }
 *
 * Each case runs in a forked child, so a crash or a hang (a watchdog kills
 * it after its timeout) fails that case alone and the suite goes on. Around
 * every case the runner compares the free page count (meminfo) before and
 * after, with a short settle for asynchronous reaping, so a case that leaks
 * kernel memory fails. Output, one line per case:
 *
 *     pass(<case>)
 *     FAIL(<case>): <reason>
 *
 * and at the end `<suite>: N passed, N failed`. The suite's exit status is
 * 0 only if every case passed. Arguments name the cases to run (default:
 * all); `-l` lists them.
 *
 * Inside a case, check() records a failure and goes on; require() records
 * it and ends the case. Failures found in a case's own forked children are
 * printed at once but only reach the case through the child's exit status:
 * test_fork() helps with that.
 */
#ifndef TANDEM_USER_TEST_H
#define TANDEM_USER_TEST_H

#include "ulib.h"

#ifdef __cplusplus
extern "C" {
#endif

struct test_case {
    const char* name;
    void (*run)(void);
    unsigned timeout_ms; /* 0: TEST_DEFAULT_TIMEOUT_MS */
};

#define TEST_DEFAULT_TIMEOUT_MS 30000
#define TEST_CASE(fn) { #fn, fn, 0 }
#define TEST_CASE_TIMEOUT(fn, ms) { #fn, fn, ms }
#define TEST_COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))

int test_run_suite(const char* suite, const struct test_case* cases, int count, int argc, char** argv);

/* ---- checks (return whether the condition held) ---- */
int test_check(int ok, const char* file, int line, const char* expr, const char* fmt, ...)
    __attribute__((format(printf, 5, 6)));
int test_check_eq(long actual, long expected, const char* actual_expr, const char* expected_expr,
                  const char* file, int line);
/* Ends the current case (or case child) now, as failed. */
void test_stop(void) __attribute__((noreturn));
/* Failures recorded so far in this process. */
int test_failures(void);

#define check(cond, ...) test_check(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
#define check_eq(actual, expected) \
    test_check_eq((long)(actual), (long)(expected), #actual, #expected, __FILE__, __LINE__)
#define require(cond, ...)                 \
    do {                                   \
        if (!check(cond, __VA_ARGS__))     \
            test_stop();                   \
    } while (0)
#define require_eq(actual, expected)       \
    do {                                   \
        if (!check_eq(actual, expected))   \
            test_stop();                   \
    } while (0)

/* ---- children ---- */
/* Runs fn(arg) in a forked child and returns the child's wait status. The
   child exits 0 if fn returns with no failed check, 1 otherwise; a crash
   shows as WIFKILLED(status). Returns a negative ERR_* if fork or wait
   fails. */
int test_fork(void (*fn)(void* arg), void* arg);
/* Waits for the given child, returning its status or a negative error. */
int test_wait_status(int pid);
/* Forks a child that runs fn(arg) and exits 0 (1 if a check failed in it);
   returns its pid (or a negative error) without waiting. */
int test_spawn(void (*fn)(void* arg), void* arg);
/* Checks that a child's wait status says the kernel killed it. */
void test_expect_killed(int status, const char* what);
/* Waits for pid and checks that it exited with status 0. */
void test_expect_child_ok(int pid, const char* what);
/* One page of MAP_SHARED anonymous memory for flags and counters shared
   with children (not a named region, so shared-memory counts stay put);
   the case stops if there is none. */
volatile int* test_shared_page(void);
void test_free_shared_page(volatile int* p);
/* Waits until *p == value, sleeping 1 ms between looks; 0 on timeout. */
int test_wait_for(volatile int* p, int value, int timeout_ms);
/* Runs path with argv in a child whose stdout and stderr are a pipe; stores
   up to size-1 bytes of its output (NUL-terminated) and its wait status.
   Returns the byte count or a negative error. The child exits 121 if path
   does not exist, 122 if exec failed otherwise. */
long test_run_capture(const char* path, char* const argv[], char* out, size_t size, int* status);

/* ---- memory accounting ---- */
/* meminfo(), or a failed check and zeros. */
struct meminfo test_meminfo(void);
/* Pages that are free or only cached (file cache): what a leak reduces. */
uint64_t test_available_pages(void);
/* Waits (briefly) until test_available_pages() >= expected; returns the
   last count seen. Exited children are reaped asynchronously, so their
   pages may come back a little after wait() returns. */
uint64_t test_settle_pages(uint64_t expected);

#ifdef __cplusplus
}
#endif

#endif
