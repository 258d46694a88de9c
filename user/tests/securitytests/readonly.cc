/*
 * securitytests: a read-only view, or a read-only handle, must not be a
 * way to change the region, whatever path the write takes: a store, a
 * system call that writes its output there, mprotect (of the whole view
 * or of pieces), MAP_FIXED, a private view and its copy-on-write (by the
 * process, by the kernel on its behalf, after fork), futex hand-over, the
 * robust-list walk at exit, or shrinking the region under the view.
 *
 * Every region here is made by another process (so the caller is not its
 * creator), filled with a known byte, and checked afterwards through a
 * fresh read-only view.
 */
#include "cases.h"

namespace {
constexpr size_t PAGES = 4;
constexpr char FILL = 'R';

// A region whose first word holds a given pid (for futex and robust-list
// cases); the rest is FILL.
void make_region_with_word(const char* name, uint32_t word)
{
    make_foreign_region(name, PAGES, FILL, SHM_CEILING_RDWR);
    static uintptr_t args[2];
    args[0] = uintptr_t(name);
    args[1] = word;
    int status = test_fork(
        [](void* arg) {
            auto* a = static_cast<uintptr_t*>(arg);
            int fd = shm_open(reinterpret_cast<const char*>(a[0]), O_RDWR, 0, 0, nullptr);
            require(fd >= 0, "shm_open: %s", errname(fd));
            auto* p = static_cast<uint32_t*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
            require(!mmap_failed(p), "mmap");
            p[0] = uint32_t(a[1]);
        },
        args);
    require(status == 0, "writing the word: %#x", status);
}

bool word_is(const char* name, uint32_t value)
{
    int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    if (fd < 0)
        return false;
    auto* p = static_cast<const uint32_t*>(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0));
    bool same = !mmap_failed(p) && p[0] == value;
    if (!mmap_failed(p))
        munmap(const_cast<uint32_t*>(p), PAGE);
    close(fd);
    return same;
}

// The rest of the region (after the first word) is still FILL.
bool rest_unchanged(const char* name)
{
    int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    if (fd < 0)
        return false;
    const char* p = static_cast<const char*>(mmap(nullptr, PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0));
    bool same = !mmap_failed(p);
    for (size_t i = 4; same && i < PAGES * PAGE; i++)
        same = p[i] == FILL;
    if (!mmap_failed(p))
        munmap(const_cast<char*>(p), PAGES * PAGE);
    close(fd);
    return same;
}

char* g_view; // for children
} // namespace

void readonly_view_store_kills()
{
    make_foreign_region("sec.ro1", PAGES, FILL, SHM_CEILING_RDWR);
    int fd;
    g_view = readonly_view("sec.ro1", PAGES, &fd);
    int status = in_child([] { g_view[0] = 'X'; });
    check(status >= 0 && WIFKILLED(status), "a store to the read-only view: status %#x, expected killed", status);
    status = in_child([] { g_view[PAGES * PAGE - 1] = 'X'; });
    check(status >= 0 && WIFKILLED(status), "a store to its last byte: status %#x", status);
    status = in_child([] { __atomic_fetch_add(reinterpret_cast<uint32_t*>(g_view + PAGE), 1u, __ATOMIC_SEQ_CST); });
    check(status >= 0 && WIFKILLED(status), "an atomic add: status %#x", status);
    check(region_unchanged("sec.ro1", PAGES * PAGE, FILL), "the region changed");
    munmap(g_view, PAGES * PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro1"), ERR_OK);
}

void readonly_view_as_syscall_buffer()
{
    make_foreign_region("sec.ro2", PAGES, FILL, SHM_CEILING_RDWR);
    int fd;
    char* v = readonly_view("sec.ro2", PAGES, &fd);
    int file = open("/README", O_RDONLY);
    require(file >= 0, "open");
    int fds[2];
    require_eq(pipe(fds), 0);
    require_eq(write(fds[1], "data", 4), 4);
    int dir = open("/", O_RDONLY);
    check_eq(read(file, v, 16), ERR_FAULT);
    check_eq(read(fds[0], v + PAGE, 4), ERR_FAULT);
    check_eq(fstat(file, reinterpret_cast<struct stat*>(v)), ERR_FAULT);
    check_eq(meminfo(reinterpret_cast<struct meminfo*>(v)), ERR_FAULT);
    check_eq(procinfo(reinterpret_cast<struct procinfo*>(v), 2), ERR_FAULT);
    check_eq(proc_stats(0, reinterpret_cast<struct proc_stats*>(v)), ERR_FAULT);
    check_eq(pipe(reinterpret_cast<int*>(v)), ERR_FAULT);
    check_eq(getdents(dir, reinterpret_cast<struct dirent*>(v), 2), ERR_FAULT);
    check_eq(shm_list(reinterpret_cast<struct shm_info*>(v), 2, 0), ERR_FAULT);
    check_eq(shm_maps(0, reinterpret_cast<struct map_info*>(v), 2), ERR_FAULT);
    check_eq(createMapping("sec.ro2", reinterpret_cast<void**>(v)), ERR_FAULT);
    check_eq(shm_open("sec.ro2.x", O_RDWR | O_CREAT, PAGE, 0, reinterpret_cast<int*>(v)), ERR_FAULT);
    check_eq(shm_open("sec.ro2.x", O_RDONLY, 0, 0, nullptr), ERR_NOTEXIST);
    int pid = fork();
    if (pid == 0)
        exit(3);
    sleep(5);
    check_eq(waitpid(pid, reinterpret_cast<int*>(v)), ERR_FAULT);
    check_eq(stress::reap(pid), 3 << 8);
    // A buffer that starts in writable memory and runs into the view.
    char* before = static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(before), "mmap");
    munmap(before + PAGE, PAGE);
    char* tail = static_cast<char*>(mmap(before + PAGE, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0));
    if (check(!mmap_failed(tail), "MAP_FIXED view: %s", errname(int(intptr_t(tail))))) {
        long r = lseek(file, 0, SEEK_SET);
        (void)r;
        r = read(file, before + PAGE - 8, 64);
        check(r == ERR_FAULT || (r >= 0 && r <= 8), "a read across into the view returned %ld", r);
        munmap(tail, PAGE);
    }
    munmap(before, PAGE);
    check(region_unchanged("sec.ro2", PAGES * PAGE, FILL), "the region changed");
    close(file);
    close(dir);
    close(fds[0]);
    close(fds[1]);
    munmap(v, PAGES * PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro2"), ERR_OK);
}

void readonly_view_mprotect_upgrade()
{
    make_foreign_region("sec.ro3", PAGES, FILL, SHM_CEILING_RDWR);
    int fd;
    char* v = readonly_view("sec.ro3", PAGES, &fd);
    check_eq(mprotect(v, PAGES * PAGE, PROT_READ | PROT_WRITE), ERR_ACCESS);
    check_eq(mprotect(v + PAGE, PAGE, PROT_WRITE), ERR_ACCESS);
    check_eq(mprotect(v, PAGE, PROT_READ | PROT_EXEC), ERR_OK); // no write in that
    check_eq(mprotect(v, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), ERR_ACCESS);
    // Pieces of a split view keep the limit.
    check_eq(munmap(v + PAGE, PAGE), ERR_OK);
    check_eq(mprotect(v + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE), ERR_ACCESS);
    check_eq(mprotect(v, PAGE, PROT_READ | PROT_WRITE), ERR_ACCESS);
    // The hole cannot be filled with a writable view of the same handle...
    void* w = mmap(v + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, PAGE);
    check(mmap_failed(w) && int(intptr_t(w)) == ERR_ACCESS, "a writable view of a read-only handle: %p", w);
    // ... and what is mapped cannot be replaced by MAP_FIXED.
    w = mmap(v, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check(mmap_failed(w), "MAP_FIXED replaced the view");
    g_view = v;
    int status = in_child([] { g_view[2 * PAGE] = 'X'; });
    check(status >= 0 && WIFKILLED(status), "a store after the refused mprotect: status %#x", status);
    check(region_unchanged("sec.ro3", PAGES * PAGE, FILL), "the region changed");
    munmap(v, PAGES * PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro3"), ERR_OK);
}

void readonly_handle_private_view_is_private()
{
    make_foreign_region("sec.ro4", PAGES, FILL, SHM_CEILING_RDWR);
    int fd = shm_open("sec.ro4", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    // Read first (the region's own page is mapped, read-only), then make
    // the private view writable and write.
    char* p = static_cast<char*>(mmap(nullptr, PAGES * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
    require(!mmap_failed(p), "mmap private");
    check_eq(p[0], FILL);
    check_eq(mprotect(p, PAGES * PAGE, PROT_READ | PROT_WRITE), ERR_OK);
    p[0] = 'P';
    p[PAGE] = 'P'; // never read before
    __atomic_fetch_add(reinterpret_cast<uint32_t*>(p + 2 * PAGE), 1u, __ATOMIC_SEQ_CST);
    check(p[0] == 'P' && p[PAGE] == 'P', "the private view lost its writes");
    check(region_unchanged("sec.ro4", PAGES * PAGE, FILL), "a private write reached the region");
    // Written straight away, without a read first.
    char* q = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 3 * PAGE));
    require(!mmap_failed(q), "mmap private writable");
    q[0] = 'Q';
    check(region_unchanged("sec.ro4", PAGES * PAGE, FILL), "a private write reached the region");
    munmap(p, PAGES * PAGE);
    munmap(q, PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro4"), ERR_OK);
}

// The kernel writing into a private view on our behalf (read(), futex
// hand-over, the robust walk) must copy, not write the region's page.
void readonly_private_view_syscall_writes_copy()
{
    make_region_with_word("sec.ro5", uint32_t(getpid()));
    int fd = shm_open("sec.ro5", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    char* p = static_cast<char*>(mmap(nullptr, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    require(!mmap_failed(p), "mmap private");
    // Map the region's pages (read-only, shared with the region) first.
    for (size_t i = 0; i < PAGES; i++)
        (void)*static_cast<volatile char*>(p + i * PAGE);
    int file = open("/README", O_RDONLY);
    require(file >= 0, "open");
    check_eq(read(file, p + PAGE + 100, 64), 64);
    int fds[2];
    require_eq(pipe(fds), 0);
    require_eq(write(fds[1], "pipe", 4), 4);
    check_eq(read(fds[0], p + 2 * PAGE, 4), 4);
    struct stat st;
    check_eq(fstat(file, reinterpret_cast<struct stat*>(p + 3 * PAGE)), 0);
    (void)st;
    // Hand-over writes the word through a pinned page: it must be our copy.
    check_eq(futex_wake(reinterpret_cast<uint32_t*>(p), FUTEX_WAKE_HANDOFF), 0);
    check(word_is("sec.ro5", uint32_t(getpid())) && rest_unchanged("sec.ro5"), "a kernel write reached the region");
    close(file);
    close(fds[0]);
    close(fds[1]);
    munmap(p, PAGES * PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro5"), ERR_OK);
}

namespace {
struct ForkShared {
    volatile uint32_t child_wrote;
    volatile uint32_t parent_wrote;
    volatile uint32_t child_saw;
};
ForkShared* g_fork;
int g_fd;
} // namespace

void readonly_fork_cow_tricks()
{
    make_foreign_region("sec.ro6", PAGES, FILL, SHM_CEILING_RDWR);
    g_fork = static_cast<ForkShared*>(stress::shared_pages(PAGE));
    require(g_fork, "mmap");
    // (a) A shared read-only view stays read-only in a child.
    g_view = readonly_view("sec.ro6", PAGES, &g_fd);
    int status = in_child([] {
        check_eq(mprotect(g_view, PAGE, PROT_READ | PROT_WRITE), ERR_ACCESS);
        g_view[0] = 'X';
    });
    check(status >= 0 && WIFKILLED(status), "(a) child writing the inherited read-only view: %#x", status);
    munmap(g_view, PAGES * PAGE);

    // (b) A private view of the read-only handle, read (so it maps the
    // region's own pages), then fork: each side's write is its own.
    g_view = static_cast<char*>(mmap(nullptr, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, g_fd, 0));
    require(!mmap_failed(g_view), "mmap private");
    (void)*static_cast<volatile char*>(g_view);
    int pid = fork();
    if (pid == 0) {
        g_view[0] = 'C';
        g_fork->child_wrote = 1;
        while (!g_fork->parent_wrote)
            sleep(1);
        g_fork->child_saw = uint32_t(g_view[0]);
        exit(0);
    }
    require(pid > 0, "fork");
    while (!g_fork->child_wrote)
        sleep(1);
    check(g_view[0] == FILL, "(b) the parent sees the child's write: %c", g_view[0]);
    g_view[0] = 'P';
    g_fork->parent_wrote = 1;
    check_eq(stress::reap(pid), 0);
    check(g_fork->child_saw == 'C', "(b) the child sees %c", char(g_fork->child_saw));
    check(g_view[0] == 'P', "(b) the parent sees %c", g_view[0]);
    munmap(g_view, PAGES * PAGE);

    // (c) The parent unmaps its private view after the fork: the child is
    // then the only view of those pages, and its write still copies.
    g_view = static_cast<char*>(mmap(nullptr, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, g_fd, 0));
    require(!mmap_failed(g_view), "mmap private");
    (void)*static_cast<volatile char*>(g_view + PAGE);
    g_fork->child_wrote = 0;
    g_fork->parent_wrote = 0;
    pid = fork();
    if (pid == 0) {
        while (!g_fork->parent_wrote)
            sleep(1);
        g_view[PAGE] = 'C';
        exit(0);
    }
    require(pid > 0, "fork");
    munmap(g_view, PAGES * PAGE);
    g_fork->parent_wrote = 1;
    check_eq(stress::reap(pid), 0);

    // (d) The parent writes first (its own copy), then forks; the child
    // writes its copy of that copy.
    g_view = static_cast<char*>(mmap(nullptr, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, g_fd, 0));
    require(!mmap_failed(g_view), "mmap private");
    g_view[2 * PAGE] = 'P';
    status = in_child([] {
        g_view[2 * PAGE] = 'C';
        check_eq(g_view[2 * PAGE], 'C');
    });
    check_eq(status, 0);
    check(g_view[2 * PAGE] == 'P', "(d) the parent's copy changed: %c", g_view[2 * PAGE]);
    munmap(g_view, PAGES * PAGE);

    check(region_unchanged("sec.ro6", PAGES * PAGE, FILL), "the region changed");
    close(g_fd);
    munmap(g_fork, PAGE);
    check_eq(shm_unlink("sec.ro6"), ERR_OK);
}

namespace {
uint32_t* g_word;
}

void readonly_futex_handoff_refused()
{
    // The word holds our pid: as far as the protocol goes, we "own" the
    // mutex, but through a read-only view we may not hand it over.
    make_region_with_word("sec.ro7", uint32_t(getpid()));
    int fd;
    char* v = readonly_view("sec.ro7", PAGES, &fd);
    g_word = reinterpret_cast<uint32_t*>(v);
    // A sleeper on the word (it maps the region read-write).
    auto* sleeping = static_cast<volatile uint32_t*>(stress::shared_pages(PAGE));
    require(sleeping, "mmap");
    int pid = fork();
    if (pid == 0) {
        int rw = shm_open("sec.ro7", O_RDWR, 0, 0, nullptr);
        auto* w = static_cast<uint32_t*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0));
        if (mmap_failed(w))
            exit(2);
        *sleeping = 1;
        int r = futex_wait(w, *w, deadline_after_ms(10000));
        exit(r == ERR_OK ? 0 : 3);
    }
    require(pid > 0, "fork");
    while (!*sleeping)
        sleep(1);
    sleep(50);
    check_eq(futex_wake(g_word, FUTEX_WAKE_HANDOFF), ERR_FAULT);
    check(word_is("sec.ro7", uint32_t(getpid())), "the hand-over changed the word");
    // A plain wake through the read-only view is allowed, and finds the sleeper.
    check_eq(futex_wake(g_word, 1), 1);
    check_eq(stress::reap(pid), 0);
    check(rest_unchanged("sec.ro7"), "the region changed");
    munmap(v, PAGES * PAGE);
    close(fd);
    munmap(const_cast<uint32_t*>(sleeping), PAGE);
    check_eq(shm_unlink("sec.ro7"), ERR_OK);
}

namespace {
// Exits holding "our" mutex word (our pid) in a read-only view, or in a
// private view (then the kernel's write must land in our copy).
void exit_with_robust_entry(void* arg)
{
    bool private_view = arg != nullptr;
    int fd = shm_open("sec.ro8", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    char* v = static_cast<char*>(mmap(nullptr, PAGE, private_view ? PROT_READ | PROT_WRITE : PROT_READ,
                                      private_view ? MAP_PRIVATE : MAP_SHARED, fd, 0));
    require(!mmap_failed(v), "mmap");
    (void)*static_cast<volatile char*>(v);
    static struct robust_list_head head;
    static uint64_t entry;
    head.list.next = uintptr_t(&entry);
    entry = uintptr_t(&head.list);
    head.futex_offset = int64_t(uintptr_t(v) - uintptr_t(&entry));
    head.pending = 0;
    check_eq(set_robust_list(&head), ERR_OK);
}
} // namespace

void readonly_robust_list_ignored()
{
    // The word must hold the pid of the process that exits; make the
    // region after forking that process, so we know its pid.
    for (int variant = 0; variant < 2; variant++) {
        int go[2];
        require_eq(pipe(go), 0);
        int pid = fork();
        if (pid == 0) {
            close(go[1]);
            char c;
            read(go[0], &c, 1);
            int before = test_failures();
            exit_with_robust_entry(variant ? reinterpret_cast<void*>(1) : nullptr);
            exit(test_failures() > before ? 1 : 0);
        }
        require(pid > 0, "fork");
        close(go[0]);
        make_region_with_word("sec.ro8", uint32_t(pid));
        write(go[1], "g", 1);
        close(go[1]);
        check_eq(stress::reap(pid), 0);
        check(word_is("sec.ro8", uint32_t(pid)), "variant %d: the exit walk changed a word the process could not "
              "write", variant);
        check(rest_unchanged("sec.ro8"), "variant %d: the region changed", variant);
        check_eq(shm_unlink("sec.ro8"), ERR_OK);
    }
}

void readonly_view_blocks_shrink()
{
    make_foreign_region("sec.ro9", PAGES, FILL, SHM_CEILING_RDWR);
    int fd = shm_open("sec.ro9", O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    char* last = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, long(PAGES - 1) * long(PAGE)));
    require(!mmap_failed(last), "mmap");
    int status = in_child([] {
        int rw = shm_open("sec.ro9", O_RDWR, 0, 0, nullptr);
        require(rw >= 0, "shm_open rw");
        check_eq(ftruncate(rw, PAGE), ERR_BUSY);
        check_eq(ftruncate(rw, 0), ERR_BUSY);
    });
    check_eq(status, 0);
    check(last[PAGE - 1] == FILL, "the view lost its page");
    check_eq(ftruncate(fd, PAGE), ERR_ACCESS); // and never through a read-only handle
    check(region_unchanged("sec.ro9", PAGES * PAGE, FILL), "the region changed");
    munmap(last, PAGE);
    close(fd);
    check_eq(shm_unlink("sec.ro9"), ERR_OK);
}

