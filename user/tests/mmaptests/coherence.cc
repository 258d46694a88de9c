/*
 * mmaptests: one page cache per file. What read() returns equals what a
 * mapping shows, a store through a shared mapping is visible to read() at
 * once and a write() to every mapping at once; private views copy on
 * write and never reach the file; views have the rights of their
 * descriptor; offsets pick the right pages.
 */
#include "cases.h"

namespace {
constexpr int RW = PROT_READ | PROT_WRITE;
} // namespace

void map_read_equals_read()
{
    const char* path = "/mt_readeq";
    const size_t size = 3 * PAGE + 1234;
    int fd = make_file(path, size, 11);
    char* buf = static_cast<char*>(malloc(size));
    require(buf, "malloc");
    require_eq(read_at(fd, buf, size, 0), long(size));
    char* p = map_or_stop(fd, size, PROT_READ, MAP_SHARED, 0);
    check(memcmp(p, buf, size) == 0, "the mapping differs from read()");
    check_pattern(p, size, 11, 0, "mapping");
    check_eq(munmap(p, size), 0);
    free(buf);
    close(fd);
    unlink(path);
}

void map_private_equals_read()
{
    const char* path = "/mt_priveq";
    const size_t size = 2 * PAGE + 77;
    int fd = make_file(path, size, 23);
    char* p = map_or_stop(fd, size, PROT_READ, MAP_PRIVATE, 0);
    check_pattern(p, size, 23, 0, "private mapping");
    check_eq(munmap(p, size), 0);
    close(fd);
    unlink(path);
}

void map_store_visible_to_read()
{
    const char* path = "/mt_storevis";
    const size_t size = 3 * PAGE;
    int fd = make_file(path, size, 5);
    char* p = map_or_stop(fd, size, RW, MAP_SHARED, 0);
    // Stores in the first, a middle and the last byte of the file, no msync.
    const size_t spots[] = {0, PAGE + 100, size - 1};
    for (size_t spot : spots)
        p[spot] = char(0xA5);
    for (size_t spot : spots) {
        char c = 0;
        check_eq(read_at(fd, &c, 1, long(spot)), 1);
        check(uint8_t(c) == 0xA5, "read() at %lu got 0x%x, not the store", (unsigned long)spot, uint8_t(c));
    }
    // Another descriptor of the same file sees the same page cache.
    int other = open_or_stop(path, O_RDONLY);
    char c = 0;
    check_eq(read_at(other, &c, 1, PAGE + 100), 1);
    check(uint8_t(c) == 0xA5, "a second descriptor read 0x%x", uint8_t(c));
    check_eq(file_size(fd), long(size)); // stores never change the size
    close(other);
    check_eq(munmap(p, size), 0);
    close(fd);
    unlink(path);
}

void write_visible_to_map()
{
    const char* path = "/mt_writevis";
    const size_t size = 3 * PAGE;
    int fd = make_file(path, size, 9);
    char* p = map_or_stop(fd, size, PROT_READ, MAP_SHARED, 0);
    check_pattern(p, PAGE, 9, 0, "page 0 before the write"); // page 0 is resident now
    const char msg[] = "written with write()";
    // Into a resident page, across into a page never touched, then read.
    require_eq(write_at(fd, msg, sizeof msg, PAGE - 5), long(sizeof msg));
    check(memcmp(p + PAGE - 5, msg, sizeof msg) == 0, "the mapping does not show the write");
    require_eq(write_at(fd, msg, sizeof msg, 2 * PAGE + 10), long(sizeof msg));
    check(memcmp(p + 2 * PAGE + 10, msg, sizeof msg) == 0, "an untouched page does not show the write");
    check_pattern(p + 2 * PAGE + 10 + sizeof msg, PAGE - 10 - sizeof msg, 9, 2 * PAGE + 10 + sizeof msg,
                  "the rest of page 2");
    check_eq(munmap(p, size), 0);
    close(fd);
    unlink(path);
}

void views_alias()
{
    const char* path = "/mt_alias";
    int fd = make_file(path, 4 * PAGE, 3);
    char* a = map_or_stop(fd, 4 * PAGE, RW, MAP_SHARED, 0);
    char* b = map_or_stop(fd, 2 * PAGE, RW, MAP_SHARED, 2 * PAGE);
    check(a != b, "two views at one address");
    a[2 * PAGE + 8] = 'x';
    check(b[8] == 'x', "a store through one view is not seen through the other");
    b[PAGE + 9] = 'y';
    check(a[3 * PAGE + 9] == 'y', "a store through the offset view is not seen through the first");
    check_eq(munmap(b, 2 * PAGE), 0);
    check_eq(munmap(a, 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void private_view_isolated()
{
    const char* path = "/mt_private";
    const size_t size = 2 * PAGE;
    int fd = make_file(path, size, 17);
    char* shared = map_or_stop(fd, size, RW, MAP_SHARED, 0);
    char* priv = map_or_stop(fd, size, RW, MAP_PRIVATE, 0);
    check_pattern(priv, size, 17, 0, "private view");
    priv[10] = 'P';
    check(shared[10] == char(pattern(17, 10)), "a private store reached the shared view");
    char c = 0;
    check_eq(read_at(fd, &c, 1, 10), 1);
    check(c == char(pattern(17, 10)), "a private store reached read()");
    // The copied page is the view's own from now on.
    shared[10] = 'S';
    check(priv[10] == 'P', "the private copy changed under a shared store");
    // Unmapping a private view writes nothing either.
    check_eq(munmap(priv, size), 0);
    check_eq(munmap(shared, size), 0);
    close(fd);
    fd = open_or_stop(path, O_RDONLY);
    check_eq(read_at(fd, &c, 1, 10), 1);
    check(c == 'S', "the file holds 0x%x at 10, expected the shared store", uint8_t(c));
    close(fd);
    unlink(path);
}

void readonly_fd_views()
{
    const char* path = "/mt_rofd";
    const size_t size = PAGE + 100;
    close(make_file(path, size, 29));
    int fd = open_or_stop(path, O_RDONLY);
    char* ro = map_or_stop(fd, size, PROT_READ, MAP_SHARED, 0);
    check_pattern(ro, size, 29, 0, "read-only view");
    check_eq(map_error(map_file(fd, size, RW, MAP_SHARED, 0)), ERR_ACCESS);
    check_eq(mprotect(ro, PAGE, RW), ERR_ACCESS);
    // A private view of a read-only descriptor may be written: the writes
    // stay in the view.
    char* priv = map_or_stop(fd, size, RW, MAP_PRIVATE, 0);
    priv[0] = 'q';
    check(ro[0] == char(pattern(29, 0)), "a private store showed through the shared view");
    check_eq(munmap(priv, size), 0);
    check_eq(munmap(ro, size), 0);
    close(fd);
    // Write-only descriptors map nothing: a view always reads.
    fd = open_or_stop(path, O_WRONLY);
    check_eq(map_error(map_file(fd, size, PROT_READ, MAP_SHARED, 0)), ERR_ACCESS);
    check_eq(map_error(map_file(fd, size, PROT_WRITE, MAP_SHARED, 0)), ERR_ACCESS);
    check_eq(map_error(map_file(fd, size, PROT_READ, MAP_PRIVATE, 0)), ERR_ACCESS);
    close(fd);
    unlink(path);
}

namespace {
int g_ro_fd;
char* g_ro_view;
} // namespace

void readonly_view_store_kills()
{
    const char* path = "/mt_rostore";
    g_ro_fd = make_file(path, PAGE, 31);
    g_ro_view = map_or_stop(g_ro_fd, PAGE, PROT_READ, MAP_SHARED, 0);
    int status = run_child([] {
        static_cast<volatile char*>(g_ro_view)[5] = 'w';
        exit(0);
    });
    test_expect_killed(status, "store to a read-only file view");
    check_pattern(g_ro_view, PAGE, 31, 0, "after the killed store");
    // mprotect back up to what the descriptor allows, then the store works.
    check_eq(mprotect(g_ro_view, PAGE, PROT_READ | PROT_WRITE), 0);
    g_ro_view[5] = 'w';
    char c = 0;
    check_eq(read_at(g_ro_fd, &c, 1, 5), 1);
    check(c == 'w', "store after mprotect not in the file");
    check_eq(munmap(g_ro_view, PAGE), 0);
    close(g_ro_fd);
    unlink(path);
}

void map_at_offsets()
{
    const char* path = "/mt_offsets";
    const size_t size = 5 * PAGE + 300;
    int fd = make_file(path, size, 41);
    char* p = map_or_stop(fd, 2 * PAGE, PROT_READ, MAP_SHARED, 2 * PAGE);
    check_pattern(p, 2 * PAGE, 41, 2 * PAGE, "view at offset 2 pages");
    check_eq(munmap(p, 2 * PAGE), 0);
    // The last, partial page: the file's bytes, then zeros.
    p = map_or_stop(fd, PAGE, PROT_READ, MAP_PRIVATE, 5 * PAGE);
    check_pattern(p, 300, 41, 5 * PAGE, "last page");
    check(all_zero(p + 300, PAGE - 300), "bytes past the end of the file are not zero");
    check_eq(munmap(p, PAGE), 0);
    // Offsets must be page aligned and may not start past the last page.
    check_eq(map_error(map_file(fd, PAGE, PROT_READ, MAP_SHARED, 100)), ERR_INVAL);
    check_eq(map_error(map_file(fd, PAGE, PROT_READ, MAP_SHARED, 7 * PAGE)), ERR_INVAL);
    // Starting right after the last page is allowed (all of it past the end).
    p = map_file(fd, PAGE, PROT_READ, MAP_SHARED, 6 * PAGE);
    check(!mmap_failed(p), "a view just past the end: %s", errname(map_error(p)));
    if (!mmap_failed(p))
        munmap(p, PAGE);
    close(fd);
    unlink(path);
}

void read_into_own_mapping()
{
    // read() and write() with a buffer inside a mapping of the same file,
    // on pages not yet touched: the kernel must fault them in without
    // holding the file's lock (a deadlock otherwise).
    const char* path = "/mt_selfio";
    int fd = make_file(path, 4 * PAGE, 47);
    char* p = map_or_stop(fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    check_eq(read_at(fd, p + 2 * PAGE, PAGE, 0), long(PAGE)); // page 2 := page 0
    check_pattern(p + 2 * PAGE, PAGE, 47, 0, "page 2 after reading page 0 into it");
    check_eq(write_at(fd, p + 3 * PAGE, PAGE, PAGE), long(PAGE)); // page 1 := page 3
    check_pattern(p + PAGE, PAGE, 47, 3 * PAGE, "page 1 after writing page 3 over it");
    char* buf = static_cast<char*>(malloc(PAGE));
    require(buf, "malloc");
    check_eq(read_at(fd, buf, PAGE, 2 * PAGE), long(PAGE));
    check_pattern(buf, PAGE, 47, 0, "read() of page 2");
    free(buf);
    check_eq(munmap(p, 4 * PAGE), 0);
    close(fd);
    unlink(path);
}

void exec_sees_mapped_writes()
{
    // exec reads a program through the page cache too: a copy of echoargs
    // changed through a mapping runs changed. Not while the view or the
    // descriptor that could still change it exist: ERR_TXTBSY then, as
    // on Linux (a running program's file must not change under it).
    const char* path = "/mt_echo";
    int src = open_or_stop("/bin/echoargs", O_RDONLY);
    long size = file_size(src);
    require(size > 0, "fstat of /bin/echoargs: %ld", size);
    char* image = static_cast<char*>(malloc(size_t(size)));
    require(image, "malloc");
    require_eq(read_at(src, image, size_t(size), 0), size);
    close(src);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create %s: %s", path, errname(fd));
    require_eq(write_at(fd, image, size_t(size), 0), size);
    free(image);
    char* p = map_or_stop(fd, size_t(size), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    char* fmt = nullptr;
    for (long i = 0; i + 7 <= size && !fmt; i++)
        if (memcmp(p + i, "argc=%d", 7) == 0)
            fmt = p + i;
    require(fmt, "no \"argc=%%d\" in echoargs");
    memcpy(fmt, "ARGC", 4);
    char out[256];
    int status = 0;
    char* argv[] = {const_cast<char*>(path), nullptr};
    test_run_capture(path, argv, out, sizeof out, &status);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 122, "exec while writable: status 0x%x", status);
    check_eq(munmap(p, size_t(size)), 0);
    close(fd);
    test_run_capture(path, argv, out, sizeof out, &status);
    check(strstr(out, "ARGC=1") != nullptr, "exec of the changed copy printed \"%s\"", out);
    check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 101, "status 0x%x", status);
    unlink(path);
}

namespace {
// Initialised, so it lives in .data: its pages are read from /bin/mmaptests
// on first touch, under that file's lock.
char g_program_data[4 * PAGE] = {1};
} // namespace

void read_into_own_program_data()
{
    // The same for a program's own data segment, which is backed by its
    // executable: read() of that file into a page of it not yet touched
    // used to take the file's lock twice (a kernel panic).
    int fd = open_or_stop("/bin/mmaptests", O_RDONLY);
    char* target = g_program_data + 2 * PAGE;
    char expect[64];
    check_eq(read_at(fd, expect, sizeof expect, 0), long(sizeof expect));
    check_eq(read_at(fd, target, sizeof expect, 0), long(sizeof expect));
    check(memcmp(target, expect, sizeof expect) == 0, "read() into the data segment got other bytes");
    check(target[0] == 0x7f && target[1] == 'E', "not the ELF header");
    // And write() from another untouched page of it, into a scratch file.
    int out = make_file("/mt_progdata", 0, 0);
    check_eq(write_at(out, g_program_data + 3 * PAGE, 100, 0), 100);
    close(out);
    close(fd);
    unlink("/mt_progdata");
}
