/*
 * kill: kills each process named by pid.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(STDERR_FILENO, "usage: kill PID...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        char* end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || end == argv[i] || pid <= 0) {
            fprintf(STDERR_FILENO, "kill: %s: not a pid\nusage: kill PID...\n", argv[i]);
            failed = 1;
            continue;
        }
        int r = kill(int(pid));
        if (r < 0) {
            fprintf(STDERR_FILENO, "kill: %ld: %s\n", pid, errstr(r));
            failed = 1;
        }
    }
    return failed;
}
