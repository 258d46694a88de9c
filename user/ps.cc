/*
 * ps: lists the live processes (procinfo()).
 */
#include "ulib.h"

namespace {

constexpr int MAX_PROCS = 256;

const char* state_name(int state)
{
    switch (state) {
    case PSTATE_RUNNABLE: return "runnable";
    case PSTATE_RUNNING: return "running";
    case PSTATE_SLEEPING: return "sleeping";
    case PSTATE_ZOMBIE: return "zombie";
    }
    return "?";
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 1) {
        fprintf(STDERR_FILENO, "usage: ps\n");
        return 2;
    }
    (void)argv;
    static struct procinfo table[MAX_PROCS];
    int n = procinfo(table, MAX_PROCS);
    if (n < 0) {
        fprintf(STDERR_FILENO, "ps: %s\n", errstr(n));
        return 1;
    }
    printf("%5s %5s %-9s %8s %s\n", "PID", "PPID", "STATE", "MEM(KiB)", "NAME");
    for (int i = 0; i < n; i++) {
        const struct procinfo& p = table[i];
        printf("%5d %5d %-9s %8lu %.*s\n", p.pid, p.ppid, state_name(p.state),
               (unsigned long)(p.memory_bytes >> 10), PROC_NAME_MAX, p.name);
    }
    return 0;
}
