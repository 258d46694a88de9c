// LAB(syscall) file
/*
 * strace: runs a program with system-call tracing on (the trace system
 * call, docs/labs/syscall.md). The kernel prints one line per call of the
 * program (and of the children it forks) on the console:
 *
 *     [pid 7 echo] write(0x1, 0x1ffb0, 0x3) = 3
 *
 *   strace PROG [ARGS...]
 *
 * Exits with the program's exit status, 137 if it was killed, 127 if it
 * could not be run, 2 on a usage error.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(STDERR_FILENO, "usage: strace PROG [ARGS...]\n");
        return 2;
    }
    int pid = fork();
    if (pid < 0) {
        fprintf(STDERR_FILENO, "strace: fork: %s\n", errstr(pid));
        return 1;
    }
    if (pid == 0) {
        char path[128];
        if (strchr(argv[1], '/'))
            strlcpy(path, argv[1], sizeof path);
        else
            snprintf(path, sizeof path, "/bin/%s", argv[1]);
        trace(1);
        int r = exec(path, argv + 1);
        fprintf(STDERR_FILENO, "strace: %s: %s\n", argv[1], errstr(r));
        exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status) < 0)
        return 1;
    if (WIFKILLED(status))
        return 137;
    return WEXITSTATUS(status);
}
