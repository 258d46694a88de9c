/*
 * mmapreboot: the two halves of the reboot test of memory-mapped files
 * (tests/reboot_test.py boots twice on one disk image, docs/mmap.md).
 *
 *   mmapreboot write   stores through mappings and through named regions
 *                      backed by files, making each durable in one of the
 *                      defined ways (msync, munmap, exit, the end of a
 *                      region's views); then init powers the machine off
 *                      while a helper still has live mappings whose data
 *                      only msync made durable
 *   mmapreboot check   (after the reboot) reads it all back with read()
 *                      and through mappings
 *
 * Each half prints pass(<case>) / FAIL(<case>): <reason> lines and the
 * summary "mmapreboot: N passed, N failed", like any suite.
 */
#include "shm.h"
#include "ulib.h"

namespace {

constexpr size_t PAGE = 4096;
int g_passed, g_failed;

void report(const char* name, bool ok, const char* why)
{
    if (ok) {
        printf("pass(%s)\n", name);
        g_passed++;
    } else {
        printf("FAIL(%s): %s\n", name, why);
        g_failed++;
    }
}

uint8_t pattern(uint8_t seed, size_t i) { return uint8_t(seed + i * 13 + (i >> 12)); }

// Fills n bytes at p with pattern(seed).
void fill(char* p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = char(pattern(seed, i));
}

// Whether n bytes at p are pattern(seed); describes the first difference.
bool matches(const char* p, size_t n, uint8_t seed, char* why, size_t why_size)
{
    for (size_t i = 0; i < n; i++) {
        if (uint8_t(p[i]) != pattern(seed, i)) {
            snprintf(why, why_size, "byte %lu is 0x%x, expected 0x%x", (unsigned long)i, uint8_t(p[i]),
                     pattern(seed, i));
            return false;
        }
    }
    return true;
}

// A fresh file of `size` bytes (a hole), open read-write; -1 on failure.
int fresh_file(const char* path, size_t size)
{
    unlink(path);
    int fd = open(path, O_CREAT | O_RDWR);
    if (fd < 0 || ftruncate(fd, size) != 0)
        return -1;
    return fd;
}

char* map(int fd, size_t len) { return static_cast<char*>(mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)); }

// ---- the write half --------------------------------------------------------------------

// The helper that keeps its mappings until the power goes: a plain file
// view and a view of a file-backed region, each synced with msync only.
[[noreturn]] void live_helper(int ready_fd)
{
    int fd = fresh_file("/mr_live", 3 * PAGE);
    char* p = fd >= 0 ? map(fd, 3 * PAGE) : nullptr;
    if (!p || mmap_failed(p))
        exit(1);
    close(fd); // neither close nor exit will write it back: only msync
    fill(p, 3 * PAGE, 1);
    if (msync(p, 3 * PAGE, MS_SYNC) != 0)
        exit(2);
    p[0] = 'X'; // after the msync: may well be lost, and is not checked

    fd = fresh_file("/mr_region_live", 0);
    int h = fd >= 0 ? shm_open_file("mr_region_live", fd, O_RDWR | O_CREAT, 2 * PAGE, SHM_CEILING_RDWR, nullptr) : -1;
    void* v = nullptr;
    if (h < 0 || createMapping("mr_region_live", &v) != ERR_OK)
        exit(3);
    close(h);
    close(fd);
    fill(static_cast<char*>(v), 2 * PAGE, 2);
    if (msync(v, 2 * PAGE, MS_SYNC) != 0)
        exit(4);
    char ok = 'k';
    write(ready_fd, &ok, 1);
    for (;;)
        sleep(100000); // until the power goes
}

void write_half()
{
    char why[120] = "";
    // Live mappings synced with msync, in a helper that outlives us.
    int fds[2];
    bool ok = pipe(fds) == 0;
    int pid = ok ? fork() : -1;
    if (pid == 0) {
        close(fds[0]);
        live_helper(fds[1]);
    }
    if (pid > 0)
        close(fds[1]); // a helper that fails before it is ready ends the read below
    char c = 0;
    ok = pid > 0 && read(fds[0], &c, 1) == 1 && c == 'k';
    report("w_msync_live_mappings", ok, "the helper failed to map, store and msync");

    // munmap: the descriptor stays open (closing would write back too).
    int fd = fresh_file("/mr_munmap", 2 * PAGE);
    char* p = fd >= 0 ? map(fd, 2 * PAGE) : nullptr;
    ok = p && !mmap_failed(p);
    if (ok) {
        fill(p, 2 * PAGE, 3);
        ok = munmap(p, 2 * PAGE) == 0;
    }
    report("w_munmap", ok, "map, store, munmap failed");

    // exit: a child that maps, closes its descriptor, stores and exits.
    int child = fork();
    if (child == 0) {
        int cfd = fresh_file("/mr_exit", PAGE + 100);
        char* q = cfd >= 0 ? map(cfd, 2 * PAGE) : nullptr;
        if (!q || mmap_failed(q))
            exit(1);
        close(cfd);
        fill(q, PAGE + 100, 4);
        exit(0);
    }
    int status = -1;
    ok = child > 0 && waitpid(child, &status) == child && status == 0;
    report("w_exit", ok, "the child failed");

    // A region over a file, written and destroyed: the data stays in the file.
    int rfd = fresh_file("/mr_region", 0);
    int h = rfd >= 0 ? shm_open_file("mr_region", rfd, O_RDWR | O_CREAT | SHM_PERSIST, 2 * PAGE, SHM_CEILING_RDWR,
                                     nullptr)
                     : -1;
    void* v = nullptr;
    ok = h >= 0 && createMapping("mr_region", &v) == ERR_OK;
    if (ok) {
        fill(static_cast<char*>(v), 2 * PAGE, 5);
        ok = destroyMapping("mr_region", v) == ERR_OK && destroySharedRegion("mr_region") == ERR_OK;
    }
    report("w_region_destroyed", ok, "create, map, store, destroy failed");

    // A page of a sparse file written through a mapping gets its block.
    int hfd = fresh_file("/mr_hole", 4 * PAGE);
    p = hfd >= 0 ? map(hfd, 4 * PAGE) : nullptr;
    ok = p && !mmap_failed(p);
    if (ok) {
        fill(p + 2 * PAGE, PAGE, 6);
        ok = munmap(p, 4 * PAGE) == 0;
    }
    report("w_hole", ok, "map, store, munmap failed");
    (void)why;
    // Descriptors stay open and the helper keeps its mappings: init powers
    // off as soon as we exit.
}

// ---- the check half ----------------------------------------------------------------------

// Reads a whole file (at most size bytes) into buf; its length, or an error.
long slurp(const char* path, char* buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fd;
    long done = 0;
    while (size_t(done) < size) {
        long n = read(fd, buf + done, size - size_t(done));
        if (n <= 0)
            break;
        done += n;
    }
    close(fd);
    return done;
}

void check_file(const char* name, const char* path, size_t size, uint8_t seed)
{
    static char buf[4 * PAGE];
    char why[120];
    long n = slurp(path, buf, sizeof buf);
    if (n != long(size)) {
        snprintf(why, sizeof why, "%s holds %ld bytes, expected %lu", path, n, (unsigned long)size);
        report(name, false, why);
        return;
    }
    report(name, matches(buf, size, seed, why, sizeof why), why);
}

void check_half()
{
    check_file("r_msync_live_mapping", "/mr_live", 3 * PAGE, 1);
    check_file("r_msync_live_region", "/mr_region_live", 2 * PAGE, 2);
    check_file("r_munmap", "/mr_munmap", 2 * PAGE, 3);
    check_file("r_exit", "/mr_exit", PAGE + 100, 4);
    check_file("r_region_destroyed", "/mr_region", 2 * PAGE, 5);

    // The region can be made again over the file, and shows the data.
    char why[120] = "cannot re-create the region over /mr_region";
    int fd = open("/mr_region", O_RDWR);
    int created = 0;
    int h = fd >= 0 ? shm_open_file("mr_region", fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, &created) : fd;
    void* v = nullptr;
    bool ok = h >= 0 && created == 1 && createMapping("mr_region", &v) == ERR_OK;
    if (ok) {
        ok = matches(static_cast<char*>(v), 2 * PAGE, 5, why, sizeof why);
        destroyMapping("mr_region", v);
    }
    report("r_region_recreated", ok, why);
    close(h);
    close(fd);

    // The sparse file: holes around the page written through the mapping.
    static char buf[4 * PAGE];
    long n = slurp("/mr_hole", buf, sizeof buf);
    ok = n == long(4 * PAGE);
    snprintf(why, sizeof why, "/mr_hole holds %ld bytes", n);
    for (size_t i = 0; ok && i < 4 * PAGE; i++) {
        bool in_page = i / PAGE == 2;
        if (uint8_t(buf[i]) != (in_page ? pattern(6, i - 2 * PAGE) : 0)) {
            snprintf(why, sizeof why, "/mr_hole byte %lu is 0x%x", (unsigned long)i, uint8_t(buf[i]));
            ok = false;
        }
    }
    report("r_hole", ok, why);

    // And through a mapping, as well as read().
    fd = open("/mr_munmap", O_RDONLY);
    char* p = fd >= 0 ? static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0)) : nullptr;
    ok = p && !mmap_failed(p) && matches(p, 2 * PAGE, 3, why, sizeof why);
    if (p && !mmap_failed(p))
        munmap(p, 2 * PAGE);
    close(fd);
    report("r_mapping_reads_back", ok, why);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(STDERR_FILENO, "usage: mmapreboot write|check\n");
        return 2;
    }
    if (strcmp(argv[1], "write") == 0)
        write_half();
    else
        check_half();
    printf("mmapreboot: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
