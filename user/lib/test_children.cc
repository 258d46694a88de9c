/*
 * The test framework's helpers for cases that work with child processes
 * (test.h): spawning, checking how children ended, a shared page to talk
 * to them, and running a program to capture its output.
 */
#include "shm.h"
#include "test.h"

int test_spawn(void (*fn)(void*), void* arg)
{
    int pid = fork();
    if (pid == 0) {
        int before = test_failures();
        fn(arg);
        exit(test_failures() > before ? 1 : 0);
    }
    return pid;
}

void test_expect_killed(int status, const char* what)
{
    test_check(status >= 0 && WIFKILLED(status), __FILE__, __LINE__, "WIFKILLED(status)",
               "%s: child status 0x%x, expected killed", what, status);
}

void test_expect_child_ok(int pid, const char* what)
{
    if (!test_check(pid > 0, __FILE__, __LINE__, "pid > 0", "%s: fork: %s", what, errname(pid)))
        return;
    int status = test_wait_status(pid);
    test_check(status == 0, __FILE__, __LINE__, "status == 0", "%s: child %d status 0x%x%s", what, pid, status,
               status >= 0 && WIFKILLED(status) ? " (killed)" : "");
}

volatile int* test_shared_page(void)
{
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!test_check(!mmap_failed(p), __FILE__, __LINE__, "!mmap_failed(p)", "shared anonymous page: %s",
                    errname(int(intptr_t(p)))))
        test_stop();
    return static_cast<volatile int*>(p);
}

void test_free_shared_page(volatile int* p) { munmap(const_cast<int*>(p), 4096); }

int test_wait_for(volatile int* p, int value, int timeout_ms)
{
    uint64_t end = uptime() + uint64_t(timeout_ms);
    while (*p != value) {
        if (uptime() > end)
            return 0;
        sleep(1);
    }
    return 1;
}

long test_run_capture(const char* path, char* const argv[], char* out, size_t size, int* status)
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
        // stdout and stderr both go into the pipe (fd 0 stays open, so
        // dup hands out 1 and then 2).
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
    while (done + 1 < size) {
        long n = read(fds[0], out + done, size - 1 - done);
        if (n <= 0)
            break;
        done += size_t(n);
    }
    // Drain anything beyond the buffer so the child never blocks.
    char sink[64];
    while (read(fds[0], sink, sizeof sink) > 0) {
    }
    close(fds[0]);
    if (size)
        out[done] = 0;
    *status = test_wait_status(pid);
    return long(done);
}
