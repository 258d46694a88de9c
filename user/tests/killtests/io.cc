/*
 * killtests: a kill ends long I/O at once (issue 13, bug 5).
 *
 * A system call that moves many bytes for a process (a console write, a
 * read of a big file) must stop at a pending kill between its pieces: a
 * killed process is gone within a second whatever it was doing. A 2 MiB
 * console write once outlived its kill by about 10 s, and a read of a large
 * sparse file by many seconds, because their loops never looked.
 *
 * Each case starts the operation in a child, waits until the child is
 * inside it, kills the child and times how long it takes to be reaped. The
 * child must still have been in the call when the kill came (it was killed,
 * not exited), so the case cannot pass by the operation being quick.
 */
#include "cases.h"

namespace {

constexpr uint64_t MS = 1000000;
constexpr uint64_t GONE_WITHIN_NS = 1000 * MS;
constexpr uint64_t IN_CALL_NS = 200 * MS; // how long the child is left in the call

struct IoShared {
    volatile uint32_t entering; // the child is about to make the call
};
IoShared* g_io;

// Runs op in a child; kills it IN_CALL_NS after it enters the call; checks
// that it was killed and reaped within GONE_WITHIN_NS.
void kill_during(const char* what, void (*op)())
{
    g_io = static_cast<IoShared*>(shared_or_fail(PAGE));
    g_io->entering = 0;
    static void (*s_op)();
    s_op = op;
    int pid = fork();
    if (pid == 0) {
        s_op();
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    if (!wait_at_least(&g_io->entering, 1, 30000)) {
        kill(pid);
        waitpid(pid, nullptr);
        require(false, "%s: the child never got to the call", what);
    }
    sleep(unsigned(IN_CALL_NS / MS));
    uint64_t t0 = clock_ns();
    require_eq(kill(pid), ERR_OK);
    int status = 0;
    require_eq(waitpid(pid, &status), pid);
    uint64_t took = clock_ns() - t0;
    test_expect_killed(status, what);
    check(took < GONE_WITHIN_NS, "%s: the killed child took %lu ms to go", what, (unsigned long)(took / MS));
    munmap(g_io, PAGE);
}

// ---- a console write of 2 MiB (seconds of UART time) ----
void write_console()
{
    constexpr size_t BYTES = 2 << 20;
    char* buf = static_cast<char*>(mmap(nullptr, BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(buf), "mmap");
    // NUL bytes: the terminal shows nothing, and the log gets a line of them.
    g_io->entering = 1;
    write(1, buf, BYTES);
}

// ---- a read of a 2 GiB sparse file into 512 views of one 4 MiB region ----
constexpr size_t VIEW = 4 << 20;
constexpr int VIEWS = 512;
const char* const SPARSE_PATH = "/kt_sparse";
const char* const BUFFER_REGION = "kt.readbuf";

void read_sparse_file()
{
    int fd = open(SPARSE_PATH, O_RDONLY);
    require(fd >= 0, "open %s: %s", SPARSE_PATH, errname(fd));
    int rfd = shm_open(BUFFER_REGION, O_RDWR, 0, 0, nullptr);
    require(rfd >= 0, "shm_open: %s", errname(rfd));
    // One reservation, then the views over it, back to back.
    size_t total = size_t(VIEWS) * VIEW;
    char* base = static_cast<char*>(mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(base), "reserve %lu bytes", (unsigned long)total);
    require_eq(munmap(base, total), ERR_OK);
    for (int i = 0; i < VIEWS; i++) {
        void* v = mmap(base + size_t(i) * VIEW, VIEW, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, rfd, 0);
        require(v == base + size_t(i) * VIEW, "view %d: %s", i, errname(int(intptr_t(v))));
    }
    g_io->entering = 1;
    read(fd, base, total);
}

} // namespace

void kill_ends_long_console_write()
{
    kill_during("a 2 MiB console write", write_console);
    printf("\n"); // after the NUL bytes, so the next line starts clean
}

void kill_ends_long_file_read()
{
    int fd = open(SPARSE_PATH, O_CREAT | O_RDWR | O_TRUNC);
    require(fd >= 0, "create %s: %s", SPARSE_PATH, errname(fd));
    require_eq(ftruncate(fd, uint64_t(VIEWS) * VIEW), ERR_OK);
    close(fd);
    int rfd = shm_open(BUFFER_REGION, O_RDWR | O_CREAT | O_EXCL, VIEW, 0, nullptr);
    require(rfd >= 0, "shm_open: %s", errname(rfd));
    kill_during("a 2 GiB read of a sparse file", read_sparse_file);
    check_eq(shm_unlink(BUFFER_REGION), ERR_OK);
    close(rfd);
    check_eq(unlink(SPARSE_PATH), ERR_OK);
}
