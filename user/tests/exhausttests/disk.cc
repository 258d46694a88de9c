/*
 * exhausttests: the disk. Writing until it is full ends in a short write
 * or ERR_NOSPC, never a panic or a corrupt file system; deleting gives
 * every block and inode back, which shows as the same capacity on the
 * next round (the file system has no statfs: the rounds are the measure).
 */
#include "cases.h"

namespace {
char g_chunk[32768];

// Fills one file until the disk is full; returns the bytes written.
long fill_one_file(const char* path)
{
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC);
    require(fd >= 0, "open %s: %s", path, errname(fd));
    long total = 0;
    for (;;) {
        long n = write(fd, g_chunk, sizeof g_chunk);
        if (n > 0)
            total += n;
        if (n == long(sizeof g_chunk))
            continue;
        check(n >= 0 || n == ERR_NOSPC, "write at %ld bytes: %s", total, errname(int(n)));
        break;
    }
    // What was written reads back.
    check_eq(lseek(fd, total - 1, SEEK_SET), total - 1);
    char c = 0;
    check_eq(read(fd, &c, 1), 1);
    check(c == 'x', "the last byte reads %d", c);
    close(fd);
    return total;
}
} // namespace

void exhaust_disk_one_file()
{
    memset(g_chunk, 'x', sizeof g_chunk);
    mkdir("/tmp");
    long sizes[3];
    for (int round = 0; round < 3; round++) {
        sizes[round] = fill_one_file("/tmp/ex.big");
        // With the disk full, small things still fail cleanly.
        int fd = open("/tmp/ex.small", O_CREAT | O_RDWR);
        if (fd >= 0) {
            long n = write(fd, g_chunk, 8192);
            check(n >= 0 || n == ERR_NOSPC, "write to a full disk: %s", errname(int(n)));
            close(fd);
            unlink("/tmp/ex.small");
        } else {
            check(fd == ERR_NOSPC, "open on a full disk: %s", errname(fd));
        }
        check_eq(unlink("/tmp/ex.big"), 0);
    }
    printf("    the disk took %ld, %ld, %ld KiB\n", sizes[0] >> 10, sizes[1] >> 10, sizes[2] >> 10);
    check(sizes[0] > (1 << 20), "only %ld bytes fit", sizes[0]);
    check(sizes[1] == sizes[0] && sizes[2] == sizes[0], "blocks leaked: %ld, %ld, %ld bytes", sizes[0], sizes[1],
          sizes[2]);
}

void exhaust_disk_many_files()
{
    memset(g_chunk, 'y', sizeof g_chunk);
    mkdir("/tmp");
    int counts[2];
    char path[48];
    for (int round = 0; round < 2; round++) {
        int r = mkdir("/tmp/exd");
        check(r == 0 || r == ERR_EXIST, "mkdir: %s", errname(r));
        int n = 0;
        int error = 0;
        for (;; n++) {
            snprintf(path, sizeof path, "/tmp/exd/f%d", n);
            int fd = open(path, O_CREAT | O_RDWR | O_EXCL);
            if (fd < 0) {
                error = fd;
                break;
            }
            long w = write(fd, g_chunk, 100);
            close(fd);
            if (w != 100) {
                error = int(w);
                n++;
                break;
            }
            if (!check(n < 5000, "no end of inodes"))
                break;
        }
        check(error == ERR_NOSPC || (error >= 0 && error < 100), "creating file %d: %s", n, errname(error));
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof path, "/tmp/exd/f%d", i);
            if (unlink(path) != 0) {
                check(false, "unlink %s failed", path);
                break;
            }
        }
        check_eq(unlink("/tmp/exd"), 0);
        counts[round] = n;
        printf("    round %d: %d files until %s\n", round, n, errname(error));
    }
    check(counts[1] == counts[0], "inodes or blocks leaked: %d files, then %d", counts[0], counts[1]);
}
