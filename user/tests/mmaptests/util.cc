/*
 * Helpers shared by the mmaptests cases: files with known contents,
 * mappings and their introspection, children, capture of a program's
 * output.
 */
#include "cases.h"

// ---- files --------------------------------------------------------------------

int make_file(const char* path, size_t n, uint8_t seed)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    if (!check(fd >= 0, "open(%s): %s", path, errname(fd)))
        test_stop();
    static uint8_t buf[PAGE];
    for (size_t done = 0; done < n;) {
        size_t m = n - done < PAGE ? n - done : PAGE;
        for (size_t i = 0; i < m; i++)
            buf[i] = pattern(seed, done + i);
        long w = write(fd, buf, m);
        if (!check(w == long(m), "writing %s: %ld", path, w))
            test_stop();
        done += m;
    }
    return fd;
}

int open_or_stop(const char* path, int flags)
{
    int fd = open(path, flags);
    if (!check(fd >= 0, "open(%s): %s", path, errname(fd)))
        test_stop();
    return fd;
}

bool check_pattern(const void* p, size_t n, uint8_t seed, size_t from, const char* what)
{
    const uint8_t* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; i++) {
        if (b[i] != pattern(seed, from + i))
            return check(false, "%s: byte %lu is 0x%x, expected 0x%x", what, (unsigned long)(from + i), b[i],
                         pattern(seed, from + i));
    }
    return true;
}

long read_at(int fd, void* buf, size_t n, long off)
{
    long pos = lseek(fd, off, SEEK_SET);
    if (pos < 0)
        return pos;
    size_t done = 0;
    while (done < n) {
        long r = read(fd, static_cast<char*>(buf) + done, n - done);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        done += size_t(r);
    }
    return long(done);
}

long write_at(int fd, const void* buf, size_t n, long off)
{
    long pos = lseek(fd, off, SEEK_SET);
    if (pos < 0)
        return pos;
    size_t done = 0;
    while (done < n) {
        long w = write(fd, static_cast<const char*>(buf) + done, n - done);
        if (w <= 0)
            return w < 0 ? w : long(ERR_END);
        done += size_t(w);
    }
    return long(done);
}

long file_size(int fd)
{
    struct stat st;
    int r = fstat(fd, &st);
    return r < 0 ? r : long(st.size);
}

bool all_zero(const void* p, size_t n)
{
    const uint8_t* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

// ---- mappings -----------------------------------------------------------------

char* map_file(int fd, size_t len, int prot, int flags, long offset)
{
    return static_cast<char*>(mmap(nullptr, len, prot, flags, fd, offset));
}

char* map_or_stop(int fd, size_t len, int prot, int flags, long offset)
{
    char* p = map_file(fd, len, prot, flags, offset);
    if (!check(!mmap_failed(p), "mmap(fd %d, %lu bytes at %ld): %s", fd, (unsigned long)len, offset,
               errname(map_error(p))))
        test_stop();
    return p;
}

int map_error(void* p) { return mmap_failed(p) ? int(intptr_t(p)) : 0; }

bool find_mapping(const void* addr, struct map_info* out)
{
    static struct map_info maps[128];
    int n = shm_maps(0, maps, 128);
    for (int i = 0; i < n; i++) {
        if (maps[i].start <= uintptr_t(addr) && uintptr_t(addr) < maps[i].end) {
            *out = maps[i];
            return true;
        }
    }
    return false;
}

long dirty_pages_at(const void* addr)
{
    struct map_info m;
    return find_mapping(addr, &m) ? long(m.dirty_pages) : -1;
}

uint64_t fault_count()
{
    struct proc_stats st;
    if (proc_stats(0, &st) < 0)
        return 0;
    return st.page_faults;
}

uint64_t filecache_pages() { return test_meminfo().filecache_pages; }

// ---- processes --------------------------------------------------------------------

namespace {
void call_plain(void* fn) { reinterpret_cast<void (*)()>(fn)(); }
} // namespace

int run_child(void (*fn)()) { return test_fork(call_plain, reinterpret_cast<void*>(fn)); }

int run_child_arg(void (*fn)(void*), void* arg) { return test_fork(fn, arg); }

int spawn(void (*fn)(void*), void* arg)
{
    int pid = fork();
    if (pid == 0) {
        int before = test_failures();
        fn(arg);
        exit(test_failures() > before ? 1 : 0);
    }
    return pid;
}

void expect_killed(int status, const char* what)
{
    check(status >= 0 && WIFKILLED(status), "%s: child status 0x%x, expected killed", what, status);
}

void expect_child_ok(int pid, const char* what)
{
    if (!check(pid > 0, "%s: fork: %s", what, errname(pid)))
        return;
    int status = test_wait_status(pid);
    check(status == 0, "%s: child %d status 0x%x%s", what, pid, status,
          status >= 0 && WIFKILLED(status) ? " (killed)" : "");
}

volatile int* shared_page()
{
    void* p = mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!check(!mmap_failed(p), "shared anonymous page: %s", errname(map_error(p))))
        test_stop();
    return static_cast<volatile int*>(p);
}

void free_shared_page(volatile int* p) { munmap(const_cast<int*>(p), PAGE); }

bool wait_for(volatile int* p, int value, int timeout_ms)
{
    uint64_t end = uptime() + uint64_t(timeout_ms);
    while (*p != value) {
        if (uptime() > end)
            return false;
        sleep(1);
    }
    return true;
}

long run_capture(const char* path, char* const argv[], char* out, size_t size, int* status)
{
    int fds[2];
    int r = pipe(fds);
    if (r < 0)
        return r;
    int pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return pid;
    }
    if (pid == 0) {
        close(fds[0]);
        close(1);
        close(2);
        if (dup(fds[1]) != 1 || dup(fds[1]) != 2)
            exit(120);
        close(fds[1]);
        int e = exec(path, argv);
        exit(e == ERR_NOTEXIST ? 121 : 122);
    }
    close(fds[1]);
    size_t done = 0;
    while (done + 1 < size) {
        long n = read(fds[0], out + done, size - 1 - done);
        if (n <= 0)
            break;
        done += size_t(n);
    }
    // Drain anything beyond the buffer so the child never blocks.
    char sink[64];
    while (read(fds[0], sink, sizeof sink) > 0) {
    }
    close(fds[0]);
    out[done] = 0;
    *status = test_wait_status(pid);
    return long(done);
}
