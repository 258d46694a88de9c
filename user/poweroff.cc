/*
 * poweroff: ends the machine; under QEMU the emulator exits with STATUS
 * (default 0).
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    if (argc > 2 || (argc == 2 && !isdigit(argv[1][0]))) {
        fprintf(STDERR_FILENO, "usage: poweroff [STATUS]\n");
        return 2;
    }
    int r = poweroff(argc == 2 ? atoi(argv[1]) : 0);
    fprintf(STDERR_FILENO, "poweroff: %s\n", errstr(r));
    return 1;
}
