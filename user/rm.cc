/*
 * rm: removes each named file (or empty directory) with unlink().
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(STDERR_FILENO, "usage: rm PATH...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        int r = unlink(argv[i]);
        if (r < 0) {
            fprintf(STDERR_FILENO, "rm: %s: %s\n", argv[i], errstr(r));
            failed = 1;
        }
    }
    return failed;
}
