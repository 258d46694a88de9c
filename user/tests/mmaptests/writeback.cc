/*
 * mmaptests: write-back. A page written through a shared view is dirty
 * (shm_maps reports dirty pages per view) until it is written to the disk:
 * by msync, by munmap, at exit (killed or not), or when a descriptor of the
 * file is closed. After a write-back the page is clean and read-only
 * again, so the next store faults and dirties it once more.
 *
 * "On the disk" is checked by letting go of the file entirely (its page
 * cache goes with its last reference, see filecache_pages) and reading it
 * again; the reboot test (mmapreboot) checks the same across a power-off.
 */
#include "cases.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;

// Waits until the file cache is back to `pages` (an exiting child drops
// its references a moment after its parent's wait may return).
bool cache_back_to(uint64_t pages)
{
    for (int i = 0; i < 100 && filecache_pages() > pages; i++)
        sleep(10);
    return check(filecache_pages() <= pages, "the file cache holds %lu pages, %lu before",
                 (unsigned long)filecache_pages(), (unsigned long)pages);
}

// Reads n bytes at off of path with a fresh descriptor.
void read_fresh(const char* path, void* buf, size_t n, long off)
{
    int fd = open_or_stop(path, O_RDONLY);
    check_eq(read_at(fd, buf, n, off), long(n));
    close(fd);
}

const char* g_path;
volatile int* g_flag;
} // namespace

void dirty_pages_tracked()
{
    const char* path = "/mt_dirty";
    int fd = make_file(path, 4 * PAGE, 73);
    char* p = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    check_eq(dirty_pages_at(p), 0);
    volatile char sink = p[0]; // a read does not dirty
    (void)sink;
    check_eq(dirty_pages_at(p), 0);
    p[0] = 1;
    p[2 * PAGE + 3] = 1;
    check_eq(dirty_pages_at(p), 2);
    check_eq(msync(p, 4 * PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 0);
    p[0] = 2;
    check_eq(dirty_pages_at(p), 1);
    // write() goes to the disk itself: it cleans nothing and dirties nothing.
    check_eq(write_at(fd, "w", 1, PAGE), 1);
    check_eq(dirty_pages_at(p), 1);
    // A private view never has dirty pages.
    char* priv = map_or_stop(fd, PAGE, RW, MAP_PRIVATE, 0);
    priv[1] = 3;
    check_eq(dirty_pages_at(priv), 1); // the file's page, seen through this range
    check_eq(munmap(priv, PAGE), 0);
    check_eq(msync(p, PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 0);
    check_eq(munmap(p, 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void msync_write_protects()
{
    const char* path = "/mt_protect";
    int fd = make_file(path, 4 * PAGE, 75);
    volatile char* p = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    (void)fault_count();
    uint64_t a = fault_count();
    p[0] = 1; // not present: one fault maps it writable and dirty
    uint64_t b = fault_count();
    p[1] = 2; // writable now: no fault
    uint64_t c = fault_count();
    check_eq(msync(const_cast<char*>(p), 4 * PAGE, MS_SYNC), 0);
    uint64_t d = fault_count();
    p[2] = 3; // read-only again: a fault dirties it
    uint64_t e = fault_count();
    (void)p[PAGE]; // a read maps it read-only...
    uint64_t f = fault_count();
    p[PAGE] = 4; // ...so the first store faults again
    uint64_t g = fault_count();
    check_eq(b - a, 1);
    check_eq(c - b, 0);
    check_eq(e - d, 1);
    check_eq(f - e, 1);
    check_eq(g - f, 1);
    check_eq(dirty_pages_at(const_cast<char*>(p)), 2);
    check_eq(munmap(const_cast<char*>(p), 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void msync_subrange()
{
    const char* path = "/mt_subrange";
    int fd = make_file(path, 4 * PAGE, 77);
    char* p = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    for (int i = 0; i < 4; i++)
        p[i * PAGE] = char('0' + i);
    check_eq(dirty_pages_at(p), 4);
    check_eq(msync(p + PAGE, 2 * PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 2);
    // A length that ends inside a page covers that page.
    check_eq(msync(p, 1, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 1);
    check_eq(msync(p, 4 * PAGE, 0), 0); // flags 0 is a synchronous msync too
    check_eq(dirty_pages_at(p), 0);
    check_eq(munmap(p, 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void msync_errors()
{
    const char* path = "/mt_msyncerr";
    int fd = make_file(path, 2 * PAGE, 81);
    char* p = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    check_eq(msync(p + 1, PAGE, MS_SYNC), ERR_INVAL);
    check_eq(msync(p, PAGE, 0x100), ERR_INVAL);
    check_eq(msync(p, 0, MS_SYNC), ERR_INVAL);
    check_eq(msync(reinterpret_cast<void*>(0x800000000), PAGE, MS_SYNC), ERR_NOMEM);
    check_eq(msync(p, 3 * PAGE, MS_SYNC), ERR_NOMEM); // runs past the view
    char* anon = static_cast<char*>(mmap(nullptr, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(anon), "anonymous mmap");
    anon[0] = 1;
    check_eq(msync(anon, PAGE, MS_SYNC), 0); // nothing to write: fine
    munmap(anon, PAGE);
    char* ro = map_or_stop(fd, PAGE, PROT_READ, MAP_SHARED, 0);
    check_eq(msync(ro, PAGE, MS_SYNC), 0);
    munmap(ro, PAGE);
    check_eq(munmap(p, 2 * PAGE), 0);
    close(fd);
    unlink(path);
}

void munmap_writes_back()
{
    const char* path = "/mt_munmap";
    uint64_t cache = filecache_pages();
    int fd = make_file(path, 3 * PAGE, 83);
    char* watch = map_or_stop(fd, 3 * PAGE, PROT_READ, MAP_SHARED, 0); // sees the dirty count
    char* p = map_or_stop(fd, 3 * PAGE, RW, MAP_SHARED, 0);
    for (int i = 0; i < 3; i++)
        memcpy(p + i * PAGE + 100, "munmapped", 9);
    check_eq(dirty_pages_at(watch), 3);
    check_eq(munmap(p, 3 * PAGE), 0); // the munmap itself writes back
    check_eq(dirty_pages_at(watch), 0);
    check_eq(munmap(watch, 3 * PAGE), 0);
    close(fd); // the last reference: the page cache goes
    cache_back_to(cache);
    char buf[9];
    for (int i = 0; i < 3; i++) {
        read_fresh(path, buf, 9, i * long(PAGE) + 100);
        check(memcmp(buf, "munmapped", 9) == 0, "page %d lost its store", i);
    }
    unlink(path);
}

namespace {
char* g_watch;
} // namespace

void exit_writes_back()
{
    g_path = "/mt_exit";
    uint64_t cache = filecache_pages();
    int fd = make_file(g_path, 2 * PAGE, 85);
    g_watch = map_or_stop(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    close(fd); // from here on nobody closes a descriptor of the file
    int status = run_child([] {
        int fd = open_or_stop(g_path, O_RDWR);
        char* p = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
        close(fd);
        memcpy(p + PAGE + 1, "exited", 6);
        check_eq(dirty_pages_at(g_watch), 1);
        exit(test_failures() ? 1 : 0); // no munmap
    });
    check_eq(status, 0);
    check_eq(dirty_pages_at(g_watch), 0); // the exit wrote it back
    check(memcmp(g_watch + PAGE + 1, "exited", 6) == 0, "the child's store is not seen");
    check_eq(munmap(g_watch, 2 * PAGE), 0);
    cache_back_to(cache);
    char buf[6];
    read_fresh(g_path, buf, 6, PAGE + 1);
    check(memcmp(buf, "exited", 6) == 0, "the exited child's store is not in the file");
    unlink(g_path);
}

void kill_writes_back()
{
    g_path = "/mt_kill";
    g_flag = test_shared_page();
    uint64_t cache = filecache_pages();
    int fd = make_file(g_path, PAGE, 87);
    g_watch = map_or_stop(fd, PAGE, PROT_READ, MAP_SHARED, 0);
    close(fd);
    int pid = fork();
    if (pid == 0) {
        int fd = open_or_stop(g_path, O_RDWR);
        char* p = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
        close(fd);
        memcpy(p + 10, "killed", 6);
        *g_flag = 1;
        for (;;)
            sleep(1000);
    }
    require(pid > 0, "fork: %s", errname(pid));
    check(test_wait_for(g_flag, 1, 10000), "the child never stored");
    check_eq(dirty_pages_at(g_watch), 1);
    check_eq(kill(pid), 0);
    int status = test_wait_status(pid);
    test_expect_killed(status, "the storing child");
    check_eq(dirty_pages_at(g_watch), 0);
    check_eq(munmap(g_watch, PAGE), 0);
    cache_back_to(cache);
    char buf[6];
    read_fresh(g_path, buf, 6, 10);
    check(memcmp(buf, "killed", 6) == 0, "the killed child's store is not in the file");
    test_free_shared_page(g_flag);
    unlink(g_path);
}

void close_writes_back()
{
    const char* path = "/mt_close";
    int fd = make_file(path, 2 * PAGE, 89);
    int other = open_or_stop(path, O_RDONLY);
    char* p = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    p[0] = 'c';
    p[PAGE] = 'c';
    check_eq(dirty_pages_at(p), 2);
    close(other); // any descriptor of the file
    check_eq(dirty_pages_at(p), 0);
    p[1] = 'd'; // the view works on
    check_eq(dirty_pages_at(p), 1);
    close(fd);
    check_eq(dirty_pages_at(p), 0);
    check_eq(munmap(p, 2 * PAGE), 0);
    unlink(path);
}

void close_then_map_survives()
{
    const char* path = "/mt_closemap";
    uint64_t cache = filecache_pages();
    int fd = make_file(path, PAGE, 91);
    char* p = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
    close(fd);
    check_pattern(p, PAGE, 91, 0, "view after close");
    memcpy(p + 200, "after close", 11);
    check_eq(munmap(p, PAGE), 0);
    cache_back_to(cache);
    char buf[11];
    read_fresh(path, buf, 11, 200);
    check(memcmp(buf, "after close", 11) == 0, "store after close lost");
    unlink(path);
}

void hole_pages_get_blocks()
{
    const char* path = "/mt_holes";
    uint64_t cache = filecache_pages();
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    require_eq(ftruncate(fd, 8 * PAGE), 0); // all holes
    char* p = map_or_stop(fd, 8 * PAGE, RW, MAP_SHARED, 0);
    check(all_zero(p, 8 * PAGE), "holes are not zero");
    memset(p + 3 * PAGE, '3', PAGE);
    memset(p + 5 * PAGE + 100, '5', 10);
    check_eq(munmap(p, 8 * PAGE), 0);
    close(fd);
    cache_back_to(cache);
    char* buf = static_cast<char*>(malloc(8 * PAGE));
    require(buf, "malloc");
    read_fresh(path, buf, 8 * PAGE, 0);
    for (size_t i = 0; i < 8 * PAGE; i++) {
        char want = i / PAGE == 3 ? '3' : (i >= 5 * PAGE + 100 && i < 5 * PAGE + 110) ? '5' : 0;
        if (!check(buf[i] == want, "byte %lu is 0x%x, expected 0x%x", (unsigned long)i, uint8_t(buf[i]),
                   uint8_t(want)))
            break;
    }
    free(buf);
    unlink(path);
}

void writeback_many_pages()
{
    // More dirty pages than one log transaction may carry.
    const char* path = "/mt_many";
    const size_t pages = 96;
    uint64_t cache = filecache_pages();
    int fd = make_file(path, pages * PAGE, 93);
    char* p = map_or_stop(fd, pages * PAGE, RW, MAP_SHARED, 0);
    for (size_t i = 0; i < pages; i++)
        for (size_t j = 0; j < PAGE; j += 512)
            p[i * PAGE + j] = char(i ^ j);
    check_eq(dirty_pages_at(p), long(pages));
    check_eq(msync(p, pages * PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 0);
    check_eq(munmap(p, pages * PAGE), 0);
    close(fd);
    cache_back_to(cache);
    fd = open_or_stop(path, O_RDONLY);
    char buf[PAGE];
    for (size_t i = 0; i < pages; i++) {
        if (read_at(fd, buf, PAGE, long(i * PAGE)) != long(PAGE))
            break;
        bool ok = true;
        for (size_t j = 0; j < PAGE && ok; j++)
            ok = buf[j] == (j % 512 == 0 ? char(i ^ j) : char(pattern(93, i * PAGE + j)));
        if (!check(ok, "page %lu is wrong on the disk", (unsigned long)i))
            break;
    }
    close(fd);
    unlink(path);
}

void msync_disk_full()
{
    // A page over a hole needs a block when it is written back: with the
    // disk full, msync fails with ERR_NOSPC and the page stays dirty (and
    // readable), and a later msync, once there is room, writes it.
    const char* path = "/mt_full";
    const char* filler = "/mt_full_filler";
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    require_eq(ftruncate(fd, 4 * PAGE), 0);
    char* p = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    int ffd = open(filler, O_CREAT | O_TRUNC | O_WRONLY);
    require(ffd >= 0, "create filler: %s", errname(ffd));
    static char chunk[16 * PAGE];
    memset(chunk, 'f', sizeof chunk);
    long last = 0;
    for (int i = 0; i < 100000; i++) {
        last = write(ffd, chunk, sizeof chunk);
        if (last <= 0)
            break;
    }
    check_eq(last, ERR_NOSPC);
    for (int i = 0; i < 4; i++)
        p[i * PAGE + 1] = char('0' + i);
    check_eq(msync(p, 4 * PAGE, MS_SYNC), ERR_NOSPC);
    check_eq(dirty_pages_at(p), 4);
    char c = 0;
    check_eq(read_at(fd, &c, 1, 3 * PAGE + 1), 1);
    check(c == '3', "the unwritten store is not readable");
    close(ffd);
    check_eq(unlink(filler), 0);
    check_eq(msync(p, 4 * PAGE, MS_SYNC), 0);
    check_eq(dirty_pages_at(p), 0);
    check_eq(munmap(p, 4 * PAGE), 0);
    close(fd);
    fd = open_or_stop(path, O_RDONLY);
    for (int i = 0; i < 4; i++) {
        check_eq(read_at(fd, &c, 1, i * long(PAGE) + 1), 1);
        check(c == '0' + i, "page %d holds 0x%x", i, uint8_t(c));
    }
    close(fd);
    unlink(path);
}
