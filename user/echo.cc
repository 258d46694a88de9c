/*
 * echo: prints its arguments separated by spaces. -n leaves out the newline.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    int first = 1;
    bool newline = true;
    if (argc > 1 && strcmp(argv[1], "-n") == 0) {
        newline = false;
        first = 2;
    }
    // Build the line first so it goes out in one write.
    size_t total = 2;
    for (int i = first; i < argc; i++)
        total += strlen(argv[i]) + 1;
    char* line = static_cast<char*>(malloc(total));
    if (!line) {
        fprintf(STDERR_FILENO, "echo: out of memory\n");
        return 1;
    }
    size_t len = 0;
    for (int i = first; i < argc; i++) {
        if (i > first)
            line[len++] = ' ';
        size_t n = strlen(argv[i]);
        memcpy(line + len, argv[i], n);
        len += n;
    }
    if (newline)
        line[len++] = '\n';
    long n = write(STDOUT_FILENO, line, len);
    if (n < 0) {
        fprintf(STDERR_FILENO, "echo: %s\n", errstr(int(n)));
        return 1;
    }
    return 0;
}
