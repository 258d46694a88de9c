/*
 * mmaptests: named regions backed by a file (shm_open_file, the Windows
 * CreateFileMapping over a file). Such a region is opened, mapped, locked
 * and destroyed like any named region, its memory is the file's page cache
 * (shared with read() and with plain mmaps of the file), it is not charged
 * to the shared-memory quota, and its data stays in the file after the
 * region is gone.
 */
#include "cases.h"
#include "sync.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;

struct Counts {
    uint64_t regions, quota;
};
Counts counts()
{
    struct meminfo m = test_meminfo();
    return Counts{m.shm_regions, m.shm_quota_used};
}
void check_counts_back(const Counts& before)
{
    Counts now = counts();
    for (int i = 0; i < 100 && (now.regions != before.regions || now.quota != before.quota); i++) {
        sleep(10);
        now = counts();
    }
    check(now.regions == before.regions && now.quota == before.quota, "regions %lu -> %lu, quota %lu -> %lu",
          (unsigned long)before.regions, (unsigned long)now.regions, (unsigned long)before.quota,
          (unsigned long)now.quota);
}

bool find_info(const char* name, struct shm_info* out)
{
    static struct shm_info records[64];
    int n = shm_list(records, 64, 0);
    for (int i = 0; i < n; i++) {
        if (strcmp(records[i].name, name) == 0) {
            *out = records[i];
            return true;
        }
    }
    return false;
}

const char* g_name;
volatile int* g_flag;
} // namespace

void region_file_create_and_map()
{
    const char* path = "/mt_rfile";
    const char* name = "mt_rfile";
    Counts before = counts();
    const size_t size = 2 * PAGE + 100;
    int fd = make_file(path, size, 111);
    int created = -1;
    int h = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, &created);
    require(h >= 0, "shm_open_file: %s", errname(h));
    check_eq(created, 1);
    struct shm_info info {};
    if (check(find_info(name, &info), "shm_list does not show the region")) {
        check_eq(info.size, 3 * PAGE);
        check(info.flags & SHM_INFO_FILE, "flags 0x%x lack SHM_INFO_FILE", info.flags);
    }
    check_eq(counts().quota, before.quota); // file pages are not charged
    struct stat st;
    check_eq(fstat(h, &st), 0);
    check_eq(st.type, T_SHM);
    check_eq(st.size, 3 * PAGE);
    void* v = nullptr;
    require_eq(createMapping(name, &v), ERR_OK);
    char* p = static_cast<char*>(v);
    check_pattern(p, size, 111, 0, "region view");
    p[5] = 'R';
    char c = 0;
    check_eq(read_at(fd, &c, 1, 5), 1);
    check(c == 'R', "a store through the region is not in the file");
    check_eq(write_at(fd, "W", 1, PAGE), 1);
    check(p[PAGE] == 'W', "a write() to the file is not in the region");
    struct map_info m;
    if (check(find_mapping(p, &m), "shm_maps does not show the view")) {
        check_eq(m.kind, MAP_KIND_SHARED_VIEW);
        check(strcmp(m.name, name) == 0, "view named \"%s\"", m.name);
        check_eq(m.dirty_pages, 1);
        check(m.ino != 0, "no inode number");
    }
    check_eq(destroyMapping(name, p), ERR_OK);
    close(h);
    check_counts_back(before); // no creator reference, no persist: gone
    close(fd);
    unlink(path);
}

void region_file_open_existing()
{
    const char* path = "/mt_rfopen";
    const char* other_path = "/mt_rfopen2";
    const char* name = "mt_rfopen";
    Counts before = counts();
    int fd = make_file(path, PAGE, 113);
    int other = make_file(other_path, PAGE, 114);
    int created = -1;
    int h1 = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, &created);
    require(h1 >= 0, "create: %s", errname(h1));
    check_eq(created, 1);
    int h2 = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, &created);
    check(h2 >= 0, "reopen: %s", errname(h2));
    check_eq(created, 0);
    check_eq(shm_open_file(name, other, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, nullptr), ERR_INCOMP);
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT | O_EXCL, 0, SHM_CEILING_RDWR, nullptr), ERR_EXIST);
    int h3 = shm_open(name, O_RDWR, 0, 0, &created); // any named region opens by name
    check(h3 >= 0, "shm_open: %s", errname(h3));
    check_eq(created, 0);
    check_eq(createSharedRegion(name, PAGE, 0), ERR_EXIST);
    check_eq(shm_open_file("mt_rfopen_none", fd, O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    // A region over memory is not a region over this file.
    require_eq(createSharedRegion("mt_rfopen_mem", PAGE, 0), ERR_OK);
    check_eq(shm_open_file("mt_rfopen_mem", fd, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_INCOMP);
    check_eq(destroySharedRegion("mt_rfopen_mem"), ERR_OK);
    // The handles share the file's pages.
    char* a = map_or_stop(h1, PAGE, RW, MAP_SHARED, 0);
    char* b = map_or_stop(h3, PAGE, RW, MAP_SHARED, 0);
    a[0] = 'o';
    check(b[0] == 'o', "two handles of one region do not alias");
    munmap(a, PAGE);
    munmap(b, PAGE);
    close(h1);
    close(h2);
    close(h3);
    check_counts_back(before);
    close(fd);
    close(other);
    unlink(path);
    unlink(other_path);
}

void region_file_lock()
{
    const char* path = "/mt_rflock";
    g_name = "mt_rflock";
    Counts before = counts();
    int fd = make_file(path, PAGE, 115);
    int h = shm_open_file(g_name, fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    check_eq(lockSharedRegion(g_name), ERR_NOTEXIST); // no view yet
    void* v = nullptr;
    require_eq(createMapping(g_name, &v), ERR_OK);
    check_eq(lockSharedRegion(g_name), ERR_OK);
    g_flag = test_shared_page();
    *g_flag = 0;
    int pid = test_spawn(
        [](void*) {
            void* w = nullptr;
            require_eq(createMapping(g_name, &w), ERR_OK);
            *g_flag = 1;
            check_eq(lockSharedRegion(g_name), ERR_OK); // waits for the parent
            *g_flag = 2;
            check_eq(unlockSharedRegion(g_name), ERR_OK);
            destroyMapping(g_name, w);
        },
        nullptr);
    check(test_wait_for(g_flag, 1, 10000), "the child did not map");
    sleep(50);
    check_eq(*g_flag, 1); // still waiting
    check_eq(unlockSharedRegion(g_name), ERR_OK);
    check(test_wait_for(g_flag, 2, 10000), "the child never got the lock");
    test_expect_child_ok(pid, "locking child");
    test_free_shared_page(g_flag);
    check_eq(destroyMapping(g_name, v), ERR_OK);
    close(h);
    check_counts_back(before);
    close(fd);
    unlink(path);
}

void region_file_persists_after_destroy()
{
    const char* path = "/mt_rfpersist";
    g_name = "mt_rfpersist";
    Counts before = counts();
    int fd = make_file(path, PAGE, 117);
    int h = shm_open_file(g_name, fd, O_RDWR | O_CREAT | SHM_PERSIST, 0, SHM_CEILING_RDWR, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    close(h);
    close(fd); // the persistent name keeps the region, and the region the file
    int status = run_child([] {
        void* v = nullptr;
        require_eq(createMapping(g_name, &v), ERR_OK);
        memcpy(v, "persisted", 9);
        check_eq(destroyMapping(g_name, v), ERR_OK);
        exit(test_failures() ? 1 : 0);
    });
    check_eq(status, 0);
    check_eq(destroySharedRegion(g_name), ERR_OK);
    check_counts_back(before);
    char buf[9];
    fd = open_or_stop(path, O_RDWR);
    check_eq(read_at(fd, buf, 9, 0), 9);
    check(memcmp(buf, "persisted", 9) == 0, "the data is not in the file after destroy");
    // A new region over the file sees it again.
    int created = 0;
    h = shm_open_file(g_name, fd, O_RDWR | O_CREAT, 0, SHM_CEILING_RDWR, &created);
    require(h >= 0, "re-create: %s", errname(h));
    check_eq(created, 1);
    char* p = map_or_stop(h, PAGE, PROT_READ, MAP_SHARED, 0);
    check(memcmp(p, "persisted", 9) == 0, "the new region does not show the data");
    munmap(p, PAGE);
    close(h);
    check_counts_back(before);
    close(fd);
    unlink(path);
}

void region_file_size_grows_file()
{
    const char* path = "/mt_rfsize";
    const char* name = "mt_rfsize";
    Counts before = counts();
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_INVAL); // an empty region
    int h = shm_open_file(name, fd, O_RDWR | O_CREAT, 3 * PAGE, 0, nullptr);
    require(h >= 0, "shm_open_file with a size: %s", errname(h));
    check_eq(file_size(fd), long(3 * PAGE));
    char* p = map_or_stop(h, 3 * PAGE, RW, MAP_SHARED, 0);
    check(all_zero(p, 3 * PAGE), "the grown file is not zero");
    p[2 * PAGE + 1] = 'z';
    char c = 0;
    check_eq(read_at(fd, &c, 1, 2 * PAGE + 1), 1);
    check(c == 'z', "store not in the file");
    // ftruncate of the handle: growing the region grows the file...
    check_eq(ftruncate(h, 5 * PAGE), 0);
    check_eq(file_size(fd), long(5 * PAGE));
    struct stat st;
    check_eq(fstat(h, &st), 0);
    check_eq(st.size, 5 * PAGE);
    char* q = map_or_stop(h, 5 * PAGE, RW, MAP_SHARED, 0);
    q[4 * PAGE] = 'f';
    check_eq(read_at(fd, &c, 1, 4 * PAGE), 1);
    check(c == 'f', "store in the grown region not in the file");
    // ...shrinking it is refused under views, and never cuts the file.
    check_eq(ftruncate(h, PAGE), ERR_BUSY);
    munmap(q, 5 * PAGE);
    munmap(p, 3 * PAGE);
    check_eq(ftruncate(h, PAGE), 0);
    check_eq(fstat(h, &st), 0);
    check_eq(st.size, PAGE);
    check_eq(file_size(fd), long(5 * PAGE));
    // A refused shrink changes nothing, not even the file: with the file
    // cut shorter than the region, a shrink of the region that would have
    // grown the file back is refused before the file is touched.
    check_eq(ftruncate(h, 3 * PAGE), 0);
    check_eq(ftruncate(fd, PAGE / 2), 0); // no view yet: the file may shrink
    char* r = map_or_stop(h, 3 * PAGE, RW, MAP_SHARED, 0);
    check_eq(ftruncate(h, 2 * PAGE), ERR_BUSY);
    check_eq(file_size(fd), long(PAGE / 2));
    munmap(r, 3 * PAGE);
    check_eq(ftruncate(fd, 5 * PAGE), 0);
    close(h);
    // Growing the file needs a writable descriptor.
    int ro = open_or_stop(path, O_RDONLY);
    check_eq(shm_open_file("mt_rfsize2", ro, O_RDONLY | O_CREAT, 9 * PAGE, 0, nullptr), ERR_ACCESS);
    close(ro);
    check_counts_back(before);
    close(fd);
    unlink(path);
}

void region_file_rights()
{
    const char* path = "/mt_rfrights";
    g_name = "mt_rfrights";
    Counts before = counts();
    close(make_file(path, PAGE, 119));
    int ro = open_or_stop(path, O_RDONLY);
    check_eq(shm_open_file(g_name, ro, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_ACCESS);
    int h = shm_open_file(g_name, ro, O_RDONLY | O_CREAT, 0, SHM_CEILING_RDWR, nullptr);
    require(h >= 0, "read-only region: %s", errname(h));
    check_eq(map_error(map_file(h, PAGE, RW, MAP_SHARED, 0)), ERR_ACCESS);
    char* p = map_or_stop(h, PAGE, PROT_READ, MAP_SHARED, 0);
    check_pattern(p, PAGE, 119, 0, "read-only region");
    munmap(p, PAGE);
    // A region over a read-only file is read-only for everyone, its
    // creator included, whatever its ceiling: nobody can write the file
    // through it.
    void* v = nullptr;
    check_eq(createMapping(g_name, &v), ERR_ACCESS);
    check_eq(shm_open(g_name, O_RDWR, 0, 0, nullptr), ERR_ACCESS);
    int rw = open_or_stop(path, O_RDWR);
    check_eq(shm_open_file(g_name, rw, O_RDWR, 0, 0, nullptr), ERR_ACCESS);
    close(h);
    check_counts_back(before);
    // The ceiling works as for any region.
    h = shm_open_file(g_name, rw, O_RDWR | O_CREAT, 0, SHM_CEILING_RDONLY, nullptr);
    require(h >= 0, "region with a read-only ceiling: %s", errname(h));
    int status = run_child([] {
        check_eq(shm_open(g_name, O_RDWR, 0, 0, nullptr), ERR_ACCESS);
        int r = shm_open(g_name, O_RDONLY, 0, 0, nullptr);
        check(r >= 0, "read-only open: %s", errname(r));
        exit(test_failures() ? 1 : 0);
    });
    check_eq(status, 0);
    close(h);
    check_counts_back(before);
    close(rw);
    close(ro);
    unlink(path);
}

void region_file_shares_cache_with_mmap()
{
    const char* path = "/mt_rfalias";
    const char* name = "mt_rfalias";
    Counts before = counts();
    int fd = make_file(path, 2 * PAGE, 121);
    int h = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 0, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    char* region = map_or_stop(h, 2 * PAGE, RW, MAP_SHARED, 0);
    char* file = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    region[PAGE] = 'r';
    check(file[PAGE] == 'r', "the file view does not see the region's store");
    file[0] = 'f';
    check(region[0] == 'f', "the region does not see the file view's store");
    check_eq(dirty_pages_at(region), 2);
    check_eq(dirty_pages_at(file), 2);
    check_eq(msync(region, 2 * PAGE, MS_SYNC), 0); // cleans the file's pages for both
    check_eq(dirty_pages_at(file), 0);
    file[1] = 'g';
    check_eq(dirty_pages_at(region), 1);
    munmap(file, 2 * PAGE);
    munmap(region, 2 * PAGE);
    close(h);
    check_counts_back(before);
    close(fd);
    unlink(path);
}

void region_file_unlinked_file()
{
    const char* path = "/mt_rfunlink";
    const char* name = "mt_rfunlink";
    Counts before = counts();
    uint64_t cache = filecache_pages();
    int fd = make_file(path, PAGE, 123);
    int h = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 0, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    close(fd);
    check_eq(unlink(path), 0);
    void* v = nullptr;
    require_eq(createMapping(name, &v), ERR_OK);
    check_pattern(v, PAGE, 123, 0, "region over an unlinked file");
    static_cast<char*>(v)[0] = 'x';
    check_eq(destroyMapping(name, v), ERR_OK);
    close(h); // the region goes, and with it the file
    check_counts_back(before);
    for (int i = 0; i < 100 && filecache_pages() > cache; i++)
        sleep(10);
    check(filecache_pages() <= cache, "the unlinked file's pages stay");
}

void region_file_errors()
{
    const char* path = "/mt_rferr";
    const char* name = "mt_rferr";
    Counts before = counts();
    int fd = make_file(path, PAGE, 125);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(shm_open_file(name, fds[0], O_RDONLY | O_CREAT, 0, 0, nullptr), ERR_INVAL);
    close(fds[0]);
    close(fds[1]);
    int dir = open_or_stop("/", O_RDONLY);
    check_eq(shm_open_file(name, dir, O_RDONLY | O_CREAT, 0, 0, nullptr), ERR_ISDIR);
    close(dir);
    check_eq(shm_open_file(name, 77, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_BADF);
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT | 0x80000, 0, 0, nullptr), ERR_INVAL);
    check_eq(shm_open_file(name, fd, O_WRONLY | O_CREAT, 0, 0, nullptr), ERR_INVAL);
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 7, nullptr), ERR_INVAL);
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT, SHM_MAX_REGION_SIZE + PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open_file("", fd, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_INVAL);
    char long_name[SHM_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    check_eq(shm_open_file(long_name, fd, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_NAMETOOLONG);
    check_eq(shm_open_file(reinterpret_cast<const char*>(0x800000000), fd, O_RDWR | O_CREAT, 0, 0, nullptr),
             ERR_FAULT);
    check_eq(shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 0, reinterpret_cast<int*>(0x800000000)), ERR_FAULT);
    // A region handle is not a file.
    int h = shm_open("mt_rferr_mem", O_RDWR | O_CREAT, PAGE, 0, nullptr);
    require(h >= 0, "shm_open: %s", errname(h));
    check_eq(shm_open_file(name, h, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_INVAL);
    close(h);
    check_counts_back(before);
    close(fd);
    unlink(path);
}

// A futex word in a file-backed region and the same word through a plain
// mapping of the file are one futex: a waiter on one side is woken from
// the other (the region's store forwards to the file's store).
void region_file_futex_meets_file_view()
{
    const char* path = "/mt_rffutex";
    const char* name = "mt_rffutex";
    Counts before = counts();
    int fd = make_file(path, PAGE, 0);
    int h = shm_open_file(name, fd, O_RDWR | O_CREAT, 0, 0, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    uint32_t* word_region = reinterpret_cast<uint32_t*>(map_or_stop(h, PAGE, RW, MAP_SHARED, 0));
    uint32_t* word_file = reinterpret_cast<uint32_t*>(map_or_stop(fd, PAGE, RW, MAP_SHARED, 0));
    __atomic_store_n(word_region, 0, __ATOMIC_SEQ_CST);
    int pid = fork();
    if (pid == 0) {
        // Waits through the region's view until the parent sets the word.
        while (__atomic_load_n(word_region, __ATOMIC_SEQ_CST) == 0)
            futex_wait(word_region, 0, deadline_after_ms(5000));
        exit(__atomic_load_n(word_region, __ATOMIC_SEQ_CST) == 7 ? 0 : 1);
    }
    require(pid > 0, "fork: %s", errname(pid));
    sleep(50); // let the child sleep
    __atomic_store_n(word_file, 7, __ATOMIC_SEQ_CST);
    int woken = futex_wake(word_file, 1);
    int status = 0;
    check_eq(waitpid(pid, &status), pid);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the waiter did not see the word (status %d)", status);
    check(woken == 1, "futex_wake through the file view woke %d waiters, expected 1", woken);
    munmap(word_file, PAGE);
    munmap(word_region, PAGE);
    close(h);
    close(fd);
    unlink(path);
    check_counts_back(before);
}
