/*
 * usertests: file descriptors and pipes: dup/close numbering and sharing,
 * bad descriptors, the per-process limit, access rights, pipe end-of-file,
 * broken pipes, blocking, and a large checked transfer.
 */
#include "cases.h"

void fd_dup_close()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(fds[0], 3); // the lowest free descriptors
    check_eq(fds[1], 4);
    int d = dup(fds[1]);
    check_eq(d, 5);
    check_eq(write(d, "via dup", 7), 7);
    char buf[16] = {};
    check_eq(read(fds[0], buf, sizeof buf), 7);
    check(memcmp(buf, "via dup", 7) == 0, "got '%s'", buf);
    check_eq(close(fds[1]), 0);
    check_eq(close(fds[1]), ERR_BADF);
    check_eq(dup(fds[0]), 4); // the freed slot is reused
    close(4);
    close(d);
    close(fds[0]);

    // A dup shares the file offset.
    const char* path = "ut_dupoff";
    remove_stale(path);
    int fd = open(path, O_CREAT | O_RDWR);
    require(fd >= 0, "open: %s", errname(fd));
    int fd2 = dup(fd);
    check_eq(write(fd, "abc", 3), 3);
    check_eq(write(fd2, "def", 3), 3);
    check_eq(lseek(fd, 0, SEEK_CUR), 6);
    close(fd);
    close(fd2);
    char content[8] = {};
    check_eq(read_file(path, content, sizeof content), 6);
    check(memcmp(content, "abcdef", 6) == 0, "content '%s'", content);
    check_eq(unlink(path), 0);
}

void fd_bad()
{
    char c;
    struct stat st;
    check_eq(read(-1, &c, 1), ERR_BADF);
    check_eq(write(1000, &c, 1), ERR_BADF);
    check_eq(read(63, &c, 1), ERR_BADF);
    check_eq(close(64), ERR_BADF);
    check_eq(close(-3), ERR_BADF);
    check_eq(dup(50), ERR_BADF);
    check_eq(fstat(77, &st), ERR_BADF);
    check_eq(lseek(99, 0, SEEK_SET), ERR_BADF);
    struct dirent d;
    check_eq(getdents(42, &d, 1), ERR_BADF);
    int fd = dup(0);
    close(fd);
    check_eq(read(fd, &c, 1), ERR_BADF);
}

void fd_exhaust()
{
    int opened = 0;
    int last = 0;
    int error = 0;
    for (int i = 0; i < 1000; i++) {
        int fd = dup(0);
        if (fd < 0) {
            error = fd;
            break;
        }
        opened++;
        last = fd;
    }
    check_eq(error, ERR_MFILE);
    check(opened >= 16, "only %d descriptors", opened);
    int fds[2];
    check_eq(pipe(fds), ERR_MFILE);
    for (int fd = 3; fd <= last; fd++)
        close(fd);
    check_eq(dup(0), 3);
    close(3);
    // pipe() with one free slot must fail cleanly and not leak the one end.
    for (int i = 0; i < opened - 1; i++)
        dup(0);
    check_eq(pipe(fds), ERR_MFILE);
    int fd = dup(0);
    check(fd > 0, "the last slot was lost: %d", fd);
    for (int f = 3; f <= last; f++)
        close(f);
}

void fd_rights()
{
    const char* path = "ut_rights";
    remove_stale(path);
    require_eq(write_file(path, "data", 4), 0);
    char buf[8];
    int ro = open(path, O_RDONLY);
    require(ro >= 0, "open: %s", errname(ro));
    check_eq(write(ro, "x", 1), ERR_BADF);
    check_eq(read(ro, buf, 4), 4);
    int wo = open(path, O_WRONLY);
    require(wo >= 0, "open: %s", errname(wo));
    check_eq(read(wo, buf, 4), ERR_BADF);
    check_eq(write(wo, "D", 1), 1);
    close(ro);
    close(wo);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[0], "x", 1), ERR_BADF);
    check_eq(read(fds[1], buf, 1), ERR_BADF);
    close(fds[0]);
    close(fds[1]);
    check_eq(unlink(path), 0);
}

void pipe_basic()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[1], "hello", 5), 5);
    char buf[100] = {};
    check_eq(read(fds[0], buf, sizeof buf), 5); // what is there, not 100
    check(memcmp(buf, "hello", 5) == 0, "got '%s'", buf);
    check_eq(write(fds[1], "x", 0), 0);
    // End of file once every write end is closed, including a child's.
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        write(fds[1], "from child", 10);
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    close(fds[1]);
    check_eq(read_all(fds[0], buf, sizeof buf), 10);
    check_eq(read(fds[0], buf, 1), 0);
    test_wait_status(pid);
    close(fds[0]);
}

void pipe_broken()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    close(fds[0]);
    check_eq(write(fds[1], "x", 1), ERR_PIPE);
    close(fds[1]);
    // A writer blocked on a full pipe learns of the reader's exit too.
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        static char chunk[4096];
        for (;;) {
            long n = write(fds[1], chunk, sizeof chunk);
            if (n < 0)
                exit(n == ERR_PIPE ? 0 : 1);
        }
    }
    require(pid > 0, "fork: %s", errname(pid));
    close(fds[1]);
    sleep(20);
    close(fds[0]);
    check_eq(test_wait_status(pid), 0);
}

void pipe_blocking_reader()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        sleep(50);
        write(fds[1], "late", 4);
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    char buf[8] = {};
    uint64_t t0 = uptime();
    check_eq(read(fds[0], buf, sizeof buf), 4);
    check(uptime() - t0 >= 40, "read returned before the data was written");
    test_wait_status(pid);
    close(fds[0]);
    close(fds[1]);
}

void pipe_big_transfer()
{
    constexpr size_t TOTAL = 1 << 20;
    constexpr uint32_t SEED = 0x1234567;
    int fds[2];
    require_eq(pipe(fds), 0);
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        static uint8_t chunk[8192];
        uint32_t data = SEED, sizes = 99;
        for (size_t sent = 0; sent < TOTAL;) {
            size_t n = 1 + next_random(&sizes) % sizeof chunk;
            if (n > TOTAL - sent)
                n = TOTAL - sent;
            fill_random(chunk, n, &data);
            if (write_all(fds[1], chunk, n) != long(n))
                exit(1);
            sent += n;
        }
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    close(fds[1]);
    static uint8_t buf[5000];
    uint64_t got_hash = FNV_START;
    size_t got = 0;
    uint32_t sizes = 7;
    for (;;) {
        long n = read(fds[0], buf, 1 + next_random(&sizes) % sizeof buf);
        if (n <= 0) {
            check(n == 0, "read: %s", errname(int(n)));
            break;
        }
        got_hash = fnv1a(got_hash, buf, size_t(n));
        got += size_t(n);
    }
    close(fds[0]);
    check_eq(test_wait_status(pid), 0);
    check_eq(got, TOTAL);
    // The same stream, regenerated here.
    uint64_t want_hash = FNV_START;
    uint32_t data = SEED;
    for (size_t done = 0; done < TOTAL; done += sizeof buf) {
        size_t n = TOTAL - done < sizeof buf ? TOTAL - done : sizeof buf;
        fill_random(buf, n, &data);
        want_hash = fnv1a(want_hash, buf, n);
    }
    check(got_hash == want_hash, "checksum %lx, expected %lx", (unsigned long)got_hash, (unsigned long)want_hash);
}
