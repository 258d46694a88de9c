/*
 * mmaptests: the end of the file. A view may reach past it, but pages
 * wholly past the end are not accessible (touching one kills the toucher,
 * never the kernel); the bytes past the end in the last page read as zero
 * and never become file data by themselves. ftruncate grows and shrinks a
 * mapped file (shrinking refused while a view covers a page it would cut);
 * an unlinked file lives on while it is mapped.
 */
#include "cases.h"
#include "sync.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;
char* g_view;
} // namespace

void past_eof_kills_only_toucher()
{
    const char* path = "/mt_pasteof";
    const size_t size = PAGE + PAGE / 2;
    int fd = make_file(path, size, 51);
    g_view = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    // Inside the last page: fine, zeros past the end.
    check_pattern(g_view + PAGE, PAGE / 2, 51, PAGE, "last page");
    check(all_zero(g_view + size, PAGE / 2), "bytes past the end are not zero");
    // A whole page past the end: the toucher dies, loads and stores alike.
    test_expect_killed(run_child([] {
        (void)static_cast<volatile char*>(g_view)[2 * PAGE];
        exit(0);
    }), "load two pages in");
    test_expect_killed(run_child([] {
        static_cast<volatile char*>(g_view)[3 * PAGE + 17] = 1;
        exit(0);
    }), "store three pages in");
    // A private view past the end too.
    char* priv = map_or_stop(fd, 3 * PAGE, RW, MAP_PRIVATE, 0);
    g_view = priv;
    test_expect_killed(run_child([] {
        static_cast<volatile char*>(g_view)[2 * PAGE] = 1;
        exit(0);
    }), "private store past the end");
    check_eq(munmap(priv, 3 * PAGE), 0);
    // The system call that would touch it fails instead.
    char* shared = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    check_eq(write(1, shared + 2 * PAGE, 10), ERR_FAULT);
    check_eq(read_at(fd, shared + 3 * PAGE, 10, 0), ERR_FAULT);
    // So do the futex calls on a word there, with the documented code (they
    // once passed the page fault's internal ERR_RANGE through).
    uint32_t* word = reinterpret_cast<uint32_t*>(shared + 2 * PAGE);
    check_eq(futex_wait(word, 0, clock_ns() + 1000000), ERR_FAULT);
    check_eq(futex_wake(word, FUTEX_WAKE_HANDOFF), ERR_FAULT);
    // Whoever did not touch it lives on, with its view intact.
    check_pattern(shared, PAGE, 51, 0, "first page after the kills");
    check_eq(munmap(shared, 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void tail_past_eof_not_in_file()
{
    const char* path = "/mt_tail";
    const size_t size = 1000;
    int fd = make_file(path, size, 53);
    char* p = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
    memset(p + size, 'J', 50); // past the end, inside the last page
    check_eq(file_size(fd), long(size));
    char buf[1100];
    check_eq(read_at(fd, buf, sizeof buf, 0), long(size));
    check_eq(msync(p, PAGE, MS_SYNC), 0);
    check_eq(file_size(fd), long(size));
    // Growing the file makes those bytes part of it: as zeros, not junk.
    check_eq(ftruncate(fd, 2000), 0);
    check_eq(read_at(fd, buf, 1000, 1000), 1000);
    check(all_zero(buf, 1000), "growing the file exposed bytes stored past its old end");
    check(all_zero(p + size, 50), "the view still shows the stores past the old end");
    // Writing past the end likewise: the gap reads as zeros.
    p[2000 + 10] = 'K';
    const char msg[] = "end";
    check_eq(write_at(fd, msg, sizeof msg, 2100), long(sizeof msg));
    check_eq(read_at(fd, buf, 100, 2000), 100);
    check(all_zero(buf, 100), "write() past the end exposed stored bytes");
    check_eq(munmap(p, PAGE), 0);
    close(fd);
    unlink(path);
}

void ftruncate_grow_with_view()
{
    const char* path = "/mt_grow";
    int fd = make_file(path, PAGE, 57);
    g_view = map_or_stop(fd, 3 * PAGE, RW, MAP_SHARED, 0);
    test_expect_killed(run_child([] {
        static_cast<volatile char*>(g_view)[2 * PAGE] = 1;
        exit(0);
    }), "store past the end before growing");
    check_eq(ftruncate(fd, 3 * PAGE), 0);
    check_eq(file_size(fd), long(3 * PAGE));
    check(all_zero(g_view + PAGE, 2 * PAGE), "the grown part is not zero");
    g_view[2 * PAGE + 5] = 'g';
    char c = 0;
    check_eq(read_at(fd, &c, 1, 2 * PAGE + 5), 1);
    check(c == 'g', "a store in the grown part is not in the file");
    check_pattern(g_view, PAGE, 57, 0, "the old part");
    check_eq(munmap(g_view, 3 * PAGE), 0);
    close(fd);
    unlink(path);
}

void ftruncate_shrink_with_views()
{
    const char* path = "/mt_shrink";
    int fd = make_file(path, 3 * PAGE, 59);
    char* all = map_or_stop(fd, 3 * PAGE, PROT_READ, MAP_SHARED, 0);
    // Windows' rule: a mapped part of a file cannot be cut off.
    check_eq(ftruncate(fd, PAGE), ERR_BUSY);
    check_eq(ftruncate(fd, 0), ERR_BUSY);
    check_eq(file_size(fd), long(3 * PAGE));
    check_eq(munmap(all, 3 * PAGE), 0);
    // A view of the first page only: cutting the rest is fine...
    char* first = map_or_stop(fd, PAGE, RW, MAP_SHARED, 0);
    char* priv = map_or_stop(fd, PAGE, PROT_READ, MAP_PRIVATE, PAGE);
    check_eq(ftruncate(fd, PAGE), ERR_BUSY); // the private view covers page 1
    check_eq(ftruncate(fd, PAGE + 10), 0);   // which this keeps
    check_eq(munmap(priv, PAGE), 0);
    check_eq(ftruncate(fd, PAGE), 0);
    check_eq(file_size(fd), long(PAGE));
    check_pattern(first, PAGE, 59, 0, "the kept page");
    // ...and so is cutting inside the page it maps: the rest reads as zero.
    check_eq(ftruncate(fd, 100), 0);
    check_pattern(first, 100, 59, 0, "the kept bytes");
    check(all_zero(first + 100, PAGE - 100), "the cut part of the mapped page is not zero");
    check_eq(ftruncate(fd, 2 * PAGE), 0);
    char buf[200];
    check_eq(read_at(fd, buf, 200, 0), 200);
    check_pattern(buf, 100, 59, 0, "read after regrowing");
    check(all_zero(buf + 100, 100), "regrown bytes are not zero");
    check_eq(munmap(first, PAGE), 0);
    // With no view left, anything goes.
    check_eq(ftruncate(fd, 0), 0);
    check_eq(file_size(fd), 0);
    close(fd);
    unlink(path);
}

void ftruncate_errors()
{
    const char* path = "/mt_truncerr";
    close(make_file(path, 100, 61));
    int ro = open_or_stop(path, O_RDONLY);
    check_eq(ftruncate(ro, 10), ERR_ACCESS);
    close(ro);
    int fd = open_or_stop(path, O_RDWR);
    check_eq(ftruncate(fd, size_t(1) << 40), ERR_INVAL); // past the largest file
    check_eq(file_size(fd), 100);
    close(fd);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(ftruncate(fds[1], 10), ERR_INVAL);
    close(fds[0]);
    close(fds[1]);
    check_eq(ftruncate(77, 10), ERR_BADF);
    int dir = open_or_stop("/", O_RDONLY);
    check_eq(ftruncate(dir, 0), ERR_ACCESS); // directories open read-only
    close(dir);
    unlink(path);
}

void open_trunc_busy_while_mapped()
{
    const char* path = "/mt_otrunc";
    int fd = make_file(path, 2 * PAGE, 63);
    char* p = map_or_stop(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 0);
    check_eq(open(path, O_RDWR | O_TRUNC), ERR_BUSY);
    check_eq(file_size(fd), long(2 * PAGE));
    check_pattern(p, 2 * PAGE, 63, 0, "after the refused O_TRUNC");
    check_eq(munmap(p, 2 * PAGE), 0);
    int again = open(path, O_RDWR | O_TRUNC);
    check(again >= 0, "O_TRUNC after munmap: %s", errname(again));
    check_eq(file_size(fd), 0);
    close(again);
    close(fd);
    unlink(path);
}

void unlink_while_mapped()
{
    const char* path = "/mt_unlink";
    uint64_t cache_before = filecache_pages();
    int fd = make_file(path, 2 * PAGE, 67);
    char* p = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 0);
    close(fd);
    check_eq(unlink(path), 0);
    check_eq(open(path, O_RDONLY), ERR_NOTEXIST);
    // The data lives while mapped, for reading and writing.
    check_pattern(p, 2 * PAGE, 67, 0, "unlinked file");
    p[PAGE] = 'u';
    check(p[PAGE] == 'u', "store to the unlinked file lost");
    // A new file of that name is another file.
    int fresh = make_file(path, PAGE, 1);
    char c = 0;
    check_eq(read_at(fresh, &c, 1, 0), 1);
    check(c == char(pattern(1, 0)), "the new file shows the old one's data");
    close(fresh);
    unlink(path);
    // A child inherits the view; the file goes with the last one.
    g_view = p;
    int status = run_child([] {
        check(g_view[PAGE] == 'u', "the child does not see the store");
        exit(test_failures() ? 1 : 0);
    });
    check_eq(status, 0);
    check_eq(munmap(p, 2 * PAGE), 0);
    check(filecache_pages() <= cache_before, "the unlinked file's cache stays: %lu pages, %lu before",
          (unsigned long)filecache_pages(), (unsigned long)cache_before);
}

void shrink_zeroes_tail()
{
    // Without any mapping: what a shrink cuts off reads as zero after a
    // regrow, on disk too (the cache of an unmapped file goes at close).
    const char* path = "/mt_zerotail";
    int fd = make_file(path, 3 * PAGE, 71);
    check_eq(ftruncate(fd, PAGE + 7), 0);
    check_eq(ftruncate(fd, 3 * PAGE), 0);
    close(fd);
    fd = open_or_stop(path, O_RDONLY);
    char* buf = static_cast<char*>(malloc(3 * PAGE));
    require(buf, "malloc");
    check_eq(read_at(fd, buf, 3 * PAGE, 0), long(3 * PAGE));
    check_pattern(buf, PAGE + 7, 71, 0, "kept part");
    check(all_zero(buf + PAGE + 7, 2 * PAGE - 7), "the cut part came back");
    free(buf);
    close(fd);
    unlink(path);
}

void truncate_through_indirect_blocks()
{
    // A sparse file reaching into the double-indirect blocks, cut back
    // level by level: what is kept stays, what is cut reads as zeros.
    const char* path = "/mt_indirect";
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    const long blocks[] = {0, 11, 12, 500, 1035, 1036, 1036 + 1024 + 3, 1036 + 3 * 1024 + 1};
    const int count = int(sizeof blocks / sizeof blocks[0]);
    char page[PAGE];
    for (int i = 0; i < count; i++) {
        memset(page, 'a' + i, PAGE);
        require_eq(write_at(fd, page, PAGE, blocks[i] * long(PAGE)), long(PAGE));
    }
    // Cut at each level in turn, from the far end back.
    const long cuts[] = {1036 + 2 * 1024, 1036 + 1024 + 4, 1036 + 1, 1036, 600, 12, 5, 0};
    for (long cut : cuts) {
        require_eq(ftruncate(fd, size_t(cut) * PAGE + (cut ? 100 : 0)), 0);
        for (int i = 0; i < count; i++) {
            char c = 0;
            long r = read_at(fd, &c, 1, blocks[i] * long(PAGE) + 50);
            if (blocks[i] < cut || (blocks[i] == cut && cut))
                check(r == 1 && c == 'a' + i, "cut %ld: block %ld read %ld, 0x%x", cut, blocks[i], r, uint8_t(c));
            else
                check(r == 0, "cut %ld: block %ld past the end read %ld", cut, blocks[i], r);
        }
    }
    // Regrow: everything is a hole again.
    require_eq(ftruncate(fd, size_t(1036 + 4 * 1024) * PAGE), 0);
    char* p = map_or_stop(fd, PAGE, PROT_READ, MAP_SHARED, (1036 + 1024 + 3) * long(PAGE));
    check(all_zero(p, PAGE), "a freed double-indirect block came back");
    check_eq(munmap(p, PAGE), 0);
    close(fd);
    unlink(path);
}
