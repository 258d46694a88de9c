/*
 * shmbench: the workloads of shared/BENCHMARKS.md, written with Tandem's own
 * interfaces (shm_open/ftruncate/mmap, the process-shared mutex, condition
 * variable and barrier of sync.h, fork, pipes). It mirrors the Linux anchor
 * (anchors/linux/shmbench_linux.c) workload for workload, so the two can be
 * compared as ratios in the same QEMU configuration.
 *
 * Output: one "bench <name> <value> <unit>" line per workload (or
 * "bench <name> FAIL <reason>"), then "bench done". Every workload checks
 * its own result: exact counters, checksums of the data received.
 *
 * Usage: shmbench [workload...]   (default: all, in the anchor's order)
 */
#include "include/shm.h"
#include "include/sync.h"
#include "include/ulib.h"

namespace {

constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t PAGE = 4096;

double now_ns() { return (double)clock_ns(); }

// Prints a value with one or two decimals (the formatter has no %f).
void result(const char* name, double value, int decimals, const char* unit)
{
    uint64_t scale = decimals == 2 ? 100 : 10;
    uint64_t v = (uint64_t)(value * (double)scale + 0.5);
    if (decimals == 2)
        printf("bench %s %lu.%02lu %s\n", name, (unsigned long)(v / 100), (unsigned long)(v % 100), unit);
    else
        printf("bench %s %lu.%lu %s\n", name, (unsigned long)(v / 10), (unsigned long)(v % 10), unit);
}

void fail(const char* name, const char* why, int code = 0)
{
    if (code)
        printf("bench %s FAIL %s (%s)\n", name, why, errstr(code));
    else
        printf("bench %s FAIL %s\n", name, why);
}

// Creates (or re-creates) a region of `size` bytes and maps it; the name
// keeps it alive until shm_unlink, as POSIX shared memory does.
void* region(const char* name, uint64_t size, int* fd_out)
{
    shm_unlink(name);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, 0, SHM_CEILING_RDWR, 0);
    if (fd < 0 || ftruncate(fd, size) < 0)
        return nullptr;
    void* p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mmap_failed(p))
        return nullptr;
    if (fd_out)
        *fd_out = fd;
    else
        close(fd);
    return p;
}

int spawn(void (*fn)(void*), void* arg)
{
    int pid = fork();
    if (pid == 0) {
        fn(arg);
        exit(0);
    }
    return pid;
}

int reap(int pid)
{
    int status;
    return waitpid(pid, &status) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

// ---- trap_floor and null_syscall ---------------------------------------------

// ns per call of `call`, over 200,000 calls after 10,000 to warm up.
template <typename Call> void time_calls(const char* bench, Call call)
{
    const int N = 200000, W = 10000;
    for (int i = 0; i < W; i++)
        call();
    double t0 = now_ns();
    for (int i = 0; i < N; i++)
        call();
    result(bench, (now_ns() - t0) / N, 1, "ns/op");
}

// The cheapest round trip into the kernel: the trap entry answers this call
// before it saves a register. null_syscall is judged against it.
void bench_trap_floor() { time_calls("trap_floor", [] { trap_floor(); }); }

void bench_null_syscall() { time_calls("null_syscall", [] { getpid(); }); }

// ---- memcpy_bandwidth -----------------------------------------------------

void bench_memcpy_bandwidth()
{
    const int REPS = 64, WARM = 4;
    char* a = (char*)malloc(MiB);
    char* b = (char*)malloc(MiB);
    if (!a || !b) {
        fail("memcpy_bandwidth", "malloc");
        return;
    }
    memset(a, 0x5a, MiB);
    memset(b, 0, MiB);
    for (int i = 0; i < WARM; i++)
        memcpy(b, a, MiB);
    double t0 = now_ns();
    for (int i = 0; i < REPS; i++) {
        a[i] = (char)i;
        memcpy(b, a, MiB);
    }
    double dt = now_ns() - t0;
    if (b[REPS - 1] != (char)(REPS - 1))
        fail("memcpy_bandwidth", "copy check");
    else
        result("memcpy_bandwidth", (double)REPS * MiB / dt * 1e3, 1, "MB/s");
    free(a);
    free(b);
}

// ---- lock_uncontended -----------------------------------------------------

void bench_lock_uncontended()
{
    const int N = 1000000, W = 10000;
    const char* name = "/bench_lock_unc";
    mutex_t* m = (mutex_t*)region(name, PAGE, nullptr);
    if (!m) {
        fail("lock_uncontended", "region");
        return;
    }
    mutex_init(m);
    for (int i = 0; i < W; i++) {
        mutex_lock(m);
        mutex_unlock(m);
    }
    struct proc_stats before, after;
    proc_stats(0, &before);
    double t0 = now_ns();
    for (int i = 0; i < N; i++) {
        mutex_lock(m);
        mutex_unlock(m);
    }
    double t = now_ns() - t0;
    proc_stats(0, &after);
    // Two syscalls are the clock reads around the loop... and proc_stats itself.
    uint64_t extra = after.syscalls - before.syscalls;
    if (extra > 3)
        fail("lock_uncontended", "the uncontended path made system calls");
    else
        result("lock_uncontended", t / N, 1, "ns/op");
    munmap(m, PAGE);
    shm_unlink(name);
}

// ---- lock_pingpong --------------------------------------------------------

const int PP_N = 20000, PP_W = 1000;
struct PingPong {
    mutex_t m;
    cond_t c[2]; // c[0]: the parent waits here, c[1]: the child
    int turn;
};

void pingpong_child(void* arg)
{
    auto* s = (PingPong*)arg;
    mutex_lock(&s->m);
    for (int i = 0; i < PP_W + PP_N; i++) {
        while (s->turn != 1)
            cond_wait(&s->c[1], &s->m);
        s->turn = 0;
        cond_signal(&s->c[0]);
    }
    mutex_unlock(&s->m);
}

void bench_lock_pingpong()
{
    const char* name = "/bench_pingpong";
    auto* s = (PingPong*)region(name, PAGE, nullptr);
    if (!s) {
        fail("lock_pingpong", "region");
        return;
    }
    mutex_init(&s->m);
    cond_init(&s->c[0]);
    cond_init(&s->c[1]);
    s->turn = 0;
    int pid = spawn(pingpong_child, s);
    if (pid < 0) {
        fail("lock_pingpong", "fork", pid);
        return;
    }
    double t0 = 0;
    mutex_lock(&s->m);
    for (int i = 0; i < PP_W + PP_N; i++) {
        if (i == PP_W)
            t0 = now_ns();
        s->turn = 1; // hand the token to the child
        cond_signal(&s->c[1]);
        while (s->turn != 0) // and wait for it back
            cond_wait(&s->c[0], &s->m);
    }
    double t1 = now_ns();
    mutex_unlock(&s->m);
    if (reap(pid) < 0)
        fail("lock_pingpong", "child failed");
    else
        result("lock_pingpong", (t1 - t0) / 1e3 / PP_N, 2, "us/roundtrip");
    munmap(s, PAGE);
    shm_unlink(name);
}

// ---- lock_contended -------------------------------------------------------

const int LC_P = 4, LC_N = 50000, LC_W = 1000;
struct Contended {
    mutex_t m;
    cond_t done_cv;
    barrier_t b;
    uint64_t counter;
    int done;
};

void contended_child(void* arg)
{
    auto* s = (Contended*)arg;
    for (int i = 0; i < LC_W; i++) {
        mutex_lock(&s->m);
        s->counter++;
        mutex_unlock(&s->m);
    }
    barrier_wait(&s->b); // warm-up over
    barrier_wait(&s->b); // go
    for (int i = 0; i < LC_N; i++) {
        mutex_lock(&s->m);
        s->counter++;
        mutex_unlock(&s->m);
    }
    mutex_lock(&s->m);
    s->done++;
    cond_signal(&s->done_cv);
    mutex_unlock(&s->m);
}

void bench_lock_contended()
{
    const char* name = "/bench_contended";
    auto* s = (Contended*)region(name, PAGE, nullptr);
    if (!s) {
        fail("lock_contended", "region");
        return;
    }
    mutex_init(&s->m);
    cond_init(&s->done_cv);
    barrier_init(&s->b, LC_P + 1);
    s->counter = 0;
    s->done = 0;
    int pids[LC_P];
    for (int i = 0; i < LC_P; i++)
        pids[i] = spawn(contended_child, s);
    barrier_wait(&s->b);
    uint64_t warm = s->counter;
    s->counter = 0;
    double t0 = now_ns();
    barrier_wait(&s->b);
    mutex_lock(&s->m);
    while (s->done < LC_P)
        cond_wait(&s->done_cv, &s->m);
    mutex_unlock(&s->m);
    double t1 = now_ns();
    int bad = 0;
    for (int i = 0; i < LC_P; i++)
        bad |= reap(pids[i]);
    if (bad)
        fail("lock_contended", "child failed");
    else if (warm != (uint64_t)LC_P * LC_W || s->counter != (uint64_t)LC_P * LC_N)
        printf("bench lock_contended FAIL counter %lu expected %lu\n", (unsigned long)s->counter,
               (unsigned long)LC_P * LC_N);
    else
        result("lock_contended", (t1 - t0) / ((double)LC_P * LC_N), 1, "ns/increment");
    munmap(s, PAGE);
    shm_unlink(name);
}

// ---- the data stream of the two bandwidth workloads -----------------------
// 64 KiB chunks: a fixed pseudo-random pattern whose first 8 bytes are the
// chunk's number. The receiver checksums what it gets, in order.

const uint64_t CHUNK = 64 * 1024;
const uint64_t TOTAL = 64 * MiB;
const uint64_t WARM_BYTES = 4 * MiB;
uint64_t pattern[CHUNK / 8];

void make_pattern()
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < CHUNK / 8; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pattern[i] = x;
    }
}

uint64_t checksum(uint64_t h, const void* p, uint64_t n)
{
    const uint64_t* w = (const uint64_t*)p;
    for (uint64_t i = 0; i < n / 8; i++)
        h = (h ^ w[i]) * 0x100000001b3ull;
    return h;
}

uint64_t expected_checksum(uint64_t total)
{
    static uint64_t buf[CHUNK / 8];
    memcpy(buf, pattern, CHUNK);
    uint64_t h = 0;
    for (uint64_t c = 0; c < total / CHUNK; c++) {
        buf[0] = c;
        h = checksum(h, buf, CHUNK);
    }
    return h;
}

// ---- shm_bandwidth ------------------------------------------------------------

const uint64_t RING = MiB;
struct Ring {
    mutex_t m;
    cond_t c[2]; // c[0]: data available, c[1]: space available
    barrier_t start;
    uint64_t head, tail, total; // bytes produced, consumed, to move
    char pad[PAGE - 2 * sizeof(cond_t) - sizeof(mutex_t) - sizeof(barrier_t) - 3 * sizeof(uint64_t)];
    char data[RING];
};

void ring_producer(void* arg)
{
    auto* r = (Ring*)arg;
    uint64_t total = r->total;
    barrier_wait(&r->start);
    uint64_t c = 0;
    for (uint64_t pos = 0; pos < total; c++, pos += CHUNK) {
        mutex_lock(&r->m);
        while (pos + CHUNK - r->tail > RING)
            cond_wait(&r->c[1], &r->m);
        mutex_unlock(&r->m);
        char* dst = r->data + pos % RING;
        memcpy(dst, pattern, CHUNK);
        memcpy(dst, &c, 8);
        mutex_lock(&r->m);
        r->head = pos + CHUNK;
        cond_signal(&r->c[0]);
        mutex_unlock(&r->m);
    }
}

// Moves `total` bytes from a producer to this process; returns ns.
double ring_transfer(Ring* r, uint64_t total, uint64_t* sum)
{
    r->head = r->tail = 0;
    r->total = total;
    int pid = spawn(ring_producer, r);
    if (pid < 0)
        return -1;
    uint64_t h = 0;
    barrier_wait(&r->start);
    double t0 = now_ns();
    for (uint64_t pos = 0; pos < total; pos += CHUNK) {
        mutex_lock(&r->m);
        while (r->head < pos + CHUNK)
            cond_wait(&r->c[0], &r->m);
        mutex_unlock(&r->m);
        h = checksum(h, r->data + pos % RING, CHUNK);
        mutex_lock(&r->m);
        r->tail = pos + CHUNK;
        cond_signal(&r->c[1]);
        mutex_unlock(&r->m);
    }
    double t = now_ns() - t0;
    *sum = h;
    return reap(pid) < 0 ? -1 : t;
}

void bench_shm_bandwidth()
{
    static_assert(sizeof(Ring) == PAGE + RING, "the ring's data starts on a page");
    const char* name = "/bench_ring";
    auto* r = (Ring*)region(name, sizeof(Ring), nullptr);
    if (!r) {
        fail("shm_bandwidth", "region");
        return;
    }
    mutex_init(&r->m);
    cond_init(&r->c[0]);
    cond_init(&r->c[1]);
    barrier_init(&r->start, 2);
    uint64_t h;
    double t = ring_transfer(r, WARM_BYTES, &h);
    if (t < 0 || h != expected_checksum(WARM_BYTES)) {
        fail("shm_bandwidth", "warm-up transfer/checksum");
    } else {
        t = ring_transfer(r, TOTAL, &h);
        if (t < 0)
            fail("shm_bandwidth", "producer failed");
        else if (h != expected_checksum(TOTAL))
            fail("shm_bandwidth", "checksum mismatch");
        else
            result("shm_bandwidth", TOTAL / (t / 1e3), 1, "MB/s");
    }
    munmap(r, sizeof(Ring));
    shm_unlink(name);
}

// ---- pipe_bandwidth -----------------------------------------------------------

const uint64_t PIPE_IO = 4096;
int pipe_fds[2];
uint64_t pipe_total;

void pipe_producer(void*)
{
    static uint64_t buf[CHUNK / 8];
    memcpy(buf, pattern, CHUNK);
    close(pipe_fds[0]);
    for (uint64_t c = 0; c < pipe_total / CHUNK; c++) {
        buf[0] = c;
        for (uint64_t off = 0; off < CHUNK; off += PIPE_IO)
            if (write(pipe_fds[1], (char*)buf + off, PIPE_IO) != (long)PIPE_IO)
                exit(1);
    }
    close(pipe_fds[1]);
}

double pipe_transfer(uint64_t total, uint64_t* sum)
{
    static uint64_t buf[PIPE_IO / 8];
    if (pipe(pipe_fds) < 0)
        return -1;
    pipe_total = total;
    int pid = spawn(pipe_producer, nullptr);
    if (pid < 0)
        return -1;
    close(pipe_fds[1]);
    uint64_t h = 0, got = 0;
    double t0 = now_ns();
    while (got < total) {
        uint64_t have = 0; // whole 4 KiB blocks, then checksum
        while (have < PIPE_IO) {
            long n = read(pipe_fds[0], (char*)buf + have, PIPE_IO - have);
            if (n <= 0) {
                close(pipe_fds[0]);
                reap(pid);
                return -1;
            }
            have += (uint64_t)n;
        }
        h = checksum(h, buf, PIPE_IO);
        got += PIPE_IO;
    }
    double t = now_ns() - t0;
    close(pipe_fds[0]);
    *sum = h;
    return reap(pid) < 0 ? -1 : t;
}

void bench_pipe_bandwidth()
{
    uint64_t h;
    double t = pipe_transfer(WARM_BYTES, &h);
    if (t < 0 || h != expected_checksum(WARM_BYTES)) {
        fail("pipe_bandwidth", "warm-up transfer/checksum");
        return;
    }
    t = pipe_transfer(TOTAL, &h);
    if (t < 0)
        fail("pipe_bandwidth", "transfer failed");
    else if (h != expected_checksum(TOTAL))
        fail("pipe_bandwidth", "checksum mismatch");
    else
        result("pipe_bandwidth", TOTAL / (t / 1e3), 1, "MB/s");
}

// ---- map_touch_unmap and fault_per_page -----------------------------------

void bench_map_touch_unmap()
{
    const int N = 200, W = 10;
    const uint64_t PAGES = MiB / PAGE;
    const char* name = "/bench_map";
    int fd;
    void* p = region(name, MiB, &fd);
    if (!p) {
        fail("map_touch_unmap", "region");
        fail("fault_per_page", "region");
        return;
    }
    munmap(p, MiB);
    double t0 = 0;
    bool ok = true;
    for (int i = 0; i < W + N && ok; i++) {
        if (i == W)
            t0 = now_ns();
        void* m = mmap(0, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mmap_failed(m)) {
            fail("map_touch_unmap", "mmap", (int)(intptr_t)m);
            fail("fault_per_page", "mmap", (int)(intptr_t)m);
            ok = false;
            break;
        }
        volatile char* v = (volatile char*)m;
        for (uint64_t pg = 0; pg < PAGES; pg++)
            v[pg * PAGE] = (char)i;
        munmap(m, MiB);
    }
    if (ok) {
        double per_iteration = (now_ns() - t0) / N;
        result("map_touch_unmap", per_iteration / 1e3, 2, "us/iteration");
        result("fault_per_page", per_iteration / PAGES, 1, "ns/page");
    }
    close(fd);
    shm_unlink(name);
}

// ---- create_destroy (empty and loaded) --------------------------------------

int create_destroy_one(const char* name)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, 0, SHM_CEILING_RDWR, 0);
    if (fd < 0)
        return fd;
    bool ok = ftruncate(fd, PAGE) == 0;
    void* p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ok = ok && !mmap_failed(p) && munmap(p, PAGE) == 0;
    close(fd);
    return shm_unlink(name) == 0 && ok ? 0 : -1;
}

void create_destroy(const char* bench)
{
    const int N = 2000, W = 100;
    char name[64];
    double t0 = 0;
    for (int i = 0; i < W + N; i++) {
        if (i == W)
            t0 = now_ns();
        snprintf(name, sizeof name, "/cd_%d", i);
        int r = create_destroy_one(name);
        if (r < 0) {
            fail(bench, name, r);
            return;
        }
    }
    result(bench, (now_ns() - t0) / 1e3 / N, 2, "us/op");
}

void bench_create_destroy() { create_destroy("create_destroy"); }

void bench_create_destroy_loaded()
{
    const int LOAD = 5000;
    char name[64];
    int made = 0;
    for (; made < LOAD; made++) {
        snprintf(name, sizeof name, "/load_%d", made);
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, 0, SHM_CEILING_RDWR, 0);
        if (fd < 0 || ftruncate(fd, PAGE) < 0) {
            fail("create_destroy_loaded", "creating the load", fd < 0 ? fd : 0);
            break;
        }
        close(fd);
    }
    if (made == LOAD)
        create_destroy("create_destroy_loaded");
    while (made-- > 0) {
        snprintf(name, sizeof name, "/load_%d", made);
        shm_unlink(name);
    }
}

// ---- scaling: P processes at once (BENCHMARKS.md) ---------------------------
// Each of P processes (P = 1, 2, 4) waits at a start line in shared memory,
// then does its share; the parent times from the start signal until every
// child is reaped. Reported as total throughput, higher is better. The
// choices follow the Linux anchor's (shared/anchors/linux/shmbench_linux.c).

constexpr int SCALE_CD = 400, SCALE_ITERS = 40;
constexpr uint64_t SCALE_PAGES = MiB / PAGE;

struct StartLine {
    volatile uint32_t ready;
    volatile uint32_t go;
};
StartLine* g_line;
int g_scale_shared_fd = -1; // scale_shared_fault: one 4 MiB region

void wait_start()
{
    __atomic_fetch_add(&g_line->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&g_line->go, __ATOMIC_ACQUIRE))
        ;
}

// Maps a MiB of fd at offset, writes a byte in every page, unmaps; iters times.
int touch_views(int fd, uint64_t offset, int iters)
{
    for (int i = 0; i < iters; i++) {
        void* m = mmap(0, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (long)offset);
        if (mmap_failed(m))
            return -1;
        volatile char* v = (volatile char*)m;
        for (uint64_t pg = 0; pg < SCALE_PAGES; pg++)
            v[pg * PAGE] = (char)i;
        munmap(m, MiB);
    }
    return 0;
}

void scale_create_destroy_child(void* arg)
{
    int id = (int)(intptr_t)arg;
    char name[64];
    wait_start();
    for (int i = 0; i < SCALE_CD; i++) {
        snprintf(name, sizeof name, "/sc_%d_%d", id, i);
        if (create_destroy_one(name) < 0)
            exit(1);
    }
}

void scale_fault_child(void* arg)
{
    int id = (int)(intptr_t)arg;
    char name[64];
    snprintf(name, sizeof name, "/sf_%d", id);
    int fd;
    void* p = region(name, MiB, &fd);
    if (!p)
        exit(1);
    munmap(p, MiB);
    if (touch_views(fd, 0, 2) < 0) // warm-up: the pages exist
        exit(1);
    wait_start();
    int bad = touch_views(fd, 0, SCALE_ITERS);
    close(fd);
    shm_unlink(name);
    if (bad)
        exit(1);
}

// scale_syscall (the project only, as trap_floor): the cheapest system
// call that takes the full trap path and touches nothing another process
// uses (uptime reads the clock). What P of these reach together is what
// the emulator and the host allow system-call-bound work, the ceiling the
// other scaling workloads are judged against.
constexpr int SCALE_SYSCALLS = 20000;

void scale_syscall_child(void*)
{
    wait_start();
    for (int i = 0; i < SCALE_SYSCALLS; i++)
        uptime();
}

void scale_shared_fault_child(void* arg)
{
    int id = (int)(intptr_t)arg;
    wait_start();
    if (touch_views(g_scale_shared_fd, (uint64_t)id * MiB, SCALE_ITERS) < 0)
        exit(1);
}

// Runs P children of fn; seconds from the start signal to the last reap, or -1.
double scale_run(void (*fn)(void*), int P)
{
    int pids[4];
    g_line->ready = 0;
    g_line->go = 0;
    for (int i = 0; i < P; i++)
        pids[i] = spawn(fn, (void*)(intptr_t)i);
    while (__atomic_load_n(&g_line->ready, __ATOMIC_ACQUIRE) < (uint32_t)P)
        ;
    double t0 = now_ns();
    __atomic_store_n(&g_line->go, 1, __ATOMIC_RELEASE);
    int bad = 0;
    for (int i = 0; i < P; i++)
        bad |= pids[i] < 0 || reap(pids[i]) < 0;
    return bad ? -1 : (now_ns() - t0) / 1e9;
}

void bench_scaling()
{
    static const int ps[] = {1, 2, 4};
    char name[64];
    g_line = (StartLine*)mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void* shared = region("/scale_shared", 4 * MiB, &g_scale_shared_fd);
    if (mmap_failed(g_line) || !shared) {
        fail("scale", "setup");
        return;
    }
    munmap(shared, 4 * MiB);
    for (int k = 0; k < 4; k++) // warm-up: every page of the region exists
        touch_views(g_scale_shared_fd, (uint64_t)k * MiB, 1);
    struct Scaling {
        const char* name;
        void (*child)(void*);
        double work_per_child; // thousands of operations or pages
        int decimals;
        const char* unit;
    };
    static const Scaling kinds[] = {
        {"scale_create_destroy", scale_create_destroy_child, SCALE_CD / 1e3, 2, "kops/s"},
        {"scale_fault", scale_fault_child, SCALE_ITERS * SCALE_PAGES / 1e3, 1, "kpages/s"},
        {"scale_shared_fault", scale_shared_fault_child, SCALE_ITERS * SCALE_PAGES / 1e3, 1, "kpages/s"},
    };
    // The ceiling last, so the three of BENCHMARKS.md keep their order.
    static const Scaling ceiling = {"scale_syscall", scale_syscall_child, SCALE_SYSCALLS / 1e3, 1, "kops/s"};
    auto measure = [&](const Scaling& k, int P) {
        snprintf(name, sizeof name, "%s_%d", k.name, P);
        double s = scale_run(k.child, P);
        if (s < 0)
            fail(name, "child failed");
        else
            result(name, P * k.work_per_child / s, k.decimals, k.unit);
    };
    for (int P : ps)
        for (const Scaling& k : kinds)
            measure(k, P);
    for (int P : ps)
        measure(ceiling, P);
    close(g_scale_shared_fd);
    shm_unlink("/scale_shared");
    munmap(g_line, PAGE);
}

struct Workload {
    const char* name;
    void (*run)();
};

const Workload WORKLOADS[] = {
    {"trap_floor", bench_trap_floor},
    {"null_syscall", bench_null_syscall},
    {"memcpy_bandwidth", bench_memcpy_bandwidth},
    {"lock_uncontended", bench_lock_uncontended},
    {"lock_pingpong", bench_lock_pingpong},
    {"lock_contended", bench_lock_contended},
    {"shm_bandwidth", bench_shm_bandwidth},
    {"pipe_bandwidth", bench_pipe_bandwidth},
    {"map_touch_unmap", bench_map_touch_unmap}, // also reports fault_per_page
    {"create_destroy", bench_create_destroy},
    {"create_destroy_loaded", bench_create_destroy_loaded},
    {"scaling", bench_scaling}, // scale_create_destroy_P, scale_fault_P, scale_shared_fault_P, scale_syscall_P
};

} // namespace

int main(int argc, char** argv)
{
    make_pattern();
    for (const Workload& w : WORKLOADS) {
        bool wanted = argc == 1;
        for (int i = 1; i < argc; i++)
            if (!strcmp(argv[i], w.name))
                wanted = true;
        if (wanted)
            w.run();
    }
    printf("bench done\n");
    return 0;
}
