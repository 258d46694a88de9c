/*
 * killtests: killing processes that fork and exec, talk through pipes, or
 * write files; and one storm where everything above happens at once. The
 * process table, the pipes' memory and the disk must come back, and the
 * file system must stay consistent (a file written after the storm reads
 * back whole, and space freed by the dead is reusable).
 */
#include "cases.h"

namespace {

struct ProcShared {
    volatile uint32_t stop;
    volatile uint32_t done;
};

// Forks children that exit or exec /bin/echoargs, and reaps them.
void forker(int index, void* arg)
{
    auto* sh = static_cast<ProcShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0xf0f0, uint64_t(getpid()));
    char* argv[] = {const_cast<char*>("echoargs"), const_cast<char*>("x"), nullptr};
    while (!sh->stop) {
        int pid = fork();
        if (pid == 0) {
            if (rng.chance(50)) {
                // echoargs prints its arguments: not on the console.
                close(1);
                open("/dev/null", O_WRONLY);
                exec("/bin/echoargs", argv);
                exit(1);
            }
            char* p = static_cast<char*>(sbrk(long(rng.range(1, 16)) * long(PAGE)));
            if (!is_err(intptr_t(p)))
                p[0] = char(index);
            exit(0);
        }
        if (pid == ERR_NORES || pid == ERR_NOMEM) {
            sleep(5); // the table is full for a moment
            continue;
        }
        require(pid > 0, "fork: %s", errname(pid));
        stress::reap(pid);
        stress::atomic_add(&sh->done, 1u);
    }
}

// Pipes between parent and child, killed mid-transfer.
void piper(int index, void* arg)
{
    auto* sh = static_cast<ProcShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0x919e, uint64_t(getpid()));
    static char buf[8192];
    while (!sh->stop) {
        int fds[2];
        require_eq(pipe(fds), 0);
        int pid = fork();
        if (pid == 0) {
            close(fds[0]);
            for (int k = 0; k < 64; k++)
                if (write(fds[1], buf, sizeof buf) < 0)
                    break;
            exit(0);
        }
        close(fds[1]);
        size_t want = size_t(rng.range(1, 64)) * sizeof buf;
        size_t got = 0;
        while (got < want) {
            long n = read(fds[0], buf, sizeof buf);
            if (n <= 0)
                break;
            got += size_t(n);
        }
        close(fds[0]); // the writer may now get ERR_PIPE
        if (pid > 0)
            stress::reap(pid);
        stress::atomic_add(&sh->done, 1u);
    }
    (void)index;
}

// Writes, rewrites and removes files of its own.
void file_writer(int index, void* arg)
{
    auto* sh = static_cast<ProcShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0xf11e, uint64_t(getpid()));
    static char buf[16384];
    char path[32];
    while (!sh->stop) {
        snprintf(path, sizeof path, "/tmp/kt.%d.%d", index, int(rng.below(3)));
        int fd = open(path, O_RDWR | O_CREAT | (rng.chance(50) ? O_TRUNC : O_APPEND));
        if (fd < 0) {
            check(fd == ERR_NOSPC, "open %s: %s", path, errname(fd));
            unlink(path);
            continue;
        }
        size_t n = size_t(rng.range(1, sizeof buf));
        memset(buf, 'a' + index, n);
        long w = write(fd, buf, n);
        check(w == long(n) || w == ERR_NOSPC || (w >= 0 && w < long(n)), "write %s: %ld", path, w);
        close(fd);
        if (rng.chance(30))
            unlink(path);
        stress::atomic_add(&sh->done, 1u);
    }
}

void remove_files()
{
    char path[32];
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "/tmp/kt.%d.%d", i, k);
            unlink(path);
        }
}

// The file system after the storm: a fresh file of 256 KiB writes and
// reads back whole.
void check_file_system()
{
    static char buf[16384];
    static char back[16384];
    int fd = open("/tmp/kt.after", O_RDWR | O_CREAT | O_TRUNC);
    require(fd >= 0, "open after the storm: %s", errname(fd));
    for (int k = 0; k < 16; k++) {
        memset(buf, 'A' + k, sizeof buf);
        require_eq(write(fd, buf, sizeof buf), long(sizeof buf));
    }
    require_eq(lseek(fd, 0, SEEK_SET), 0);
    for (int k = 0; k < 16; k++) {
        require_eq(read(fd, back, sizeof back), long(sizeof back));
        check(back[0] == 'A' + k && back[sizeof back - 1] == 'A' + k, "block %d reads back wrong", k);
    }
    close(fd);
    check_eq(unlink("/tmp/kt.after"), 0);
}

} // namespace

void kill_forkers_and_execers()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ProcShared*>(shared_or_fail(PAGE));
    Crowd crowd{6, forker, sh, &sh->stop, 3000, 5, 30};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u children reaped\n", kills, sh->done);
    check(sh->done > 10, "only %u children", sh->done);
    munmap(sh, PAGE);
}

void kill_pipe_users()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ProcShared*>(shared_or_fail(PAGE));
    Crowd crowd{6, piper, sh, &sh->stop, 3000, 5, 30};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u transfers\n", kills, sh->done);
    munmap(sh, PAGE);
}

void kill_file_writers()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<ProcShared*>(shared_or_fail(PAGE));
    mkdir("/tmp");
    Crowd crowd{6, file_writer, sh, &sh->stop, 3000, 5, 40};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u writes\n", kills, sh->done);
    remove_files();
    check_file_system();
    munmap(sh, PAGE);
}

namespace {
struct StormShared {
    volatile uint32_t stop;
    volatile uint32_t done;
    uint32_t pad[2];
    mutex_t mutex;
    volatile uint32_t word;
};

void stormer(int index, void* arg)
{
    auto* sh = static_cast<StormShared*>(arg);
    Rng rng = Rng::stream(g_seed ^ 0x5707, uint64_t(getpid()));
    void* view = nullptr;
    while (!sh->stop) {
        switch (rng.below(6)) {
        case 0: {
            int r = mutex_lock(&sh->mutex);
            if (r == ERR_OWNERDEAD)
                mutex_consistent(&sh->mutex);
            sleep(1);
            mutex_unlock(&sh->mutex);
            break;
        }
        case 1:
            if (!view && createMapping("kt.storm", &view) != ERR_OK)
                view = nullptr;
            if (view) {
                int r = lockSharedRegion("kt.storm");
                check(r == ERR_OK || r == ERR_ABANDONED, "lockSharedRegion: %s", errname(r));
                static_cast<volatile char*>(view)[rng.below(4 * PAGE)] = char(index);
                unlockSharedRegion("kt.storm");
            }
            break;
        case 2:
            futex_wait(const_cast<uint32_t*>(&sh->word), sh->word, deadline_after_ms(rng.range(1, 10)));
            break;
        case 3: {
            int pid = fork();
            if (pid == 0)
                exit(0);
            if (pid > 0)
                stress::reap(pid);
            break;
        }
        case 4: {
            int fd = shm_open("kt.storm.h", O_RDWR | O_CREAT, 2 * PAGE, 0, nullptr);
            if (fd >= 0) {
                void* p = mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (!mmap_failed(p))
                    *static_cast<volatile char*>(p) = 1;
                if (rng.chance(50))
                    close(fd);
            }
            break;
        }
        default:
            if (view && rng.chance(50)) {
                destroyMapping("kt.storm", view);
                view = nullptr;
            }
            futex_wake(const_cast<uint32_t*>(&sh->word), 1);
            break;
        }
        stress::atomic_add(&sh->done, 1u);
    }
}
} // namespace

// Everything at once: mutexes, the region lock, futexes, forks, handles
// and views, with kills every few milliseconds.
void kill_everything_at_once()
{
    Rng rng = case_rng(__func__);
    auto* sh = static_cast<StormShared*>(shared_or_fail(PAGE));
    mutex_init(&sh->mutex);
    require_eq(createSharedRegion("kt.storm", 4 * PAGE, 0), ERR_OK);
    Crowd crowd{10, stormer, sh, &sh->stop, 4000, 2, 20};
    int kills = run_crowd(crowd, rng);
    printf("    %d kills, %u operations\n", kills, sh->done);
    int r = mutex_lock(&sh->mutex);
    check(r == ERR_OK || r == ERR_OWNERDEAD, "mutex after the storm: %s", errname(r));
    if (r == ERR_OWNERDEAD)
        mutex_consistent(&sh->mutex);
    mutex_unlock(&sh->mutex);
    check_eq(destroySharedRegion("kt.storm"), ERR_OK);
    check_eq(shm_open("kt.storm.h", O_RDONLY, 0, 0, nullptr), ERR_NOTEXIST);
    munmap(sh, PAGE);
}
