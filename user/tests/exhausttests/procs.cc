/*
 * exhausttests: the process table, kernel objects (pipes), and descriptor
 * tables. Filling each gives a clean error (ERR_NORES, ERR_NOMEM,
 * ERR_MFILE), the rest of the system keeps working meanwhile, and all of
 * it comes back.
 */
#include "cases.h"

namespace {
// Children that wait for EOF on a pipe, then exit.
int fork_waiter(int read_fd, int write_fd)
{
    int pid = fork();
    if (pid == 0) {
        close(write_fd);
        char c;
        read(read_fd, &c, 1);
        exit(0);
    }
    return pid;
}
} // namespace

void exhaust_process_table()
{
    for (int round = 0; round < 2; round++) {
        int fds[2];
        require_eq(pipe(fds), 0);
        static int pids[NPROC];
        int n = 0;
        int error = 0;
        for (;;) {
            int pid = fork_waiter(fds[0], fds[1]);
            if (pid < 0) {
                error = pid;
                break;
            }
            if (!check(n < NPROC, "more than %d processes", NPROC))
                break;
            pids[n++] = pid;
        }
        check(error == ERR_NORES || error == ERR_NOMEM, "fork at the limit: %s", errname(error));
        struct meminfo m;
        check_eq(meminfo(&m), 0);
        if (error == ERR_NORES)
            check(m.processes == NPROC, "fork failed with %lu processes of %d", (unsigned long)m.processes, NPROC);
        // The full table does not stop anything else.
        int fd = open("/README", O_RDONLY);
        check(fd >= 0, "open with the table full: %s", errname(fd));
        if (fd >= 0)
            close(fd);
        int p2[2];
        check_eq(pipe(p2), 0);
        close(p2[0]);
        close(p2[1]);
        check_eq(createSharedRegion("ex.full", PAGE, 0), ERR_OK);
        check_eq(destroySharedRegion("ex.full"), ERR_OK);
        // Release them.
        close(fds[1]);
        close(fds[0]);
        for (int i = 0; i < n; i++)
            check_eq(stress::reap(pids[i]), 0);
        printf("    round %d: %d children, then %s\n", round, n, errname(error));
    }
    int pid = fork();
    if (pid == 0)
        exit(7);
    check_eq(stress::reap(pid), 7 << 8);
}

namespace {
struct BombShared {
    volatile uint32_t made;
    volatile uint32_t failed;
    volatile uint32_t bad_error;
    volatile uint32_t done;
};
BombShared* g_bomb;

// Forks two children (each of which does the same) until fork fails, then
// waits for the go (EOF on the pipe), reaps its children, and exits.
void bomb(int read_fd, int write_fd, int depth)
{
    int kids[2] = {0, 0};
    for (int k = 0; k < 2 && depth < 12; k++) {
        int pid = fork();
        if (pid == 0) {
            bomb(read_fd, write_fd, depth + 1);
            exit(0);
        }
        if (pid < 0) {
            stress::atomic_add(&g_bomb->failed, 1u);
            if (pid != ERR_NORES && pid != ERR_NOMEM)
                stress::atomic_add(&g_bomb->bad_error, 1u);
            break;
        }
        kids[k] = pid;
        stress::atomic_add(&g_bomb->made, 1u);
    }
    close(write_fd);
    char c;
    read(read_fd, &c, 1);
    for (int pid : kids)
        if (pid > 0)
            stress::reap(pid);
}
} // namespace

// A fork bomb: a tree of processes, each forking until the table is full.
void exhaust_process_table_fork_bomb()
{
    g_bomb = static_cast<BombShared*>(shared_or_fail(PAGE));
    int fds[2];
    require_eq(pipe(fds), 0);
    int root = fork();
    if (root == 0) {
        bomb(fds[0], fds[1], 0);
        exit(0);
    }
    require(root > 0, "fork");
    // Until the tree stops growing.
    for (uint32_t last = ~0u; last != g_bomb->made;) {
        last = g_bomb->made;
        sleep(500);
    }
    check(g_bomb->failed > 0, "the bomb never hit the limit (%u processes)", g_bomb->made);
    check_eq(g_bomb->bad_error, 0);
    close(fds[1]);
    close(fds[0]);
    check_eq(stress::reap(root), 0);
    // (The framework checks that every process is gone.)
    printf("    %u processes, %u forks refused\n", g_bomb->made + 1, g_bomb->failed);
    munmap(g_bomb, PAGE);
}

namespace {
struct PipeShared {
    volatile uint32_t pipes;
    volatile uint32_t nomem;
    volatile uint32_t mfile;
    volatile uint32_t bad;
    volatile uint32_t done;
};
} // namespace

// Pipes (each with a kernel buffer) until kernel memory runs out, with a
// hog holding most of the memory.
void exhaust_kernel_objects_pipes()
{
    auto* sh = static_cast<PipeShared*>(shared_or_fail(PAGE));
    uint64_t avail = probe_memory();
    auto* progress = static_cast<volatile uint64_t*>(shared_or_fail(PAGE));
    stress::prefault_process_table(); // read below with memory exhausted
    // Leave room for a few hundred pipes.
    int hog = start_hog(progress, avail > 2048 ? avail - 1536 : avail / 2);
    for (uint64_t last = ~0ull; last != *progress;) {
        last = *progress;
        sleep(200);
    }
    constexpr int N = 24;
    int pids[N];
    int made = 0;
    for (int k = 0; k < N; k++) {
        int pid = fork();
        if (pid == 0) {
            for (;;) {
                int fds[2];
                int r = pipe(fds);
                if (r == ERR_MFILE) {
                    stress::atomic_add(&sh->mfile, 1u);
                    break;
                }
                if (r == ERR_NOMEM) {
                    stress::atomic_add(&sh->nomem, 1u);
                    break;
                }
                if (r != ERR_OK) {
                    stress::atomic_add(&sh->bad, 1u);
                    break;
                }
                stress::atomic_add(&sh->pipes, 1u);
            }
            stress::atomic_add(&sh->done, 1u);
            for (;;)
                sleep(1000);
        }
        if (pid < 0)
            break; // memory is short for processes too: fine
        pids[made++] = pid;
    }
    // Until every child has stopped at its limit, or was killed (no
    // memory left even for its own stack).
    for (int waited = 0; waited < 30000; waited += 20) {
        int running = 0;
        for (int k = 0; k < made; k++)
            running += stress::process_alive(pids[k]);
        if (sh->done + uint32_t(made - running) >= uint32_t(made))
            break;
        sleep(20);
    }
    check_eq(sh->bad, 0);
    printf("    %u pipes in %d processes: %u stopped at ERR_NOMEM, %u at ERR_MFILE\n", sh->pipes, made, sh->nomem,
           sh->mfile);
    for (int k = 0; k < made; k++)
        stop(pids[k]);
    stop(hog);
    // The memory is back: a new hog gets as much as before.
    uint64_t again = probe_memory();
    check(again + 64 >= avail, "memory %lu pages before, %lu after", (unsigned long)avail, (unsigned long)again);
    munmap(const_cast<uint64_t*>(progress), PAGE);
    munmap(sh, PAGE);
}

// Handles until the descriptor table is full: the refused shm_open
// creates nothing, and closing them all frees every region.
void exhaust_handles_leak_nothing()
{
    stress::Counts before = stress::counts();
    char name[32];
    int opened = 0;
    int r = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "ex.fd.%d", i);
        r = shm_open(name, O_RDWR | O_CREAT | O_EXCL, PAGE, 0, nullptr);
        if (r < 0)
            break;
        opened++;
    }
    check_eq(r, ERR_MFILE);
    snprintf(name, sizeof name, "ex.fd.%d", opened);
    check_eq(shm_open(name, O_RDONLY, 0, 0, nullptr), ERR_MFILE); // no descriptor to say otherwise
    struct meminfo m;
    check_eq(meminfo(&m), 0);
    check_eq(m.shm_regions, before.regions + uint64_t(opened));
    for (int fd = 3; fd < 64; fd++)
        close(fd);
    // The refused name was not created.
    int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    check_eq(fd, ERR_NOTEXIST);
    stress::Counts after = stress::settle_regions(before);
    check(after.regions == before.regions && after.quota == before.quota, "regions %lu -> %lu, quota %lu -> %lu",
          (unsigned long)before.regions, (unsigned long)after.regions, (unsigned long)before.quota,
          (unsigned long)after.quota);
}
