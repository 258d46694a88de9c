/*
 * usertests: exec cases: argument passing, the exec'd image's pid and
 * descriptors, and refusing what is not a valid program.
 */
#include "cases.h"

namespace {

char g_output[8192];

char* arg(const char* s) { return const_cast<char*>(s); }

// Checks echoargs' output for argv (its own pid must be `pid`).
void check_echo(const char* out, int pid, char* const argv[])
{
    int argc = 0;
    while (argv[argc])
        argc++;
    static char expected[8192];
    int n = snprintf(expected, sizeof expected, "pid=%d argc=%d\n", pid, argc);
    for (int i = 0; i < argc; i++)
        n += snprintf(expected + n, sizeof expected - size_t(n), "[%s]\n", argv[i]);
    check(strcmp(out, expected) == 0, "output:\n%s\nexpected:\n%s", out, expected);
}

} // namespace

void exec_argv()
{
    char* argv[] = {arg("echoargs"), arg("one"), arg("two words"), arg(""), nullptr};
    int status = 0;
    long n = test_run_capture("/bin/echoargs", argv, g_output, sizeof g_output, &status);
    require(n > 0, "no output (%ld %s), status %#x", n, errname(int(n)), status);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 104, "status %#x", status);
    // echoargs reports its own pid; the line must match the pid exec kept.
    int pid = atoi(g_output + 4);
    check(pid > 0, "bad first line: %s", g_output);
    check_echo(g_output, pid, argv);
}

void exec_many_args()
{
    static char words[40][12];
    static char long_arg[1001];
    char* argv[42];
    int argc = 0;
    argv[argc++] = arg("echoargs");
    for (int i = 0; i < 30; i++) {
        snprintf(words[i], sizeof words[i], "a%d", i);
        argv[argc++] = words[i];
    }
    memset(long_arg, 'x', 1000);
    long_arg[1000] = 0;
    argv[argc++] = long_arg;
    argv[argc] = nullptr;
    int status = 0;
    long n = test_run_capture("/bin/echoargs", argv, g_output, sizeof g_output, &status);
    require(n > 0, "no output (%ld), status %#x", n, status);
    check_eq(WEXITSTATUS(status), 100 + argc);
    check_echo(g_output, atoi(g_output + 4), argv);
}

void exec_missing()
{
    char* argv[] = {arg("nothing"), nullptr};
    check_eq(exec("/bin/no_such_program", argv), ERR_NOTEXIST);
    check_eq(exec("/no_such_dir/prog", argv), ERR_NOTEXIST);
    // The failed exec left this process as it was.
    check(getpid() > 0, "still alive");
}

void exec_not_elf()
{
    const char* path = "ut_notelf";
    remove_stale(path);
    const char text[] = "#!/bin/sh\necho this is not an ELF file\n";
    require_eq(write_file(path, text, sizeof text - 1), 0);
    char* argv[] = {arg("ut_notelf"), nullptr};
    check_eq(exec(path, argv), ERR_NOEXEC);
    require_eq(write_file(path, "", 0), 0);
    check_eq(exec(path, argv), ERR_NOEXEC);
    int r = exec("/bin", argv);
    check(is_err(r), "exec of a directory returned %d", r);
    check_eq(unlink(path), 0);
}

void exec_truncated_elf()
{
    // A valid ELF header whose program headers point past the end of the
    // file: exec must refuse it before it destroys the caller's image.
    static uint8_t head[1024];
    long n = read_file("/bin/echoargs", head, sizeof head);
    require_eq(n, long(sizeof head));
    const char* path = "ut_truncelf";
    remove_stale(path);
    require_eq(write_file(path, head, 100), 0);
    char* argv[] = {arg("ut_truncelf"), nullptr};
    check_eq(exec(path, argv), ERR_NOEXEC);
    // Also a full header whose segment data is missing.
    require_eq(write_file(path, head, sizeof head), 0);
    check_eq(exec(path, argv), ERR_NOEXEC);
    check_eq(unlink(path), 0);
    check(strcmp(path, "ut_truncelf") == 0, "our memory survived");
}

void exec_keeps_fds()
{
    // stdout of the exec'd program is the pipe run_capture installed; the
    // child's pid survives exec (echoargs prints the pid fork returned).
    int fds[2];
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        move_fd(fds[1], 1);
        char* argv[] = {arg("echoargs"), arg("kept"), nullptr};
        exec("/bin/echoargs", argv);
        exit(99);
    }
    require(pid > 0, "fork: %s", errname(pid));
    close(fds[1]);
    long n = read_all(fds[0], g_output, sizeof g_output - 1);
    g_output[n < 0 ? 0 : n] = 0;
    close(fds[0]);
    int status = test_wait_status(pid);
    check_eq(WEXITSTATUS(status), 102);
    char* argv[] = {arg("echoargs"), arg("kept"), nullptr};
    check_echo(g_output, pid, argv);
}
