/*
 * cat: copies each named file (or standard input) to standard output.
 */
#include "ulib.h"

namespace {

// Returns 0, or the error that stopped the copy.
long copy(int fd)
{
    static char buf[4096];
    for (;;) {
        long n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return n;
        for (long done = 0; done < n;) {
            long w = write(STDOUT_FILENO, buf + done, size_t(n - done));
            if (w < 0)
                return w;
            done += w;
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 1) {
        long r = copy(STDIN_FILENO);
        if (r < 0)
            fprintf(STDERR_FILENO, "cat: %s\n", errstr(int(r)));
        return r < 0;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(STDERR_FILENO, "cat: %s: %s\n", argv[i], errstr(fd));
            failed = 1;
            continue;
        }
        long r = copy(fd);
        if (r < 0) {
            fprintf(STDERR_FILENO, "cat: %s: %s\n", argv[i], errstr(int(r)));
            failed = 1;
        }
        close(fd);
    }
    return failed;
}
