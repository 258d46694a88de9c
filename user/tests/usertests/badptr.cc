/*
 * usertests: system calls given bad pointers must return ERR_FAULT and
 * leave the caller running (DESIGN.md section 4: checked user copies),
 * while lazy pages, which are merely untouched, must work.
 */
#include "cases.h"

namespace {

const uintptr_t g_bad_addresses[] = {
    0,                       // NULL
    0x1000,                  // below the program
    KERNEL_ADDR,             // the kernel's half
    0xfffffffffffff000,      // the last page
    UNMAPPED_ADDR,           // user half, no region
    NONCANONICAL_ADDR,       // not an Sv39 address at all
};

void* bad(int i) { return reinterpret_cast<void*>(g_bad_addresses[i]); }
constexpr int BAD_COUNT = sizeof g_bad_addresses / sizeof g_bad_addresses[0];

// A mapping of `pages` pages whose last page is then unmapped, so the
// page before it ends at a hole.
char* map_with_hole(size_t pages)
{
    char* p = static_cast<char*>(mmap(nullptr, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (mmap_failed(p))
        return nullptr;
    munmap(p + (pages - 1) * PAGE, PAGE);
    return p;
}

} // namespace

void badptr_buffers()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    int file = open("/bin/echoargs", O_RDONLY);
    require(file >= 0, "open /bin/echoargs: %s", errname(file));
    for (int i = 0; i < BAD_COUNT; i++) {
        check(write(fds[1], bad(i), 16) == ERR_FAULT, "write from %p: %ld", bad(i), write(fds[1], bad(i), 16));
        long r = read(file, bad(i), 16);
        check(r == ERR_FAULT, "read into %p returned %ld", bad(i), r);
        r = write(STDOUT_FILENO, bad(i), 16);
        check(r == ERR_FAULT, "console write from %p returned %ld", bad(i), r);
    }
    // Reading into our own code is writing to a read-only page.
    long r = read(file, reinterpret_cast<void*>(&badptr_buffers), 16);
    check(r == ERR_FAULT, "read into text returned %ld", r);
    // Nothing was written into the pipe by the failed writes.
    check_eq(write(fds[1], "ok", 2), 2);
    char buf[8] = {};
    check_eq(read(fds[0], buf, sizeof buf), 2);
    close(fds[0]);
    close(fds[1]);
    close(file);
}

void badptr_page_crossing()
{
    char* p = map_with_hole(2);
    require(p, "mmap failed");
    char* edge = p + PAGE - 8; // 8 good bytes, then the hole
    memset(edge, 'e', 8);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[1], edge, 16), ERR_FAULT);
    check_eq(write(fds[1], edge, 8), 8);
    int file = open("/bin/echoargs", O_RDONLY);
    require(file >= 0, "open: %s", errname(file));
    check_eq(read(file, edge, 16), ERR_FAULT);
    // A path string that runs into the hole without a NUL. (Before the
    // next mmap, which may well be placed in the hole.)
    memset(edge, 'a', 8);
    check_eq(open(edge, O_RDONLY), ERR_FAULT);
    // A buffer that starts in a writable page and runs into a read-only one.
    char* q = static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(q), "mmap failed");
    require_eq(mprotect(q + PAGE, PAGE, PROT_READ), 0);
    check_eq(read(file, q + PAGE - 8, 16), ERR_FAULT);
    munmap(p, PAGE);
    munmap(q, 2 * PAGE);
    close(file);
    close(fds[0]);
    close(fds[1]);
}

void badptr_lazy_pages_are_valid()
{
    // Memory that exists but was never touched is a good buffer: the
    // kernel must fault it in, not refuse it.
    char* p = static_cast<char*>(mmap(nullptr, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(p), "mmap failed");
    int file = open("/bin/echoargs", O_RDONLY);
    require(file >= 0, "open: %s", errname(file));
    check_eq(read(file, p + PAGE - 100, 300), 300); // spans two untouched pages
    check(p[PAGE - 100] == 0x7f && p[PAGE - 99] == 'E', "read data missing");
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[1], p + 3 * PAGE, 64), 64); // untouched, reads as zeros
    char buf[64];
    check_eq(read(fds[0], buf, 64), 64);
    bool zero = true;
    for (char c : buf)
        zero &= c == 0;
    check(zero, "lazy page did not read as zeros");
    char* heap = static_cast<char*>(sbrk(2 * PAGE));
    require(!is_err(intptr_t(heap)), "sbrk failed");
    check_eq(read(file, heap, 2 * PAGE), long(2 * PAGE));
    struct stat* st = reinterpret_cast<struct stat*>(p + 2 * PAGE - 8); // crosses into an untouched page
    check_eq(fstat(file, st), 0);
    check_eq(st->type, T_FILE);
    close(fds[0]);
    close(fds[1]);
    close(file);
    munmap(p, 4 * PAGE);
}

void badptr_strings()
{
    char* argv[] = {const_cast<char*>("x"), nullptr};
    for (int i = 0; i < BAD_COUNT; i++) {
        const char* s = static_cast<const char*>(bad(i));
        check_eq(open(s, O_RDONLY), ERR_FAULT);
        check_eq(open(s, O_CREAT | O_RDWR), ERR_FAULT);
        check_eq(mkdir(s), ERR_FAULT);
        check_eq(unlink(s), ERR_FAULT);
        check_eq(chdir(s), ERR_FAULT);
        check_eq(link(s, "ut_badlink"), ERR_FAULT);
        check_eq(link("/bin/echoargs", s), ERR_FAULT);
        check_eq(mknod(s, DEV_NULL, 0), ERR_FAULT);
        check_eq(exec(s, argv), ERR_FAULT);
    }
    unlink("ut_badlink");
}

void badptr_structs()
{
    for (int i = 0; i < BAD_COUNT; i++) {
        void* p = bad(i);
        check_eq(pipe(static_cast<int*>(p)), ERR_FAULT);
        check_eq(fstat(0, static_cast<struct stat*>(p)), ERR_FAULT);
        check_eq(meminfo(static_cast<struct meminfo*>(p)), ERR_FAULT);
        check_eq(procinfo(static_cast<struct procinfo*>(p), 4), ERR_FAULT);
        check_eq(proc_stats(0, static_cast<struct proc_stats*>(p)), ERR_FAULT);
        int dir = open("/", O_RDONLY);
        check_eq(getdents(dir, static_cast<struct dirent*>(p), 4), ERR_FAULT);
        close(dir);
        // In a child: an exec that wrongly succeeds must not replace the
        // case (echoargs then exits with 100 + argc, never 0).
        int status = test_fork([](void* bad_argv) {
            check_eq(exec("/bin/echoargs", static_cast<char* const*>(bad_argv)), ERR_FAULT);
            // An argv whose element is bad.
            char* argv[] = {const_cast<char*>("echoargs"), static_cast<char*>(bad_argv), nullptr};
            if (bad_argv != nullptr)
                check_eq(exec("/bin/echoargs", argv), ERR_FAULT);
        }, p);
        check(status == 0, "exec with bad argv %p: child status %#x", p, status);
    }
    // A failed pipe() must not leave descriptors behind: fds 0-2 are open,
    // so the next descriptor is 3.
    int fd = dup(0);
    check_eq(fd, 3);
    close(fd);
    // wait() with a bad status pointer fails without harm; the child is
    // then still (or no longer) waitable, but never lost as a zombie.
    int pid = fork();
    if (pid == 0)
        exit(0);
    require(pid > 0, "fork: %s", errname(pid));
    sleep(10);
    check_eq(wait(reinterpret_cast<int*>(KERNEL_ADDR)), ERR_FAULT);
    while (wait(nullptr) > 0) {
    }
}
