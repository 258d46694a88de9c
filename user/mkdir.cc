/*
 * mkdir: creates each named directory.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(STDERR_FILENO, "usage: mkdir DIR...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        int r = mkdir(argv[i]);
        if (r < 0) {
            fprintf(STDERR_FILENO, "mkdir: %s: %s\n", argv[i], errstr(r));
            failed = 1;
        }
    }
    return failed;
}
