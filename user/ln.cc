/*
 * ln: makes a second name (hard link) for an existing file.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(STDERR_FILENO, "usage: ln EXISTING NEW\n");
        return 2;
    }
    int r = link(argv[1], argv[2]);
    if (r < 0) {
        fprintf(STDERR_FILENO, "ln: %s -> %s: %s\n", argv[2], argv[1], errstr(r));
        return 1;
    }
    return 0;
}
