/*
 * sleep: waits for a while. The duration is seconds unless it ends in
 * "ms" (milliseconds); "s" is accepted too: sleep 2, sleep 2s, sleep 250ms.
 */
#include "ulib.h"

namespace {

void usage()
{
    fprintf(STDERR_FILENO, "usage: sleep N[s|ms]   (seconds, or milliseconds with ms)\n");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        usage();
        return 2;
    }
    char* end;
    unsigned long n = strtoul(argv[1], &end, 10);
    unsigned long ms;
    if (end == argv[1] || argv[1][0] == '-') {
        usage();
        return 2;
    }
    if (strcmp(end, "ms") == 0)
        ms = n;
    else if (*end == 0 || strcmp(end, "s") == 0)
        ms = n * 1000;
    else {
        usage();
        return 2;
    }
    if (ms > 0xffffffffUL) {
        fprintf(STDERR_FILENO, "sleep: %s is too long\n", argv[1]);
        return 2;
    }
    int r = sleep((unsigned)ms);
    if (r < 0) {
        fprintf(STDERR_FILENO, "sleep: %s\n", errstr(r));
        return 1;
    }
    return 0;
}
