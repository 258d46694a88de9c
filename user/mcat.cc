/*
 * mcat: prints files as cat does, but by mapping each one (mmap) and
 * writing the mapping out, rather than reading it: the mapping shows the
 * file's page cache, the same bytes read() returns (docs/mmap.md).
 *
 *   mcat FILE...
 */
#include "ulib.h"

namespace {

// Writes all of buf to standard output; 0 or the error that stopped it.
long write_out(const char* buf, size_t n)
{
    for (size_t done = 0; done < n;) {
        long w = write(STDOUT_FILENO, buf + done, n - done);
        if (w < 0)
            return w;
        done += size_t(w);
    }
    return 0;
}

// Prints one file; 0 or an error code.
long print_mapped(int fd)
{
    struct stat st;
    if (int r = fstat(fd, &st); r < 0)
        return r;
    if (st.type == T_DIR)
        return ERR_ISDIR;
    if (st.size == 0)
        return 0; // nothing to map (a zero-length mapping is refused)
    void* p = mmap(nullptr, st.size, PROT_READ, MAP_SHARED, fd, 0);
    if (mmap_failed(p))
        return int(intptr_t(p));
    long r = write_out(static_cast<const char*>(p), st.size);
    munmap(p, st.size);
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(STDERR_FILENO, "usage: mcat FILE...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(STDERR_FILENO, "mcat: %s: %s\n", argv[i], errstr(fd));
            failed = 1;
            continue;
        }
        long r = print_mapped(fd);
        if (r < 0) {
            fprintf(STDERR_FILENO, "mcat: %s: %s\n", argv[i], errstr(int(r)));
            failed = 1;
        }
        close(fd);
    }
    return failed;
}
