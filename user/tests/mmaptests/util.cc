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

