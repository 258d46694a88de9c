/*
 * usertests: memory cases: the heap (sbrk, malloc), protection faults that
 * must kill only the faulting child, the stack and its guard, and
 * copy-on-write fork.
 */
#include "cases.h"

namespace {

// Hides a pointer's origin from the optimiser, so a deliberate bad access
// is really made.
template <typename T> T* launder_ptr(T* p)
{
    asm volatile("" : "+r"(p));
    return p;
}

bool sbrk_ok(void* p) { return !is_err(intptr_t(p)); }

void expect_killed(void (*fn)(), const char* what)
{
    int status = run_child(fn);
    check(status >= 0 && WIFKILLED(status), "%s: child status %#x, expected killed", what, status);
}

} // namespace

void sbrk_grow_shrink()
{
    char* old = static_cast<char*>(sbrk(0));
    require(sbrk_ok(old), "sbrk(0): %s", errname(int(intptr_t(old))));
    const long grow = 3 * PAGE + 100;
    char* p = static_cast<char*>(sbrk(grow));
    require(p == old, "sbrk(%ld) returned %p, old break %p", grow, p, old);
    check(static_cast<char*>(sbrk(0)) == old + grow, "break did not move");
    bool zero = true;
    for (long i = 0; i < grow; i++)
        zero &= p[i] == 0;
    check(zero, "new heap memory is not zero-filled");
    memset(p, 0x5a, size_t(grow));
    check(p[grow - 1] == 0x5a, "heap write lost");
    check(static_cast<char*>(sbrk(-grow)) == old + grow, "shrink returned the wrong old break");
    check(static_cast<char*>(sbrk(0)) == old, "break not back");
    // Growing again gives zeroed memory again, not the old contents.
    p = static_cast<char*>(sbrk(2 * PAGE));
    require(p == old, "regrow returned %p", p);
    check(p[PAGE + 10] == 0, "regrown page kept old data");
}

void sbrk_shrink_unmaps()
{
    expect_killed([] {
        // Align the break so the shrink frees whole pages of ours only.
        uintptr_t cur = uintptr_t(sbrk(0));
        sbrk(long(((cur + PAGE - 1) & ~(PAGE - 1)) - cur));
        volatile char* p = static_cast<char*>(sbrk(2 * PAGE));
        p[0] = 1;
        p[PAGE] = 1;
        sbrk(-long(2 * PAGE));
        p[PAGE] = 2; // must fault: the page is gone
        exit(0);
    }, "touch after shrink");
}

void sbrk_huge()
{
    char* before = static_cast<char*>(sbrk(0));
    void* r = sbrk(1L << 40);
    check(is_err(intptr_t(r)), "sbrk(1 TiB) returned %p", r);
    r = sbrk(0x1000000000L); // into the mmap area
    check(is_err(intptr_t(r)), "sbrk(64 GiB) returned %p", r);
    r = sbrk(-(1L << 40));
    check(is_err(intptr_t(r)), "sbrk(-1 TiB) returned %p", r);
    check(static_cast<char*>(sbrk(0)) == before, "failed sbrk moved the break");
    char* p = static_cast<char*>(sbrk(PAGE));
    check(p == before, "sbrk after failures returned %p", p);
    if (p == before)
        p[PAGE - 1] = 1;
}

void null_deref_kills_child()
{
    expect_killed([] {
        *launder_ptr(static_cast<volatile int*>(nullptr)) = 1;
        exit(0);
    }, "write to NULL");
    expect_killed([] {
        int v = *launder_ptr(reinterpret_cast<volatile int*>(0x1008));
        exit(v);
    }, "read of page 1");
    check(getpid() > 0, "the parent lives on");
}

void write_text_kills_child()
{
    expect_killed([] {
        auto* code = reinterpret_cast<volatile uint32_t*>(&write_text_kills_child);
        *launder_ptr(code) = 0;
        exit(0);
    }, "write to text");
}

namespace {
const char g_readonly_message[] = "rodata must stay read-only";
}

void write_rodata_kills_child()
{
    expect_killed([] {
        auto* p = const_cast<volatile char*>(launder_ptr(g_readonly_message));
        p[0] = 'R';
        exit(0);
    }, "write to rodata");
}

namespace {
// "ret" (c.jr ra) twice: harmless if it ever ran.
uint16_t g_data_code[4] = {0x8082, 0x8082, 0, 0};
} // namespace

void exec_data_kills_child()
{
    expect_killed([] {
        auto fn = reinterpret_cast<void (*)()>(launder_ptr(g_data_code));
        fn(); // data is not executable
        exit(0);
    }, "jump into data");
}

namespace {
// Recurses through `depth` frames of about 4 KiB each.
__attribute__((noinline)) long deep(int depth)
{
    volatile char frame[4000];
    frame[0] = char(depth);
    frame[sizeof frame - 1] = char(depth);
    if (depth == 0)
        return frame[0];
    return deep(depth - 1) + frame[sizeof frame - 1];
}
} // namespace

void stack_grows()
{
    // 768 KiB of a 1 MiB stack: the stack must grow on demand.
    int status = run_child([] {
        deep(190);
        exit(0);
    });
    check_eq(status, 0);
}

void stack_overflow_kills_child()
{
    expect_killed([] { exit(int(deep(1 << 20))); }, "stack overflow");
}

namespace {
constexpr size_t COW_PAGES = 256;
uint32_t g_cow[COW_PAGES * PAGE / 4];

void fill(uint32_t seed)
{
    for (size_t i = 0; i < sizeof g_cow / 4; i++)
        g_cow[i] = seed + uint32_t(i);
}

bool holds(uint32_t seed)
{
    for (size_t i = 0; i < sizeof g_cow / 4; i++)
        if (g_cow[i] != seed + uint32_t(i))
            return false;
    return true;
}
} // namespace

void cow_fork()
{
    fill(1000);
    char* heap = static_cast<char*>(malloc(10000));
    require(heap, "malloc");
    memset(heap, 'p', 10000);
    int go[2], done[2];
    require_eq(pipe(go), 0);
    require_eq(pipe(done), 0);
    int pid = fork();
    if (pid == 0) {
        char c;
        int ok = holds(1000) && heap[9999] == 'p';
        fill(2000); // the child's own copy
        memset(heap, 'c', 10000);
        ok = ok && holds(2000);
        write(done[1], "x", 1);
        read(go[0], &c, 1); // the parent writes now; we must not see it
        ok = ok && holds(2000) && heap[0] == 'c';
        exit(ok ? 0 : 1);
    }
    require(pid > 0, "fork: %s", errname(pid));
    char c;
    read(done[0], &c, 1);
    check(holds(1000), "the child's writes reached the parent");
    check(heap[0] == 'p', "the child's heap writes reached the parent");
    fill(3000);
    write(go[1], "x", 1);
    check_eq(test_wait_status(pid), 0);
    check(holds(3000), "parent lost its own writes");
    free(heap);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
}

void cow_fork_is_lazy()
{
    fill(7); // 256 private, resident pages
    int hold[2];
    require_eq(pipe(hold), 0);
    uint64_t before = test_available_pages();
    int pid = fork();
    if (pid == 0) {
        close(hold[1]); // else our own copy keeps the pipe from ending
        char c;
        read(hold[0], &c, 1);
        exit(holds(7) ? 0 : 1);
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(10);
    uint64_t after = test_available_pages();
    long used = long(before) - long(after);
    // Page tables, a kernel stack and a few written pages, not 256 copies.
    check(used < long(COW_PAGES / 4), "fork of a process with %zu resident pages used %ld pages", COW_PAGES, used);
    close(hold[1]);
    check_eq(test_wait_status(pid), 0);
    close(hold[0]);
}

void malloc_integrity()
{
    constexpr int N = 200;
    static char* blocks[N];
    static size_t sizes[N];
    char* brk_after_first = nullptr;
    for (int round = 0; round < 2; round++) {
        uint32_t rng = 12345; // the same requests both rounds
        for (int i = 0; i < N; i++) {
            sizes[i] = 1 + next_random(&rng) % 5000;
            blocks[i] = static_cast<char*>(malloc(sizes[i]));
            require(blocks[i], "malloc(%zu) failed", sizes[i]);
            check((uintptr_t(blocks[i]) & 15) == 0, "malloc returned unaligned %p", blocks[i]);
            memset(blocks[i], i & 0xff, sizes[i]);
        }
        for (int i = 0; i < N; i += 2) { // free half, then grow the rest
            free(blocks[i]);
            blocks[i] = nullptr;
        }
        for (int i = 1; i < N; i += 4) {
            blocks[i] = static_cast<char*>(realloc(blocks[i], sizes[i] * 2));
            require(blocks[i], "realloc failed");
        }
        for (int i = 1; i < N; i += 2) {
            bool intact = true;
            for (size_t j = 0; j < sizes[i]; j++)
                intact &= blocks[i][j] == char(i & 0xff);
            check(intact, "block %d corrupted", i);
            free(blocks[i]);
        }
        // With everything freed and merged, the second round reuses the heap.
        if (round == 0)
            brk_after_first = static_cast<char*>(sbrk(0));
    }
    check(static_cast<char*>(sbrk(0)) == brk_after_first, "heap grew from %p to %p on the second round",
          brk_after_first, sbrk(0));
    int* zeros = static_cast<int*>(calloc(1000, sizeof(int)));
    require(zeros, "calloc");
    bool all_zero = true;
    for (int i = 0; i < 1000; i++)
        all_zero &= zeros[i] == 0;
    check(all_zero, "calloc memory not zeroed");
    free(zeros);
    check(calloc(~size_t(0) / 2, 4) == nullptr, "calloc overflow not caught");
    check(malloc(~size_t(0)) == nullptr, "malloc(SIZE_MAX) succeeded");
    free(nullptr);
    void* big = malloc(1 << 20);
    check(big != nullptr, "malloc(1 MiB) failed");
    free(big);
}
