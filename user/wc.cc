/*
 * wc: counts lines, words and bytes of each file (or standard input).
 */
#include "ulib.h"

namespace {

struct Counts {
    unsigned long lines = 0;
    unsigned long words = 0;
    unsigned long bytes = 0;
};

long count(int fd, Counts& c)
{
    static char buf[4096];
    bool in_word = false;
    for (;;) {
        long n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return n;
        c.bytes += size_t(n);
        for (long i = 0; i < n; i++) {
            if (buf[i] == '\n')
                c.lines++;
            if (isspace(buf[i])) {
                in_word = false;
            } else if (!in_word) {
                in_word = true;
                c.words++;
            }
        }
    }
}

void show(const Counts& c, const char* name)
{
    printf("%7lu %7lu %7lu %s\n", c.lines, c.words, c.bytes, name);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && argv[1][0] == '-') {
        fprintf(STDERR_FILENO, "usage: wc [FILE...]\n");
        return 2;
    }
    if (argc == 1) {
        Counts c;
        long r = count(STDIN_FILENO, c);
        if (r < 0) {
            fprintf(STDERR_FILENO, "wc: %s\n", errstr(int(r)));
            return 1;
        }
        show(c, "");
        return 0;
    }
    Counts total;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        Counts c;
        int fd = open(argv[i], O_RDONLY);
        long r = fd < 0 ? fd : count(fd, c);
        if (fd >= 0)
            close(fd);
        if (r < 0) {
            fprintf(STDERR_FILENO, "wc: %s: %s\n", argv[i], errstr(int(r)));
            failed = 1;
            continue;
        }
        show(c, argv[i]);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
    }
    if (argc > 2)
        show(total, "total");
    return failed;
}
