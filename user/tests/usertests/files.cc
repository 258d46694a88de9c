/*
 * usertests: regular files: create, read back, sizes, unlink (also of an
 * open file), O_TRUNC, O_APPEND, O_EXCL, lseek and holes, offsets shared
 * across fork, and hard links.
 */
#include "cases.h"

namespace {
uint8_t g_buf[16384];
uint8_t g_buf2[16384];
} // namespace

void file_create_read()
{
    const char* path = "ut_file";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    for (int i = 0; i < 1000; i++)
        g_buf[i] = uint8_t(i * 3);
    check_eq(write(fd, g_buf, 1000), 1000);
    struct stat st;
    check_eq(fstat(fd, &st), 0);
    check_eq(st.type, T_FILE);
    check_eq(st.size, 1000);
    check_eq(st.nlink, 1);
    check_eq(lseek(fd, 0, SEEK_SET), 0);
    check_eq(read(fd, g_buf2, sizeof g_buf2), 1000);
    check(memcmp(g_buf, g_buf2, 1000) == 0, "read back differs");
    check_eq(read(fd, g_buf2, 10), 0); // at the end
    close(fd);
    memset(g_buf2, 0, 1000);
    check_eq(read_file(path, g_buf2, sizeof g_buf2), 1000);
    check(memcmp(g_buf, g_buf2, 1000) == 0, "reopened file differs");
    check_eq(unlink(path), 0);
    check_eq(open(path, O_RDONLY), ERR_NOTEXIST);
    check_eq(unlink(path), ERR_NOTEXIST);
}

void file_big()
{
    // Big enough to need indirect blocks in any xv6-like layout.
    constexpr size_t TOTAL = 200 * 1024 + 123;
    const char* path = "ut_big";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_WRONLY);
    require(fd >= 0, "create: %s", errname(fd));
    uint32_t data = 77;
    uint64_t want = FNV_START;
    for (size_t done = 0; done < TOTAL;) {
        size_t n = TOTAL - done < 3000 ? TOTAL - done : 3000;
        fill_random(g_buf, n, &data);
        want = fnv1a(want, g_buf, n);
        long w = write(fd, g_buf, n);
        require(w == long(n), "write at %zu: %ld (%s)", done, w, errname(int(w)));
        done += n;
    }
    close(fd);
    fd = open(path, O_RDONLY);
    require(fd >= 0, "open: %s", errname(fd));
    struct stat st;
    check_eq(fstat(fd, &st), 0);
    check_eq(st.size, TOTAL);
    uint64_t got = FNV_START;
    size_t total = 0;
    for (;;) {
        long n = read(fd, g_buf, 4096);
        if (n <= 0) {
            check(n == 0, "read: %s", errname(int(n)));
            break;
        }
        got = fnv1a(got, g_buf, size_t(n));
        total += size_t(n);
    }
    close(fd);
    check_eq(total, TOTAL);
    check(got == want, "content checksum differs");
    check_eq(unlink(path), 0);
}

void file_unlink_open()
{
    const char* path = "ut_unlinked";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    check_eq(write(fd, "still here", 10), 10);
    check_eq(unlink(path), 0);
    check_eq(open(path, O_RDONLY), ERR_NOTEXIST);
    // The inode lives while the descriptor does.
    check_eq(lseek(fd, 0, SEEK_SET), 0);
    char buf[16] = {};
    check_eq(read(fd, buf, sizeof buf), 10);
    check(memcmp(buf, "still here", 10) == 0, "got '%s'", buf);
    check_eq(write(fd, "!", 1), 1);
    struct stat st;
    check_eq(fstat(fd, &st), 0);
    check_eq(st.nlink, 0);
    check_eq(st.size, 11);
    check_eq(close(fd), 0);
    // The name can be used again for a new, empty file.
    fd = open(path, O_CREAT | O_RDWR);
    check(fd >= 0, "re-create: %s", errname(fd));
    check_eq(fstat(fd, &st), 0);
    check_eq(st.size, 0);
    close(fd);
    unlink(path);
}

void file_trunc()
{
    const char* path = "ut_trunc";
    remove_stale(path);
    require_eq(write_file(path, g_buf, 5000), 0);
    int fd = open(path, O_WRONLY | O_TRUNC);
    require(fd >= 0, "open: %s", errname(fd));
    struct stat st;
    check_eq(fstat(fd, &st), 0);
    check_eq(st.size, 0);
    check_eq(write(fd, "new", 3), 3);
    close(fd);
    char buf[16] = {};
    check_eq(read_file(path, buf, sizeof buf), 3);
    check(memcmp(buf, "new", 3) == 0, "got '%s'", buf);
    // Without O_TRUNC, a write overwrites in place and keeps the size.
    fd = open(path, O_WRONLY);
    check_eq(write(fd, "N", 1), 1);
    close(fd);
    check_eq(read_file(path, buf, sizeof buf), 3);
    check(memcmp(buf, "New", 3) == 0, "got '%s'", buf);
    check_eq(unlink(path), 0);
}

void file_append()
{
    const char* path = "ut_append";
    remove_stale(path);
    require_eq(write_file(path, "abc", 3), 0);
    int fd = open(path, O_WRONLY | O_APPEND);
    require(fd >= 0, "open: %s", errname(fd));
    check_eq(lseek(fd, 0, SEEK_SET), 0);
    check_eq(write(fd, "def", 3), 3); // still at the end
    int fd2 = open(path, O_WRONLY | O_APPEND);
    check_eq(write(fd2, "gh", 2), 2);
    check_eq(write(fd, "i", 1), 1);
    close(fd);
    close(fd2);
    char buf[16] = {};
    check_eq(read_file(path, buf, sizeof buf), 9);
    check(memcmp(buf, "abcdefghi", 9) == 0, "got '%s'", buf);
    check_eq(unlink(path), 0);
}

void file_excl()
{
    const char* path = "ut_excl";
    remove_stale(path);
    check_eq(open(path, O_RDONLY), ERR_NOTEXIST);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR);
    check(fd >= 0, "exclusive create: %s", errname(fd));
    close(fd);
    check_eq(open(path, O_CREAT | O_EXCL | O_RDWR), ERR_EXIST);
    fd = open(path, O_CREAT | O_RDWR); // without O_EXCL it just opens
    check(fd >= 0, "open existing with O_CREAT: %s", errname(fd));
    close(fd);
    check_eq(unlink(path), 0);
}

void file_lseek()
{
    const char* path = "ut_seek";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    check_eq(write(fd, "0123456789", 10), 10);
    check_eq(lseek(fd, 3, SEEK_SET), 3);
    char c = 0;
    check_eq(read(fd, &c, 1), 1);
    check_eq(c, '3');
    check_eq(lseek(fd, 2, SEEK_CUR), 6);
    check_eq(lseek(fd, -1, SEEK_END), 9);
    check_eq(read(fd, &c, 1), 1);
    check_eq(c, '9');
    check_eq(lseek(fd, -20, SEEK_CUR), ERR_INVAL);
    check_eq(lseek(fd, 0, 7), ERR_INVAL);
    check_eq(lseek(fd, 0, SEEK_CUR), 10); // failed seeks moved nothing
    // Writing past the end leaves a hole that reads as zeros.
    check_eq(lseek(fd, 100, SEEK_END), 110);
    check_eq(write(fd, "Z", 1), 1);
    struct stat st;
    check_eq(fstat(fd, &st), 0);
    check_eq(st.size, 111);
    check_eq(lseek(fd, 10, SEEK_SET), 10);
    static char gap[101];
    check_eq(read(fd, gap, 101), 101);
    bool zeros = true;
    for (int i = 0; i < 100; i++)
        zeros &= gap[i] == 0;
    check(zeros && gap[100] == 'Z', "the hole does not read as zeros");
    close(fd);
    int fds[2];
    require_eq(pipe(fds), 0);
    long r = lseek(fds[0], 0, SEEK_SET);
    check(is_err(r), "lseek on a pipe returned %ld", r);
    close(fds[0]);
    close(fds[1]);
    check_eq(unlink(path), 0);
}

void file_shared_offset_fork()
{
    const char* path = "ut_forkoff";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    int pid = fork();
    if (pid == 0) {
        write(fd, "child ", 6);
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    test_wait_status(pid);
    check_eq(write(fd, "parent", 6), 6); // continues after the child's bytes
    close(fd);
    char buf[16] = {};
    check_eq(read_file(path, buf, sizeof buf), 12);
    check(memcmp(buf, "child parent", 12) == 0, "got '%s'", buf);
    check_eq(unlink(path), 0);
}

void file_link()
{
    const char* a = "ut_link_a";
    const char* b = "ut_link_b";
    remove_stale(a);
    remove_stale(b);
    require_eq(write_file(a, "shared", 6), 0);
    check_eq(link(a, b), 0);
    struct stat st_a, st_b;
    int fa = open(a, O_RDWR);
    int fb = open(b, O_RDONLY);
    require(fa >= 0 && fb >= 0, "open: %d %d", fa, fb);
    check_eq(fstat(fa, &st_a), 0);
    check_eq(fstat(fb, &st_b), 0);
    check_eq(st_a.nlink, 2);
    check_eq(st_a.ino, st_b.ino);
    check_eq(write(fa, "S", 1), 1);
    char buf[8] = {};
    check_eq(read(fb, buf, sizeof buf), 6);
    check(memcmp(buf, "Shared", 6) == 0, "got '%s'", buf);
    close(fa);
    close(fb);
    check_eq(link(a, b), ERR_EXIST);
    check_eq(link("ut_no_such_file", "ut_link_c"), ERR_NOTEXIST);
    int r = link("/", "ut_link_root");
    check(is_err(r), "link to a directory returned %d", r);
    unlink("ut_link_root");
    check_eq(unlink(a), 0);
    check_eq(read_file(b, buf, sizeof buf), 6);
    fb = open(b, O_RDONLY);
    check_eq(fstat(fb, &st_b), 0);
    check_eq(st_b.nlink, 1);
    close(fb);
    check_eq(unlink(b), 0);
}
