/*
 * tracetests: the trace system call and the strace tool (lab 1,
 * docs/labs/syscall.md). The call is made with a raw ecall of its number,
 * so that this suite builds before the call is in the table: an unknown
 * number is ERR_NOSYS, and every case then fails cleanly.
 *
 * The console side (the trace line itself) is checked by the runner: the
 * case trace_prints_a_line writes a known line while traced, and
 * tests/run_all.py looks for its trace in the console log.
 *
 *   tracetests              every case
 *   tracetests CASE...      the named cases
 *   tracetests --traced?    (used by trace_kept_across_exec) exits with
 *                           status 1 if tracing is on, 0 if off
 */
#include "test.h"

namespace {

constexpr long SYS_TRACE = 18; // docs/labs/syscall.md

long raw_trace(long on)
{
    register long a0 asm("a0") = on;
    register long a7 asm("a7") = SYS_TRACE;
    asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    return a0;
}

void trace_returns_previous_setting()
{
    require_eq(raw_trace(0), 0); // not traced to begin with
    check_eq(raw_trace(1), 0);
    check_eq(raw_trace(1), 1);
    check_eq(raw_trace(0), 1);
    check_eq(raw_trace(0), 0);
}

void trace_rejects_other_values()
{
    check_eq(raw_trace(2), ERR_INVAL);
    check_eq(raw_trace(-1), ERR_INVAL);
    check_eq(raw_trace(0), 0);                  // nothing changed
    check_eq(raw_trace(1), 0);
    check_eq(raw_trace(7), ERR_INVAL);
    check_eq(raw_trace(0), 1); // still on after the refused call
}

void trace_inherited_by_fork()
{
    require_eq(raw_trace(1), 0);
    int status = test_fork([](void*) { check_eq(raw_trace(0), 1); }, nullptr);
    check_eq(status, 0);
    check_eq(raw_trace(0), 1); // the parent's own setting is its own
    // A child forked while tracing is off starts untraced.
    status = test_fork([](void*) { check_eq(raw_trace(0), 0); }, nullptr);
    check_eq(status, 0);
}

void trace_kept_across_exec()
{
    char* argv[] = {const_cast<char*>("tracetests"), const_cast<char*>("--traced?"), nullptr};
    for (int on = 0; on <= 1; on++) {
        int pid = fork();
        if (pid == 0) {
            raw_trace(on);
            exec("/bin/tracetests", argv);
            exit(99);
        }
        require(pid > 0, "fork");
        int status = 0;
        require_eq(waitpid(pid, &status), pid);
        check(WIFEXITED(status) && WEXITSTATUS(status) == on, "traced %d before exec: the new image says %#x", on,
              status);
    }
}

void trace_prints_a_line()
{
    static const char marker[] = "tracetests: a traced write\n"; // 27 bytes
    require_eq(raw_trace(1), 0);
    long n = write(1, marker, sizeof marker - 1);
    raw_trace(0);
    check_eq(n, long(sizeof marker - 1));
    // tests/run_all.py checks the console for
    //   [pid <pid> tracetests] write(0x1, 0x..., 0x1b) = 27
}

void strace_runs_a_program()
{
    static char out[512];
    int status = 0;
    char* argv[] = {const_cast<char*>("strace"), const_cast<char*>("echo"), const_cast<char*>("traced"),
                    const_cast<char*>("words"), nullptr};
    long n = test_run_capture("/bin/strace", argv, out, sizeof out, &status);
    require(n >= 0, "strace did not run: %s", errname(int(n)));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "strace echo: status %#x", status);
    check(strcmp(out, "traced words\n") == 0, "strace echo printed \"%s\"", out);
}

void strace_reports_failures()
{
    static char out[512];
    int status = 0;
    char* none[] = {const_cast<char*>("strace"), nullptr};
    long n = test_run_capture("/bin/strace", none, out, sizeof out, &status);
    require(n >= 0, "strace did not run: %s", errname(int(n)));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 2, "strace with no program: status %#x", status);
    check(strstr(out, "usage: strace") != nullptr, "no usage message: \"%s\"", out);
    char* missing[] = {const_cast<char*>("strace"), const_cast<char*>("no-such-program"), nullptr};
    test_run_capture("/bin/strace", missing, out, sizeof out, &status);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 127, "strace of a missing program: status %#x", status);
    char* failing[] = {const_cast<char*>("strace"), const_cast<char*>("grep"), nullptr}; // grep without a pattern
    test_run_capture("/bin/strace", failing, out, sizeof out, &status);
    check(WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127,
          "strace passes on the program's exit status: %#x", status);
}

const struct test_case cases[] = {
    TEST_CASE(trace_returns_previous_setting),
    TEST_CASE(trace_rejects_other_values),
    TEST_CASE(trace_inherited_by_fork),
    TEST_CASE(trace_kept_across_exec),
    TEST_CASE(trace_prints_a_line),
    TEST_CASE(strace_runs_a_program),
    TEST_CASE(strace_reports_failures),
};

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--traced?") == 0)
        return raw_trace(0) == 1 ? 1 : 0;
    return test_run_suite("tracetests", cases, TEST_COUNT(cases), argc, argv);
}
