/*
 * abort() and the assert() failure path. abort kills the process rather
 * than exiting, so the parent's wait() reports WIFKILLED, as for a crash.
 */
#include "ulib.h"

void abort(void)
{
    kill(getpid());
    // kill() takes effect on the way back to user mode; if it somehow did
    // not, still never return.
    for (;;)
        exit(127);
}

void ulib_assert_failed(const char* expr, const char* file, int line)
{
    fprintf(STDERR_FILENO, "assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
