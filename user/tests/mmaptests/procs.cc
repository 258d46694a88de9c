/*
 * mmaptests: several processes. Processes that map one file separately
 * share its pages; fork passes file views on (shared views stay shared,
 * private ones copy on write); a write-back by one process takes write
 * access away in every other process too, so their next stores are seen
 * as new; many writers and syncers at once lose no store.
 */
#include "cases.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;
const char* g_path;
volatile int* g_flag;
char* g_shared;
char* g_private;

// Spins (without sleeping, so that on several harts the process keeps
// running with its TLB warm) until *p == value; false after 10 s.
bool spin_for(volatile int* p, int value)
{
    uint64_t end = uptime() + 10000;
    while (*p != value)
        if (uptime() > end)
            return false;
    return true;
}
} // namespace

void two_processes_share()
{
    g_path = "/mt_twoproc";
    int fd = make_file(g_path, PAGE, 101);
    volatile int* words = reinterpret_cast<volatile int*>(map_or_stop(fd, PAGE, RW, MAP_SHARED, 0));
    words[0] = 0;
    words[1] = 0;
    int pid = test_spawn(
        [](void*) {
            // A separate open and mmap: only the file connects the two.
            int fd = open_or_stop(g_path, O_RDWR);
            volatile int* w = reinterpret_cast<volatile int*>(map_or_stop(fd, PAGE, RW, MAP_SHARED, 0));
            check(test_wait_for(w, 1, 10000), "the parent's store never arrived");
            int v = 0;
            check_eq(read_at(fd, &v, sizeof v, 0), long(sizeof v));
            check_eq(v, 1);
            w[1] = 2;
            close(fd);
        },
        nullptr);
    words[0] = 1;
    check(test_wait_for(words + 1, 2, 10000), "the child's store never arrived");
    int v = 0;
    check_eq(read_at(fd, &v, sizeof v, sizeof v), long(sizeof v));
    check_eq(v, 2);
    test_expect_child_ok(pid, "mapping child");
    check_eq(munmap(const_cast<int*>(words), PAGE), 0);
    close(fd);
    unlink(g_path);
}

void fork_inherits_file_views()
{
    const char* path = "/mt_fork";
    int fd = make_file(path, 2 * PAGE, 103);
    g_shared = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    g_private = map_or_stop(fd, 2 * PAGE, RW, MAP_PRIVATE, 0);
    g_shared[0] = 'A';
    g_private[PAGE] = 'a';
    int status = run_child([] {
        check(g_shared[0] == 'A', "the child does not see the shared store");
        check(g_private[PAGE] == 'a', "the child does not see its parent's private copy");
        g_shared[1] = 'B';
        g_private[PAGE + 1] = 'b';
        exit(test_failures() ? 1 : 0);
    });
    check_eq(status, 0);
    check(g_shared[1] == 'B', "the child's shared store is not seen");
    check(g_private[PAGE + 1] == char(pattern(103, PAGE + 1)), "the child's private store leaked to the parent");
    char c = 0;
    check_eq(read_at(fd, &c, 1, 1), 1);
    check(c == 'B', "the child's shared store is not in the file");
    check_eq(munmap(g_private, 2 * PAGE), 0);
    check_eq(munmap(g_shared, 2 * PAGE), 0);
    close(fd);
    unlink(path);
}

void fork_child_write_dirties_again()
{
    const char* path = "/mt_forkdirty";
    int fd = make_file(path, PAGE, 105);
    g_shared = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
    g_flag = test_shared_page();
    *g_flag = 0;
    g_shared[0] = 1; // writable and dirty in the parent before the fork
    int pid = test_spawn(
        [](void*) {
            spin_for(g_flag, 1);
            g_shared[0] = 2; // must be seen as a new write
            *g_flag = 2;
            spin_for(g_flag, 3);
        },
        nullptr);
    check_eq(msync(g_shared, PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(g_shared), 0);
    *g_flag = 1;
    check(test_wait_for(g_flag, 2, 10000), "the child did not store");
    check_eq(dirty_pages_at(g_shared), 1);
    check(g_shared[0] == 2, "the child's store is not seen");
    *g_flag = 3;
    test_expect_child_ok(pid, "storing child");
    test_free_shared_page(g_flag);
    check_eq(munmap(g_shared, PAGE), 0);
    close(fd);
    unlink(path);
}

void msync_revokes_other_process()
{
    // The child has the page writable (its TLB may hold it: it keeps
    // running); the parent's msync cleans the page, so the child's next
    // store must fault and dirty it again.
    g_path = "/mt_revoke";
    int fd = make_file(g_path, PAGE, 107);
    char* p = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
    g_flag = test_shared_page();
    *g_flag = 0;
    int pid = test_spawn(
        [](void*) {
            int fd = open_or_stop(g_path, O_RDWR);
            volatile char* q = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
            q[0] = 'x';
            *g_flag = 1;
            spin_for(g_flag, 2);
            q[1] = 'y';
            *g_flag = 3;
            spin_for(g_flag, 4);
            close(fd);
        },
        nullptr);
    check(test_wait_for(g_flag, 1, 10000), "the child did not store");
    check_eq(dirty_pages_at(p), 1);
    check_eq(msync(p, PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 0);
    *g_flag = 2;
    check(test_wait_for(g_flag, 3, 10000), "the child did not store again");
    check_eq(dirty_pages_at(p), 1);
    check(p[0] == 'x' && p[1] == 'y', "the child's stores are not seen");
    *g_flag = 4;
    test_expect_child_ok(pid, "storing child");
    test_free_shared_page(g_flag);
    check_eq(munmap(p, PAGE), 0);
    close(fd);
    unlink(g_path);
}

namespace {
constexpr int WRITERS = 4;
constexpr int ROUNDS = 3000;

void writer(void* arg)
{
    int k = int(intptr_t(arg));
    int fd = open_or_stop(g_path, O_RDWR);
    volatile int* w = reinterpret_cast<volatile int*>(map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0));
    for (int i = 1; i <= ROUNDS; i++) {
        w[k * 16] = i;                    // page 0: everyone's slots
        w[PAGE / sizeof(int) + k * 16] = i; // page 1
        if (i % 64 == k)
            msync(const_cast<int*>(w), 2 * PAGE, MS_SYNC);
    }
    __atomic_fetch_add(g_flag, 1, __ATOMIC_SEQ_CST);
    close(fd);
}

void syncer(void*)
{
    int fd = open_or_stop(g_path, O_RDWR);
    char* p = map_or_stop(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    while (*g_flag < WRITERS)
        msync(p, 2 * PAGE, MS_SYNC);
    close(fd);
}
} // namespace

void concurrent_writers_and_syncers()
{
    g_path = "/mt_storm";
    uint64_t cache = filecache_pages();
    close(make_file(g_path, 2 * PAGE, 0));
    g_flag = test_shared_page();
    *g_flag = 0;
    int pids[WRITERS + 1];
    for (int k = 0; k < WRITERS; k++)
        pids[k] = test_spawn(writer, reinterpret_cast<void*>(intptr_t(k)));
    pids[WRITERS] = test_spawn(syncer, nullptr);
    for (int k = 0; k <= WRITERS; k++)
        test_expect_child_ok(pids[k], k < WRITERS ? "writer" : "syncer");
    test_free_shared_page(g_flag);
    for (int i = 0; i < 100 && filecache_pages() > cache; i++)
        sleep(10);
    check(filecache_pages() <= cache, "the file's cache did not go");
    int fd = open_or_stop(g_path, O_RDONLY);
    int words[2 * PAGE / sizeof(int)];
    check_eq(read_at(fd, words, sizeof words, 0), long(sizeof words));
    for (int k = 0; k < WRITERS; k++) {
        check(words[k * 16] == ROUNDS, "writer %d's slot in page 0 holds %d on the disk", k, words[k * 16]);
        check(words[PAGE / sizeof(int) + k * 16] == ROUNDS, "writer %d's slot in page 1 holds %d", k,
              words[PAGE / sizeof(int) + k * 16]);
    }
    close(fd);
    unlink(g_path);
}
