/*
 * shmtests: the handle interface (DESIGN.md 5.2): shm_open in all its
 * forms, mmap of a handle (offsets, lengths, shared and private views,
 * MAP_FIXED, rights), munmap, mprotect, fstat, ftruncate, shm_unlink,
 * close, and the introspection calls.
 */
#include "cases.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;

int open_new(const char* name, size_t size, int extra = 0, unsigned ceiling = SHM_CEILING_RDWR)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | extra, size, ceiling, nullptr);
    check(fd >= 0, "shm_open(\"%s\", create): %s", name, errname(fd));
    return fd;
}

uint64_t fd_size(int fd)
{
    struct stat st;
    int r = fstat(fd, &st);
    check(r == 0, "fstat(%d): %s", fd, errname(r));
    return r == 0 ? st.size : ~uint64_t(0);
}
} // namespace

void shm_open_create_and_open()
{
    ShmCounts before = shm_counts();
    int created = -1;
    int fd = shm_open("h.co", O_RDWR | O_CREAT, 2 * PAGE, SHM_CEILING_RDWR, &created);
    require(fd >= 0, "shm_open: %s", errname(fd));
    check_eq(created, 1);
    check_eq(shm_counts().regions, before.regions + 1);
    // O_CREAT on an existing name opens it, and says so.
    int created2 = -1;
    int fd2 = shm_open("h.co", O_RDWR | O_CREAT, 2 * PAGE, SHM_CEILING_RDWR, &created2);
    require(fd2 >= 0, "second shm_open: %s", errname(fd2));
    check_eq(created2, 0);
    int fd3 = shm_open("h.co", O_RDWR, 0, 0, nullptr); // created may be NULL
    require(fd3 >= 0, "third shm_open: %s", errname(fd3));
    check(fd != fd2 && fd2 != fd3 && fd != fd3, "descriptors %d %d %d", fd, fd2, fd3);
    check_eq(shm_counts().regions, before.regions + 1);
    char* a = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    char* c = map_fd(fd3, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(a) && !mmap_failed(c), "mmap: %s %s", errname(map_error(a)), errname(map_error(c)));
    strcpy(a + PAGE, "one region");
    check(strcmp(c + PAGE, "one region") == 0, "the handles see different memory");
    struct shm_info info;
    check(find_region_info("h.co", &info) && info.handles == 3 && info.views == 2, "handles %u views %u",
          info.handles, info.views);
    check_eq(munmap(a, 2 * PAGE), 0);
    check_eq(munmap(c, 2 * PAGE), 0);
    check_eq(close(fd), 0);
    check_eq(close(fd2), 0);
    check_eq(shm_counts().regions, before.regions + 1); // fd3 keeps it
    check_eq(close(fd3), 0);
    check_counts_back(before, "after the last close");
    check_eq(shm_open("h.co", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
}

void shm_open_excl()
{
    int created = -1;
    int fd = shm_open("h.excl", O_RDWR | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDWR, &created);
    require(fd >= 0, "shm_open: %s", errname(fd));
    check_eq(created, 1);
    check_eq(shm_open("h.excl", O_RDWR | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDWR, &created), ERR_EXIST);
    check_eq(shm_open("h.excl", O_RDONLY | O_CREAT | O_EXCL, 0, SHM_CEILING_RDWR, nullptr), ERR_EXIST);
    // An exclusive create also fails against a region made by the original interface.
    require_eq(createSharedRegion("h.excl.orig", PAGE, 0), ERR_OK);
    check_eq(shm_open("h.excl.orig", O_RDWR | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDWR, nullptr), ERR_EXIST);
    check_eq(destroySharedRegion("h.excl.orig"), ERR_OK);
    struct shm_info info;
    check(find_region_info("h.excl", &info) && info.handles == 1, "handles %u, expected 1", info.handles);
    check_eq(close(fd), 0);
}

void shm_open_errors()
{
    ShmCounts before = shm_counts();
    check_eq(shm_open("h.err.none", O_RDWR, PAGE, 0, nullptr), ERR_NOTEXIST);
    check_eq(shm_open("h.err.none", O_RDONLY, PAGE, 0, nullptr), ERR_NOTEXIST);
    check_eq(shm_open("h.err.mode", O_WRONLY | O_CREAT, PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.mode", O_ACCMODE | O_CREAT, PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.flag", O_RDWR | O_CREAT | O_TRUNC, PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.flag", O_RDWR | O_CREAT | O_APPEND, PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.flag", O_RDWR | O_CREAT | 0x100000, PAGE, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.ceiling", O_RDWR | O_CREAT, PAGE, 2, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.ceiling", O_RDWR | O_CREAT, PAGE, ~0u, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.size", O_RDWR | O_CREAT, SHM_MAX_REGION_SIZE + 1, 0, nullptr), ERR_INVAL);
    check_eq(shm_open("h.err.size", O_RDWR | O_CREAT, ~size_t(0), 0, nullptr), ERR_INVAL);
    check_eq(shm_open("", O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_INVAL);
    static char long_name[SHM_NAME_MAX + 2];
    memset(long_name, 'n', SHM_NAME_MAX + 1);
    check_eq(shm_open(long_name, O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_NAMETOOLONG);
    check_eq(shm_open(nullptr, O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_FAULT);
    uint64_t total = quota_total();
    if (total + PAGE <= SHM_MAX_REGION_SIZE)
        check_eq(shm_open("h.err.quota", O_RDWR | O_CREAT, total + PAGE, 0, nullptr), ERR_NOMEM);
    // The ceiling may deny ERR_ACCESS only to others: see shm_open_ceiling_rdonly.
    check_counts_back(before, "after failed opens");
    struct shm_info info;
    check(!find_region_info("h.err.mode", &info) && !find_region_info("h.err.flag", &info) &&
              !find_region_info("h.err.ceiling", &info) && !find_region_info("h.err.size", &info) &&
              !find_region_info("h.err.quota", &info),
          "a failed shm_open left a region");
}

void shm_open_size_ignored_when_opening()
{
    int fd = open_new("h.size", PAGE);
    require(fd >= 0, "create");
    uint64_t used = shm_counts().quota_used;
    int created = -1;
    int fd2 = shm_open("h.size", O_RDWR | O_CREAT, 7 * PAGE, SHM_CEILING_RDWR, &created);
    require(fd2 >= 0, "open with another size: %s", errname(fd2));
    check_eq(created, 0);
    check_eq(fd_size(fd2), PAGE);
    int fd3 = shm_open("h.size", O_RDONLY, 3 * PAGE, 0, nullptr);
    require(fd3 >= 0, "open: %s", errname(fd3));
    check_eq(fd_size(fd3), PAGE);
    check_eq(shm_counts().quota_used, used);
    // A size 0 create is allowed; the region grows with ftruncate.
    int fd4 = open_new("h.size0", 0);
    if (fd4 >= 0) {
        check_eq(fd_size(fd4), 0);
        check_eq(close(fd4), 0);
    }
    close(fd);
    close(fd2);
    close(fd3);
}

void shm_open_readonly_handle()
{
    int fd = open_new("h.ro", 2 * PAGE);
    require(fd >= 0, "create");
    char* w = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(w), "mmap rw: %s", errname(map_error(w)));
    strcpy(w, "published");
    int ro = shm_open("h.ro", O_RDONLY, 0, 0, nullptr);
    require(ro >= 0, "open O_RDONLY: %s", errname(ro));
    check_eq(map_error(mmap(nullptr, 2 * PAGE, RW, MAP_SHARED, ro, 0)), ERR_ACCESS);
    check_eq(map_error(mmap(nullptr, PAGE, PROT_WRITE, MAP_SHARED, ro, 0)), ERR_ACCESS);
    char* r = map_fd(ro, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(r), "mmap ro: %s", errname(map_error(r)));
    check(strcmp(r, "published") == 0, "read-only view reads \"%s\"", r);
    strcpy(w + PAGE, "later");
    check(strcmp(r + PAGE, "later") == 0, "read-only view does not follow writes");
    check_eq(ftruncate(ro, 4 * PAGE), ERR_ACCESS);
    check_eq(fd_size(fd), 2 * PAGE);
    // A region created with O_RDONLY gives its creator a read-only handle.
    int rocreated = shm_open("h.ro.created", O_RDONLY | O_CREAT | O_EXCL, PAGE, SHM_CEILING_RDWR, nullptr);
    require(rocreated >= 0, "create O_RDONLY: %s", errname(rocreated));
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, rocreated, 0)), ERR_ACCESS);
    check_eq(ftruncate(rocreated, 2 * PAGE), ERR_ACCESS);
    check_eq(close(rocreated), 0);
    check_eq(munmap(r, 2 * PAGE), 0);
    check_eq(munmap(w, 2 * PAGE), 0);
    check_eq(close(ro), 0);
    check_eq(close(fd), 0);
}

void shm_open_ceiling_rdonly()
{
    int fd = open_new("h.ceil", PAGE, SHM_PERSIST, SHM_CEILING_RDONLY);
    require(fd >= 0, "create");
    char* w = map_fd(fd, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(w), "creator's rw mmap: %s", errname(map_error(w)));
    strcpy(w, "rates");
    struct shm_info info;
    check(find_region_info("h.ceil", &info) && (info.flags & SHM_INFO_READONLY_CEILING), "flags 0x%x", info.flags);
    // The creator itself may open it read-write again, and map it.
    int again = shm_open("h.ceil", O_RDWR, 0, SHM_CEILING_RDWR, nullptr);
    check(again >= 0, "creator's second O_RDWR open: %s", errname(again));
    if (again >= 0)
        close(again);
    static int inherited;
    inherited = fd;
    int status = run_child([] {
        // Another process: read-only at most, whatever ceiling it asks for.
        check_eq(shm_open("h.ceil", O_RDWR, 0, SHM_CEILING_RDWR, nullptr), ERR_ACCESS);
        check_eq(shm_open("h.ceil", O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr), ERR_ACCESS);
        void* q = nullptr;
        check_eq(createMapping("h.ceil", &q), ERR_ACCESS);
        int ro = shm_open("h.ceil", O_RDONLY, 0, 0, nullptr);
        require(ro >= 0, "O_RDONLY open: %s", errname(ro));
        char* r = map_fd(ro, PAGE, PROT_READ, MAP_SHARED, 0);
        require(!mmap_failed(r), "mmap: %s", errname(map_error(r)));
        check(strcmp(r, "rates") == 0, "reads \"%s\"", r);
        // But a handle inherited from the creator keeps the creator's rights.
        char* iw = map_fd(inherited, PAGE, RW, MAP_SHARED, 0);
        require(!mmap_failed(iw), "mmap of the inherited rw handle: %s", errname(map_error(iw)));
        iw[10] = '!';
    });
    check_eq(status, 0);
    check_eq(w[10], '!');
    check_eq(munmap(w, PAGE), 0);
    check_eq(close(fd), 0);
    check_eq(shm_unlink("h.ceil"), ERR_OK);
}

void shm_open_persist()
{
    ShmCounts before = shm_counts();
    int status = run_child([] {
        int fd = open_new("h.persist", 2 * PAGE, SHM_PERSIST);
        require(fd >= 0, "create");
        char* p = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
        require(!mmap_failed(p), "mmap");
        strcpy(p + PAGE + 100, "kept");
        close(fd);
        // exit: the view and the handle go; the name keeps the region.
    });
    check_eq(status, 0);
    check_eq(shm_counts().regions, before.regions + 1);
    struct shm_info info;
    check(find_region_info("h.persist", &info) && info.handles == 0 && info.views == 0 &&
              (info.flags & SHM_INFO_PERSIST) && info.resident_pages == 1,
          "handles %u views %u flags 0x%x resident %lu", info.handles, info.views, info.flags,
          (unsigned long)info.resident_pages);
    int fd = shm_open("h.persist", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "reopen: %s", errname(fd));
    char* p = map_fd(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(p), "mmap");
    check(strcmp(p + PAGE + 100, "kept") == 0, "data lost: \"%s\"", p + PAGE + 100);
    check_eq(shm_unlink("h.persist"), ERR_OK);
    check_eq(shm_open("h.persist", O_RDONLY, 0, 0, nullptr), ERR_NOTEXIST);
    check(p[PAGE + 100] == 'k', "unlink changed a live view");
    check_eq(munmap(p, 2 * PAGE), 0);
    check_eq(shm_counts().regions, before.regions + 1); // the handle still holds it
    check_eq(close(fd), 0);
    check_counts_back(before, "after unlink and the last close");
}

void shm_open_nonpersist_freed_on_close()
{
    ShmCounts before = shm_counts();
    int fd = open_new("h.np", PAGE);
    require(fd >= 0, "create");
    check_eq(close(fd), 0);
    check_counts_back(before, "closing the only handle of a non-persistent region");
    check_eq(shm_open("h.np", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    // With a view left, it lives until the view goes.
    fd = open_new("h.np", PAGE);
    require(fd >= 0, "create again");
    char* p = map_fd(fd, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(p), "mmap");
    check_eq(close(fd), 0);
    p[0] = 'v';
    check_eq(shm_counts().regions, before.regions + 1);
    int again = shm_open("h.np", O_RDWR, 0, 0, nullptr); // still findable by name
    check(again >= 0, "reopen while viewed: %s", errname(again));
    if (again >= 0)
        close(again);
    check_eq(munmap(p, PAGE), 0);
    check_counts_back(before, "unmapping the last view");
}

void shm_open_mfile()
{
    ShmCounts before = shm_counts();
    int opened[64];
    int n = 0;
    for (;;) {
        int fd = dup(0);
        if (fd < 0) {
            check_eq(fd, ERR_MFILE);
            break;
        }
        require(n < 64, "more than 64 descriptors");
        opened[n++] = fd;
    }
    // No descriptor: the call fails and creates nothing, not even a
    // persistent region that no one could know about.
    check_eq(shm_open("h.mfile", O_RDWR | O_CREAT | SHM_PERSIST, PAGE, 0, nullptr), ERR_MFILE);
    check_eq(shm_open("h.mfile2", O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_MFILE);
    check_counts_back(before, "after ERR_MFILE");
    for (int i = 0; i < n; i++)
        close(opened[i]);
    int fd = shm_open("h.mfile", O_RDWR, 0, 0, nullptr);
    check(fd == ERR_NOTEXIST, "shm_open that failed with ERR_MFILE created the region (%d)", fd);
    if (fd >= 0) {
        close(fd);
        shm_unlink("h.mfile");
    }
}

void mmap_offsets_and_lengths()
{
    int fd = open_new("h.off", 4 * PAGE);
    require(fd >= 0, "create");
    char* all = map_fd(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(all), "mmap");
    for (int i = 0; i < 4; i++)
        memset(all + i * PAGE, 'A' + i, PAGE);
    char* mid = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 2 * PAGE);
    require(!mmap_failed(mid), "mmap at offset 2 pages: %s", errname(map_error(mid)));
    check(mid[0] == 'C' && mid[PAGE - 1] == 'C' && mid[PAGE] == 'D' && mid[2 * PAGE - 1] == 'D',
          "offset view sees %c %c %c %c", mid[0], mid[PAGE - 1], mid[PAGE], mid[2 * PAGE - 1]);
    mid[5] = 'x';
    check_eq(all[2 * PAGE + 5], 'x');
    // A length that is not a whole page maps the page it ends in.
    char* last = map_fd(fd, 100, PROT_READ, MAP_SHARED, 3 * PAGE);
    require(!mmap_failed(last), "mmap of the last page: %s", errname(map_error(last)));
    check(last[0] == 'D' && last[PAGE - 1] == 'D', "last page view sees %c", last[0]);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, 1)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, PAGE / 2)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, 4 * PAGE)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, 2 * PAGE, RW, MAP_SHARED, fd, 3 * PAGE)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, 5 * PAGE, RW, MAP_SHARED, fd, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, 0, RW, MAP_SHARED, fd, 0)), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, -long(PAGE))), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, long(~0ul & ~(PAGE - 1)))), ERR_INVAL);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED | MAP_PRIVATE, fd, 0)), ERR_INVAL);
    struct shm_info info;
    check(find_region_info("h.off", &info) && info.views == 3, "views %u, expected 3", info.views);
    check_eq(munmap(all, 4 * PAGE), 0);
    check_eq(munmap(mid, 2 * PAGE), 0);
    check_eq(munmap(last, PAGE), 0);
    check_eq(close(fd), 0);
}

void mmap_private_is_cow()
{
    int fd = open_new("h.cow", 2 * PAGE);
    require(fd >= 0, "create");
    char* s = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(s), "shared mmap");
    strcpy(s, "region");
    strcpy(s + PAGE, "second");
    char* p = map_fd(fd, 2 * PAGE, RW, MAP_PRIVATE, 0);
    require(!mmap_failed(p), "private mmap: %s", errname(map_error(p)));
    check(strcmp(p, "region") == 0, "private view reads \"%s\"", p);
    strcpy(p, "mine");
    check(strcmp(p, "mine") == 0, "the writer does not see its write");
    check(strcmp(s, "region") == 0, "a private write reached the region: \"%s\"", s);
    // Another process sees the region, not the private copy.
    int status = run_child([] {
        int fd2 = shm_open("h.cow", O_RDONLY, 0, 0, nullptr);
        require(fd2 >= 0, "open");
        char* r = map_fd(fd2, PAGE, PROT_READ, MAP_SHARED, 0);
        require(!mmap_failed(r), "mmap");
        check(strcmp(r, "region") == 0, "another process sees \"%s\"", r);
    });
    check_eq(status, 0);
    // Later region writes to the page we copied are not ours to see.
    s[0] = 'R';
    check_eq(p[0], 'm');
    // A page we never wrote still shows the region.
    s[PAGE] = 'S';
    check_eq(p[PAGE], 'S');
    // Dropping the private view leaves the region as it was.
    check_eq(munmap(p, 2 * PAGE), 0);
    check(strcmp(s, "Region") == 0 && strcmp(s + PAGE, "Second") == 0, "region changed: \"%s\" \"%s\"", s,
          s + PAGE);
    struct shm_info info;
    check(find_region_info("h.cow", &info) && info.resident_pages == 2, "resident %lu, expected 2",
          (unsigned long)info.resident_pages);
    check_eq(munmap(s, 2 * PAGE), 0);
    check_eq(close(fd), 0);
}

void mmap_private_from_readonly_handle()
{
    int fd = open_new("h.privro", PAGE);
    require(fd >= 0, "create");
    char* s = map_fd(fd, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(s), "shared mmap");
    strcpy(s, "base");
    int ro = shm_open("h.privro", O_RDONLY, 0, 0, nullptr);
    require(ro >= 0, "open");
    // A private view's writes stay private, so a read-only handle allows it.
    char* p = map_fd(ro, PAGE, RW, MAP_PRIVATE, 0);
    require(!mmap_failed(p), "private rw mmap of a read-only handle: %s", errname(map_error(p)));
    check(strcmp(p, "base") == 0, "reads \"%s\"", p);
    strcpy(p, "copy");
    check(strcmp(s, "base") == 0, "the region changed to \"%s\"", s);
    check_eq(munmap(p, PAGE), 0);
    check_eq(munmap(s, PAGE), 0);
    close(ro);
    close(fd);
}

void mmap_fixed_refuses_replace()
{
    int fd = open_new("h.fixed", 2 * PAGE);
    require(fd >= 0, "create");
    char* v = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(v), "mmap");
    strcpy(v, "keep");
    check_eq(map_error(mmap(v, 2 * PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 0)), ERR_NOMEM);
    check_eq(map_error(mmap(v + PAGE, 2 * PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 0)), ERR_NOMEM);
    check_eq(map_error(mmap(v - PAGE, 2 * PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 0)), ERR_NOMEM);
    check(strcmp(v, "keep") == 0, "the view changed");
    check_eq(count_own_views(), 1);
    // At a free address, MAP_FIXED maps exactly there.
    char* hole = static_cast<char*>(mmap(nullptr, 8 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(hole), "anonymous mmap");
    check_eq(munmap(hole, 8 * PAGE), 0);
    char* f = static_cast<char*>(mmap(hole + 3 * PAGE, PAGE, RW, MAP_SHARED | MAP_FIXED, fd, PAGE));
    check(f == hole + 3 * PAGE, "MAP_FIXED at %p returned %p", hole + 3 * PAGE, f);
    if (!mmap_failed(f)) {
        f[0] = 'F';
        check_eq(v[PAGE], 'F');
        check_eq(munmap(f, PAGE), 0);
    }
    check_eq(map_error(mmap(hole + 1, PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 0)), ERR_INVAL);
    check_eq(munmap(v, 2 * PAGE), 0);
    check_eq(close(fd), 0);
}

void mmap_bad_fd()
{
    int fd = open_new("h.badfd", PAGE);
    require(fd >= 0, "create");
    check_eq(close(fd), 0);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, fd, 0)), ERR_BADF);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, -1, 0)), ERR_BADF);
    check_eq(map_error(mmap(nullptr, PAGE, RW, MAP_SHARED, 63, 0)), ERR_BADF);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(map_error(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fds[0], 0)), ERR_INVAL);
    close(fds[0]);
    close(fds[1]);
}

void munmap_splits_views()
{
    int fd = open_new("h.split", 3 * PAGE);
    require(fd >= 0, "create");
    static char* v;
    v = map_fd(fd, 3 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(v), "mmap");
    memset(v, 's', 3 * PAGE);
    require_eq(munmap(v + PAGE, PAGE), 0);
    struct shm_info info;
    check(find_region_info("h.split", &info) && info.views == 2, "views after a split: %u", info.views);
    check(v[0] == 's' && v[2 * PAGE] == 's', "the pieces lost data");
    v[2 * PAGE + 1] = 't';
    test_expect_killed(run_child([] { *static_cast<volatile char*>(v + PAGE) = 1; }), "touch in the hole");
    // The pieces are still views of the region: a new view of the middle
    // page sees the data written before the split.
    char* m = map_fd(fd, PAGE, PROT_READ, MAP_SHARED, PAGE);
    require(!mmap_failed(m), "mmap of the middle page");
    check_eq(m[7], 's');
    check_eq(munmap(m, PAGE), 0);
    check_eq(munmap(v, 3 * PAGE), 0); // unmapping across the hole is fine
    check(find_region_info("h.split", &info) && info.views == 0, "views left: %u", info.views);
    check_eq(close(fd), 0);
}

void mprotect_cannot_exceed_handle()
{
    int fd = open_new("h.prot", 2 * PAGE);
    require(fd >= 0, "create");
    int ro = shm_open("h.prot", O_RDONLY, 0, 0, nullptr);
    require(ro >= 0, "open O_RDONLY");
    static char* r;
    r = map_fd(ro, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(r), "mmap ro");
    check_eq(mprotect(r, 2 * PAGE, RW), ERR_ACCESS);
    check_eq(mprotect(r, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), ERR_ACCESS);
    // Lowering and restoring within the handle's rights is fine.
    check_eq(mprotect(r, 2 * PAGE, PROT_NONE), 0);
    check_eq(mprotect(r, 2 * PAGE, PROT_READ), 0);
    test_expect_killed(run_child([] { *static_cast<volatile char*>(r) = 1; }), "write after a refused mprotect");
    // A read-only view of a read-write handle can be raised.
    char* w = map_fd(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(w), "mmap rw handle read-only");
    check_eq(mprotect(w, 2 * PAGE, RW), 0);
    w[PAGE] = 'w';
    check_eq(r[PAGE], 'w');
    // And lowered again: a write then kills.
    static char* w2;
    w2 = w;
    check_eq(mprotect(w, PAGE, PROT_READ), 0);
    test_expect_killed(run_child([] { *static_cast<volatile char*>(w2) = 1; }), "write after mprotect(PROT_READ)");
    check_eq(munmap(r, 2 * PAGE), 0);
    check_eq(munmap(w, 2 * PAGE), 0);
    close(ro);
    close(fd);
}

void fstat_type_and_size()
{
    int fd = open_new("h.fstat", 5000);
    require(fd >= 0, "create");
    struct stat st;
    memset(&st, 0x55, sizeof st);
    require_eq(fstat(fd, &st), 0);
    check_eq(st.type, T_SHM);
    check_eq(st.size, 2 * PAGE);
    // A handle is mapped, not read or written.
    char buf[8];
    check_eq(read(fd, buf, sizeof buf), ERR_INVAL);
    check_eq(write(fd, buf, sizeof buf), ERR_INVAL);
    // A region made by the original interface looks the same.
    require_eq(createSharedRegion("h.fstat.orig", 3 * PAGE + 1, 0), ERR_OK);
    int fd2 = shm_open("h.fstat.orig", O_RDONLY, 0, 0, nullptr);
    require(fd2 >= 0, "open");
    require_eq(fstat(fd2, &st), 0);
    check_eq(st.type, T_SHM);
    check_eq(st.size, 4 * PAGE);
    // An unlinked region still answers.
    check_eq(destroySharedRegion("h.fstat.orig"), ERR_OK);
    require_eq(fstat(fd2, &st), 0);
    check_eq(st.size, 4 * PAGE);
    close(fd2);
    close(fd);
}

void ftruncate_grow()
{
    int fd = open_new("h.grow", 0);
    require(fd >= 0, "create");
    uint64_t used = shm_counts().quota_used;
    require_eq(ftruncate(fd, 3 * PAGE), 0);
    check_eq(fd_size(fd), 3 * PAGE);
    check_eq(shm_counts().quota_used, used + 3 * PAGE);
    char* p = map_fd(fd, 3 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(p), "mmap after growing: %s", errname(map_error(p)));
    check(p[0] == 0 && p[3 * PAGE - 1] == 0, "grown pages are not zero");
    memset(p, 'g', 3 * PAGE);
    // Growing again, by a partial page, rounds up; old data stays.
    require_eq(ftruncate(fd, 4 * PAGE + 1), 0);
    check_eq(fd_size(fd), 5 * PAGE);
    check_eq(shm_counts().quota_used, used + 5 * PAGE);
    char* q = map_fd(fd, 5 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(q), "mmap of the grown region");
    check(q[0] == 'g' && q[3 * PAGE - 1] == 'g' && q[3 * PAGE] == 0 && q[5 * PAGE - 1] == 0,
          "grown region reads %d %d %d %d", q[0], q[3 * PAGE - 1], q[3 * PAGE], q[5 * PAGE - 1]);
    // The same size is a no-op.
    check_eq(ftruncate(fd, 5 * PAGE), 0);
    check_eq(shm_counts().quota_used, used + 5 * PAGE);
    check_eq(munmap(p, 3 * PAGE), 0);
    check_eq(munmap(q, 5 * PAGE), 0);
    check_eq(close(fd), 0);
}

void ftruncate_shrink_busy()
{
    static int fd;
    fd = open_new("h.shrink", 4 * PAGE);
    require(fd >= 0, "create");
    char* low = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(low), "mmap");
    memset(low, 'l', 2 * PAGE);
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    // Another process maps the upper half and writes it.
    int child = spawn0([] {
        char* high = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 2 * PAGE);
        require(!mmap_failed(high), "child's mmap");
        memset(high, 'h', 2 * PAGE);
        event_give(&ready);
        event_take(&go);
        check_eq(munmap(high, 2 * PAGE), 0);
        event_give(&ready);
        event_take(&go);
    });
    require(child > 0, "fork");
    require(event_take(&ready), "child did not map");
    uint64_t used = shm_counts().quota_used;
    check_eq(ftruncate(fd, 2 * PAGE), ERR_BUSY);
    check_eq(ftruncate(fd, 3 * PAGE), ERR_BUSY);
    check_eq(ftruncate(fd, 3 * PAGE + 1), 0); // rounds up to the current size: nothing is cut
    check_eq(ftruncate(fd, 0), ERR_BUSY);
    check_eq(fd_size(fd), 4 * PAGE);
    check_eq(shm_counts().quota_used, used);
    event_give(&go);
    require(event_take(&ready), "child did not unmap");
    // Only our view of the kept half remains: the shrink is allowed.
    check_eq(ftruncate(fd, 2 * PAGE), 0);
    check_eq(fd_size(fd), 2 * PAGE);
    check_eq(shm_counts().quota_used, used - 2 * PAGE);
    struct shm_info info;
    check(find_region_info("h.shrink", &info) && info.resident_pages == 2, "resident %lu after shrink",
          (unsigned long)info.resident_pages);
    // Our own view of the rest now blocks a shrink below it.
    check_eq(ftruncate(fd, PAGE), ERR_BUSY);
    // Growing back gives zeroed pages, not the old ones.
    require_eq(ftruncate(fd, 4 * PAGE), 0);
    char* all = map_fd(fd, 4 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(all), "mmap");
    check(all[0] == 'l' && all[2 * PAGE] == 0 && all[4 * PAGE - 1] == 0, "regrown region reads %c %d %d", all[0],
          all[2 * PAGE], all[4 * PAGE - 1]);
    event_give(&go);
    test_expect_child_ok(child, "child");
    check_eq(munmap(all, 4 * PAGE), 0);
    check_eq(munmap(low, 2 * PAGE), 0);
    check_eq(ftruncate(fd, 0), 0);
    check_eq(fd_size(fd), 0);
    check_eq(close(fd), 0);
    event_close(&ready);
    event_close(&go);
}

void ftruncate_errors()
{
    int fd = open_new("h.terr", PAGE);
    require(fd >= 0, "create");
    int ro = shm_open("h.terr", O_RDONLY, 0, 0, nullptr);
    require(ro >= 0, "open");
    check_eq(ftruncate(ro, 2 * PAGE), ERR_ACCESS);
    check_eq(ftruncate(fd, SHM_MAX_REGION_SIZE + 1), ERR_INVAL);
    check_eq(ftruncate(fd, ~size_t(0)), ERR_INVAL);
    uint64_t total = quota_total();
    if (total + PAGE <= SHM_MAX_REGION_SIZE)
        check_eq(ftruncate(fd, total + PAGE), ERR_NOMEM);
    check_eq(fd_size(fd), PAGE);
    check_eq(ftruncate(-1, PAGE), ERR_BADF);
    check_eq(ftruncate(62, PAGE), ERR_BADF);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(ftruncate(fds[1], PAGE), ERR_INVAL);
    close(fds[0]);
    close(fds[1]);
    close(ro);
    close(fd);
}

void shm_unlink_while_mapped()
{
    ShmCounts before = shm_counts();
    int fd = open_new("h.unl", PAGE, SHM_PERSIST);
    require(fd >= 0, "create");
    char* old_view = map_fd(fd, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(old_view), "mmap");
    strcpy(old_view, "old data");
    require_eq(shm_unlink("h.unl"), ERR_OK);
    check_eq(shm_open("h.unl", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    struct shm_info info;
    check(find_region_info("h.unl", &info) && (info.flags & SHM_INFO_UNLINKED), "unlinked region: flags 0x%x",
          info.flags);
    // A new create of the name makes a new, zeroed region.
    int created = -1;
    int fd2 = shm_open("h.unl", O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, &created);
    require(fd2 >= 0, "re-create: %s", errname(fd2));
    check_eq(created, 1);
    check_eq(shm_counts().regions, before.regions + 2);
    char* new_view = map_fd(fd2, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(new_view), "mmap new");
    check_eq(new_view[0], 0);
    strcpy(new_view, "new data");
    check(strcmp(old_view, "old data") == 0, "the old region changed: \"%s\"", old_view);
    // The old handle still maps the old region.
    char* old2 = map_fd(fd, PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(old2), "mmap of the old handle");
    check(strcmp(old2, "old data") == 0, "old handle maps \"%s\"", old2);
    check_eq(munmap(old2, PAGE), 0);
    check_eq(munmap(old_view, PAGE), 0);
    check_eq(close(fd), 0);
    check_eq(shm_counts().regions, before.regions + 1);
    check_eq(munmap(new_view, PAGE), 0);
    check_eq(close(fd2), 0);
    check_counts_back(before, "after both regions went");
}

void shm_unlink_errors()
{
    check_eq(shm_unlink("h.uerr.none"), ERR_NOTEXIST);
    check_eq(shm_unlink(""), ERR_INVAL);
    check_eq(shm_unlink(nullptr), ERR_FAULT);
    static char long_name[SHM_NAME_MAX + 2];
    memset(long_name, 'u', SHM_NAME_MAX + 1);
    check_eq(shm_unlink(long_name), ERR_NAMETOOLONG);
    int fd = open_new("h.uerr", PAGE, SHM_PERSIST);
    require(fd >= 0, "create");
    check_eq(shm_unlink("h.uerr"), ERR_OK);
    check_eq(shm_unlink("h.uerr"), ERR_NOTEXIST);
    check_eq(close(fd), 0);
}

void close_keeps_views()
{
    ShmCounts before = shm_counts();
    int fd = open_new("h.close", PAGE);
    require(fd >= 0, "create");
    static char* v;
    v = map_fd(fd, PAGE, RW, MAP_SHARED, 0);
    require(!mmap_failed(v), "mmap");
    check_eq(close(fd), 0);
    check_eq(close(fd), ERR_BADF);
    strcpy(v, "after close");
    int status = run_child([] { check(strcmp(v, "after close") == 0, "child reads \"%s\"", v); });
    check_eq(status, 0);
    struct shm_info info;
    check(find_region_info("h.close", &info) && info.handles == 0 && info.views == 1, "handles %u views %u",
          info.handles, info.views);
    check_eq(munmap(v, PAGE), 0);
    check_counts_back(before, "after the last view");
}

void dup_counts_one_handle()
{
    int fd = open_new("h.dup", PAGE);
    require(fd >= 0, "create");
    int d = dup(fd);
    require(d >= 0, "dup");
    struct shm_info info;
    check(find_region_info("h.dup", &info) && info.handles == 1, "handles after dup: %u", info.handles);
    check_eq(close(fd), 0);
    check_eq(fd_size(d), PAGE);
    char* p = map_fd(d, PAGE, RW, MAP_SHARED, 0);
    check(!mmap_failed(p), "mmap through the dup: %s", errname(map_error(p)));
    if (!mmap_failed(p))
        check_eq(munmap(p, PAGE), 0);
    check_eq(close(d), 0);
    check(!find_region_info("h.dup", &info), "region alive after the last close");
}

void interfaces_interoperate()
{
    // createSharedRegion, then the handle interface.
    require_eq(createSharedRegion("h.mix", 2 * PAGE, 0), ERR_OK);
    int created = -1;
    int fd = shm_open("h.mix", O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, &created);
    require(fd >= 0, "shm_open: %s", errname(fd));
    check_eq(created, 0);
    check_eq(fd_size(fd), 2 * PAGE);
    char* h = map_fd(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    char* o = map_region("h.mix");
    require(!mmap_failed(h) && o, "mappings");
    strcpy(h + PAGE, "both ways");
    check(strcmp(o + PAGE, "both ways") == 0, "createMapping view reads \"%s\"", o + PAGE);
    check_eq(munmap(h, 2 * PAGE), 0);
    check_eq(destroyMapping("h.mix", o), ERR_OK);
    check_eq(destroySharedRegion("h.mix"), ERR_OK);
    check_eq(close(fd), 0);
    // shm_open, then the original interface: createMapping, lock, destroy.
    fd = open_new("h.mix2", PAGE);
    require(fd >= 0, "create");
    char* p = map_region("h.mix2");
    require(p, "createMapping");
    check_eq(lockSharedRegion("h.mix2"), ERR_OK);
    check_eq(unlockSharedRegion("h.mix2"), ERR_OK);
    check_eq(destroyMapping("h.mix2", p), ERR_OK);
    check_eq(destroySharedRegion("h.mix2"), ERR_OK); // no view: returns at once
    check_eq(shm_open("h.mix2", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    check_eq(fd_size(fd), PAGE); // the handle keeps the memory
    check_eq(close(fd), 0);
}

void shm_list_reports()
{
    int fd = open_new("h.list", 4 * PAGE, SHM_PERSIST, SHM_CEILING_RDONLY);
    require(fd >= 0, "create");
    char* a = map_region("h.list");
    char* b = map_fd(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 2 * PAGE);
    require(a && !mmap_failed(b), "mappings");
    a[0] = a[PAGE] = a[3 * PAGE] = 1;
    require_eq(lockSharedRegion("h.list"), ERR_OK);
    struct shm_info info;
    require(find_region_info("h.list", &info), "not listed");
    check_eq(info.size, 4 * PAGE);
    check_eq(info.resident_pages, 3);
    check_eq(info.handles, 1);
    check_eq(info.views, 2);
    check_eq(info.creator, getpid());
    check_eq(info.lock_owner, getpid());
    check_eq(info.flags, SHM_INFO_PERSIST | SHM_INFO_READONLY_CEILING | SHM_INFO_LOCKED);
    // Paging through the list with skip finds every region once.
    static struct shm_info one[1];
    int total = 0, seen = 0;
    for (int skip = 0; skip < 100000; skip++) {
        int n = shm_list(one, 1, skip);
        if (n <= 0) {
            check_eq(n, 0);
            break;
        }
        total++;
        seen += strcmp(one[0].name, "h.list") == 0;
    }
    check_eq(seen, 1);
    check_eq(uint64_t(total), shm_counts().regions);
    check_eq(shm_list(one, -1, 0), ERR_INVAL);
    check_eq(shm_list(one, 1, -1), ERR_INVAL);
    check_eq(shm_list(one, 0, 0), 0);
    check_eq(unlockSharedRegion("h.list"), ERR_OK);
    check_eq(destroyMapping("h.list", a), ERR_OK);
    check_eq(munmap(b, 2 * PAGE), 0);
    check_eq(shm_unlink("h.list"), ERR_OK);
    require(find_region_info("h.list", &info), "unlinked region with a handle not listed");
    check(info.flags & SHM_INFO_UNLINKED, "flags 0x%x", info.flags);
    check_eq(close(fd), 0);
}

void shm_maps_reports()
{
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    int fd = open_new("h.maps", 3 * PAGE);
    require(fd >= 0, "create");
    static int sfd;
    sfd = fd;
    static volatile int* addrs;
    addrs = test_shared_page();
    int child = spawn0([] {
        char* a = map_fd(sfd, PAGE, PROT_READ, MAP_SHARED, PAGE);
        char* b = map_region("h.maps");
        require(!mmap_failed(a) && b, "child's mappings");
        b[0] = b[2 * PAGE] = 1;
        *reinterpret_cast<volatile uintptr_t*>(addrs) = uintptr_t(a);
        *reinterpret_cast<volatile uintptr_t*>(addrs + 2) = uintptr_t(b);
        event_give(&ready);
        event_take(&go);
    });
    require(child > 0, "fork");
    require(event_take(&ready), "child not ready");
    uintptr_t a = *reinterpret_cast<volatile uintptr_t*>(addrs);
    uintptr_t b = *reinterpret_cast<volatile uintptr_t*>(addrs + 2);
    static struct map_info maps[64];
    int n = shm_maps(child, maps, 64);
    check(n > 2, "shm_maps(child) returned %d", n);
    bool found_a = false, found_b = false;
    for (int i = 0; i < n; i++) {
        if (maps[i].start == a) {
            found_a = true;
            check(maps[i].end == a + PAGE && maps[i].offset == PAGE && maps[i].prot == PROT_READ &&
                      maps[i].shared && maps[i].kind == MAP_KIND_SHARED_VIEW && !strcmp(maps[i].name, "h.maps"),
                  "view a: end 0x%lx offset 0x%lx prot %u kind %u name \"%s\"", (unsigned long)maps[i].end,
                  (unsigned long)maps[i].offset, maps[i].prot, maps[i].kind, maps[i].name);
        }
        if (maps[i].start == b) {
            found_b = true;
            check(maps[i].end == b + 3 * PAGE && maps[i].offset == 0 && maps[i].prot == RW &&
                      maps[i].resident_pages == 2 && !strcmp(maps[i].name, "h.maps"),
                  "view b: end 0x%lx prot %u resident %u name \"%s\"", (unsigned long)maps[i].end, maps[i].prot,
                  maps[i].resident_pages, maps[i].name);
        }
    }
    check(found_a && found_b, "views not listed (a %d, b %d)", found_a, found_b);
    check_eq(shm_maps(999999, maps, 64), ERR_SRCH);
    check_eq(shm_maps(child, maps, -1), ERR_INVAL);
    check_eq(shm_maps(child, maps, 0), 0);
    event_give(&go);
    test_expect_child_ok(child, "child");
    test_free_shared_page(addrs);
    check_eq(close(fd), 0);
    event_close(&ready);
    event_close(&go);
}

void mmap_anonymous_is_not_a_region()
{
    // MAP_SHARED | MAP_ANONYMOUS memory is shared with children but is no
    // named region: it is not listed and costs no quota.
    ShmCounts before = shm_counts();
    static volatile int* p;
    p = static_cast<volatile int*>(mmap(nullptr, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed((void*)p), "mmap");
    p[0] = 1;
    p[PAGE / sizeof(int)] = 2;
    check_eq(shm_counts().regions, before.regions);
    check_eq(shm_counts().quota_used, before.quota_used);
    int status = run_child([] { p[0] = 3; });
    check_eq(status, 0);
    check_eq(p[0], 3);
    check_eq(munmap(const_cast<int*>(p), 2 * PAGE), 0);
}
