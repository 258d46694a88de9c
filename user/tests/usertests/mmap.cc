/*
 * usertests: mmap, munmap and mprotect of anonymous memory: contents,
 * protections, placement, sharing across fork and argument checking.
 */
#include "cases.h"

namespace {

bool is_page_aligned(const void* p) { return (uintptr_t(p) & (PAGE - 1)) == 0; }

char* map_anon(size_t len, int prot = PROT_READ | PROT_WRITE, int flags = MAP_PRIVATE)
{
    return static_cast<char*>(mmap(nullptr, len, prot, flags | MAP_ANONYMOUS, -1, 0));
}

int map_error(void* p) { return mmap_failed(p) ? int(intptr_t(p)) : 0; }

void expect_killed(void (*fn)(), const char* what)
{
    int status = run_child(fn);
    check(status >= 0 && WIFKILLED(status), "%s: child status %#x, expected killed", what, status);
}

} // namespace

void mmap_anonymous()
{
    const size_t len = 4 * PAGE;
    char* p = map_anon(len);
    require(!mmap_failed(p), "mmap: %s", errname(map_error(p)));
    check(is_page_aligned(p), "mmap returned unaligned %p", p);
    bool zero = true;
    for (size_t i = 0; i < len; i++)
        zero &= p[i] == 0;
    check(zero, "anonymous memory is not zero-filled");
    for (size_t i = 0; i < len; i++)
        p[i] = char(i * 7);
    bool same = true;
    for (size_t i = 0; i < len; i++)
        same &= p[i] == char(i * 7);
    check(same, "anonymous memory lost writes");
    char* heap = static_cast<char*>(sbrk(0));
    check(p >= heap + (1 << 20) || p + len <= heap, "mapping %p sits on the heap's growth path (break %p)", p, heap);
    check_eq(munmap(p, len), 0);
}

void munmap_unmaps()
{
    expect_killed([] {
        char* p = map_anon(2 * PAGE);
        p[0] = 1;
        munmap(p, 2 * PAGE);
        *static_cast<volatile char*>(p) = 2;
        exit(0);
    }, "touch after munmap");
    // Unmapping the middle page leaves its neighbours.
    int status = run_child([] {
        char* p = map_anon(3 * PAGE);
        memset(p, 1, 3 * PAGE);
        require_eq(munmap(p + PAGE, PAGE), 0);
        require(p[0] == 1 && p[2 * PAGE] == 1, "neighbours of the hole changed");
        p[0] = 3;
        p[2 * PAGE + 5] = 3;
        exit(0);
    });
    check_eq(status, 0);
    expect_killed([] {
        char* p = map_anon(3 * PAGE);
        memset(p, 1, 3 * PAGE);
        munmap(p + PAGE, PAGE);
        static_cast<volatile char*>(p)[PAGE + 1] = 2;
        exit(0);
    }, "touch inside a munmap'd hole");
}

void mprotect_readonly()
{
    expect_killed([] {
        char* p = map_anon(2 * PAGE);
        p[0] = 1;
        p[PAGE] = 1;
        require_eq(mprotect(p, 2 * PAGE, PROT_READ), 0);
        require(p[0] == 1 && p[PAGE] == 1, "contents lost by mprotect");
        static_cast<volatile char*>(p)[PAGE] = 2;
        exit(0);
    }, "write after mprotect(PROT_READ)");
    int status = run_child([] {
        char* p = map_anon(PAGE);
        p[0] = 1;
        require_eq(mprotect(p, PAGE, PROT_READ), 0);
        require_eq(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
        p[0] = 2; // writable again
        require(p[0] == 2, "write lost");
        // A page never touched, made read-only, reads as zero.
        char* q = map_anon(PAGE);
        require_eq(mprotect(q, PAGE, PROT_READ), 0);
        require(static_cast<volatile char*>(q)[100] == 0, "lazy read-only page not zero");
        exit(0);
    });
    check_eq(status, 0);
    expect_killed([] {
        char* p = map_anon(PAGE, PROT_NONE);
        exit(static_cast<volatile char*>(p)[0]);
    }, "read of PROT_NONE memory");
}

void mmap_bad_args()
{
    const int RW = PROT_READ | PROT_WRITE;
    const int ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    check_eq(map_error(mmap(nullptr, 0, RW, ANON, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(reinterpret_cast<void*>(0x2000000123), PAGE, RW, ANON | MAP_FIXED, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_ANONYMOUS, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, 0x100, ANON, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, ANON | 0x4000, -1, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_PRIVATE, 55, 0)), ERR_BADF);
    int huge = map_error(mmap(nullptr, size_t(1) << 45, RW, ANON, -1, 0));
    check(huge == ERR_NOMEM || huge == ERR_INVAL, "32 TiB mapping: %d (%s)", huge, errname(huge));
    int overflow = map_error(mmap(nullptr, ~size_t(0) - 100, RW, ANON, -1, 0));
    check(overflow == ERR_NOMEM || overflow == ERR_INVAL, "SIZE_MAX mapping: %d (%s)", overflow, errname(overflow));
    void* kernel = mmap(reinterpret_cast<void*>(KERNEL_ADDR), PAGE, RW, ANON | MAP_FIXED, -1, 0);
    check(mmap_failed(kernel), "MAP_FIXED at a kernel address returned %p", kernel);
    void* zero_page = mmap(nullptr, PAGE, RW, ANON | MAP_FIXED, -1, 0);
    check(mmap_failed(zero_page), "MAP_FIXED at address 0 returned %p", zero_page);

    char* p = map_anon(PAGE);
    require(!mmap_failed(p), "mmap: %s", errname(map_error(p)));
    check_eq(munmap(p + 1, PAGE), ERR_INVAL);
    check_eq(munmap(p, 0), ERR_INVAL);
    check_eq(mprotect(p + 1, PAGE, PROT_READ), ERR_INVAL);
    check_eq(mprotect(p, PAGE, 0x100), ERR_INVAL);
    int unmapped = mprotect(reinterpret_cast<void*>(UNMAPPED_ADDR), PAGE, PROT_READ);
    check(is_err(unmapped), "mprotect of unmapped memory returned %d", unmapped);
    check_eq(munmap(p, PAGE), 0);
}

void mmap_fixed()
{
    const int RW = PROT_READ | PROT_WRITE;
    char* p = map_anon(3 * PAGE);
    require(!mmap_failed(p), "mmap: %s", errname(map_error(p)));
    require_eq(munmap(p, 3 * PAGE), 0);
    char* q = static_cast<char*>(mmap(p, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    require(q == p, "MAP_FIXED at %p returned %p", p, q);
    q[0] = 'k';
    q[PAGE] = 'k';
    // Overlapping the existing mapping must fail, not replace it.
    void* r = mmap(p + PAGE, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check(mmap_failed(r), "overlapping MAP_FIXED returned %p", r);
    check(q[0] == 'k' && q[PAGE] == 'k', "failed MAP_FIXED changed the old mapping");
    // A hint without MAP_FIXED is only a hint: the kernel picks elsewhere.
    char* s = static_cast<char*>(mmap(p, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    check(!mmap_failed(s) && (s + PAGE <= p || s >= p + 2 * PAGE), "hinted mmap over a mapping returned %p", s);
    if (!mmap_failed(s))
        munmap(s, PAGE);
    check_eq(munmap(p, 2 * PAGE), 0);
}

void mmap_shared_fork()
{
    volatile int* shared = reinterpret_cast<int*>(map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED));
    volatile int* priv = reinterpret_cast<int*>(map_anon(PAGE));
    require(!mmap_failed((void*)shared) && !mmap_failed((void*)priv), "mmap failed");
    shared[0] = 1;
    priv[0] = 1;
    int pid = fork();
    if (pid == 0) {
        shared[0] = 42;
        priv[0] = 42;
        exit(0);
    }
    require(pid > 0, "fork: %s", errname(pid));
    check_eq(test_wait_status(pid), 0);
    check_eq(shared[0], 42);
    check_eq(priv[0], 1);
    munmap((void*)shared, PAGE);
    munmap((void*)priv, PAGE);
}

void mmap_many()
{
    constexpr int N = 100;
    static char* maps[N];
    for (int i = 0; i < N; i++) {
        maps[i] = map_anon(PAGE);
        require(!mmap_failed(maps[i]), "mapping %d: %s", i, errname(map_error(maps[i])));
        maps[i][0] = char(i);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            check(maps[i] != maps[j], "mappings %d and %d share %p", i, j, maps[i]);
    char* grown = static_cast<char*>(sbrk(16 * PAGE));
    check(!is_err(intptr_t(grown)), "sbrk after mmaps failed");
    bool intact = true;
    for (int i = 0; i < N; i++)
        intact &= maps[i][0] == char(i);
    check(intact, "mappings changed");
    for (int i = 0; i < N; i++)
        check_eq(munmap(maps[i], PAGE), 0);
}

// Write-only memory: RISC-V page tables cannot say "write but not read", so
// it is readable too (as on Linux), by the program and by system calls
// that read from it; it used to fault for ever.
void mmap_write_only()
{
    char* p = map_anon(2 * PAGE, PROT_WRITE);
    require(!mmap_failed(p), "mmap(PROT_WRITE): %s", errname(map_error(p)));
    p[0] = 'w';
    check_eq(*static_cast<volatile char*>(p), 'w');
    // A system call reads the second page, never touched, as a name.
    check_eq(unlink(p + PAGE), ERR_NOTEXIST); // "" names nothing
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[1], p, 1), 1);
    check_eq(read(fds[0], p + 1, 1), 1);
    check_eq(p[1], 'w');
    close(fds[0]);
    close(fds[1]);
    check_eq(munmap(p, 2 * PAGE), 0);
}
