/*
 * Helpers shared by the usertests cases: children, whole-buffer I/O,
 * capture of a program's output, deterministic data and checksums.
 */
#include "cases.h"

namespace {
void call_plain(void* fn) { reinterpret_cast<void (*)()>(fn)(); }
} // namespace

int run_child(void (*fn)()) { return test_fork(call_plain, reinterpret_cast<void*>(fn)); }

long read_all(int fd, void* buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        long n = read(fd, static_cast<char*>(buf) + done, size - done);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        done += size_t(n);
    }
    return long(done);
}

long write_all(int fd, const void* buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        long w = write(fd, static_cast<const char*>(buf) + done, n - done);
        if (w < 0)
            return w;
        if (w == 0)
            return ERR_END;
        done += size_t(w);
    }
    return long(n);
}

int write_file(const char* path, const void* data, size_t n)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY);
    if (fd < 0)
        return fd;
    long w = write_all(fd, data, n);
    close(fd);
    return w < 0 ? int(w) : 0;
}

long read_file(const char* path, void* buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fd;
    long n = read_all(fd, buf, size);
    close(fd);
    return n;
}

void remove_stale(const char* path) { unlink(path); }

bool move_fd(int fd, int target)
{
    if (fd == target)
        return true;
    close(target);
    int r = dup(fd);
    close(fd);
    return r == target;
}

uint32_t next_random(uint32_t* state)
{
    // xorshift32: tiny and good enough to make every byte position differ.
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

void fill_random(uint8_t* buf, size_t n, uint32_t* state)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = uint8_t(next_random(state) >> 24);
}

uint64_t fnv1a(uint64_t hash, const void* data, size_t n)
{
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}
