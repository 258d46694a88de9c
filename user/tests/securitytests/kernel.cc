/*
 * securitytests: kernel addresses (and ranges that run past the end of
 * user space or wrap around) given to every pointer argument of every
 * system call. Each call must refuse (ERR_FAULT; ERR_INVAL where the
 * range is checked as a range first) and change nothing; the kernel must
 * live on.
 */
#include "cases.h"

namespace {

const char* const NAME = "sec.k";

void* kaddr(int i) { return reinterpret_cast<void*>(k_kernel_addresses[i]); }
char* kstr(int i) { return reinterpret_cast<char*>(k_kernel_addresses[i]); }

// ERR_FAULT, or ERR_INVAL for a misaligned address where alignment is
// checked first (futexes).
bool refused(long r) { return r == ERR_FAULT; }

} // namespace

void kernel_addresses_refused_by_io_calls()
{
    int fds[2];
    require_eq(pipe(fds), 0);
    int file = open("/README", O_RDONLY);
    require(file >= 0, "open /README: %s", errname(file));
    int dir = open("/", O_RDONLY);
    require(dir >= 0, "open /: %s", errname(dir));
    for (int i = 0; i < k_kernel_address_count; i++) {
        void* k = kaddr(i);
        check(refused(write(fds[1], k, 16)), "write from %p", k);
        check(refused(read(file, k, 16)), "read into %p", k);
        check(refused(fstat(file, static_cast<struct stat*>(k))), "fstat into %p", k);
        check(refused(getdents(dir, static_cast<struct dirent*>(k), 2)), "getdents into %p", k);
        // With data in the pipe, reading into the kernel is refused too.
        require_eq(write(fds[1], "x", 1), 1);
        check(refused(read(fds[0], k, 16)), "pipe read into %p", k);
        char c;
        read(fds[0], &c, 1); // (if the failed read left it there)
    }
    // Nothing the refused writes named went into the pipe.
    check_eq(write(fds[1], "ok", 2), 2);
    char buf[8] = {};
    check_eq(read(fds[0], buf, sizeof buf), 2);
    check(buf[0] == 'o' && buf[1] == 'k', "the pipe holds %.2s", buf);
    close(fds[0]);
    close(fds[1]);
    close(file);
    close(dir);
}

void kernel_addresses_refused_by_path_calls()
{
    char* argv[] = {const_cast<char*>("x"), nullptr};
    for (int i = 0; i < k_kernel_address_count; i++) {
        char* k = kstr(i);
        check(refused(open(k, O_RDONLY)), "open(%p)", k);
        check(refused(open(k, O_RDWR | O_CREAT)), "open(%p, O_CREAT)", k);
        check(refused(mkdir(k)), "mkdir(%p)", k);
        check(refused(unlink(k)), "unlink(%p)", k);
        check(refused(chdir(k)), "chdir(%p)", k);
        check(refused(link("/README", k)), "link(.., %p)", k);
        check(refused(link(k, "/tmp/sec.link")), "link(%p, ..)", k);
        check(refused(mknod(k, DEV_NULL, 0)), "mknod(%p)", k);
        check(refused(exec(k, argv)), "exec(%p)", k);
    }
    unlink("/tmp/sec.link");
}

void kernel_addresses_refused_by_info_calls()
{
    for (int i = 0; i < k_kernel_address_count; i++) {
        void* k = kaddr(i);
        check(refused(pipe(static_cast<int*>(k))), "pipe(%p)", k);
        check(refused(meminfo(static_cast<struct meminfo*>(k))), "meminfo(%p)", k);
        check(refused(procinfo(static_cast<struct procinfo*>(k), 4)), "procinfo(%p)", k);
        check(refused(proc_stats(0, static_cast<struct proc_stats*>(k))), "proc_stats(%p)", k);
        // A child to wait for: its status must not be lost either.
        int pid = fork();
        if (pid == 0)
            exit(5);
        require(pid > 0, "fork");
        sleep(5);
        check(refused(waitpid(pid, static_cast<int*>(k))), "waitpid(.., %p)", k);
        check(refused(wait(static_cast<int*>(k))), "wait(%p)", k);
        check_eq(stress::reap(pid), 5 << 8);
    }
    // No descriptor was left behind by a refused pipe().
    int fd = dup(0);
    check_eq(fd, 3);
    close(fd);
}

void kernel_addresses_refused_by_shm_calls()
{
    require_eq(createSharedRegion(NAME, PAGE, 0), ERR_OK);
    void* view = nullptr;
    require_eq(createMapping(NAME, &view), ERR_OK);
    for (int i = 0; i < k_kernel_address_count; i++) {
        void* k = kaddr(i);
        char* ks = kstr(i);
        check(refused(createSharedRegion(ks, PAGE, 0)), "createSharedRegion(%p)", k);
        check(refused(destroySharedRegion(ks)), "destroySharedRegion(%p)", k);
        check(refused(createMapping(ks, &view)), "createMapping(%p, ..)", k);
        check(refused(createMapping(NAME, static_cast<void**>(k))), "createMapping(.., %p)", k);
        check(refused(destroyMapping(ks, view)), "destroyMapping(%p, ..)", k);
        check(destroyMapping(NAME, k) == ERR_NOTEXIST, "destroyMapping(.., %p): a kernel address is in no view", k);
        check(refused(lockSharedRegion(ks)), "lockSharedRegion(%p)", k);
        check(refused(unlockSharedRegion(ks)), "unlockSharedRegion(%p)", k);
        check(refused(shm_open(ks, O_RDWR | O_CREAT, PAGE, 0, nullptr)), "shm_open(%p)", k);
        check(refused(shm_open("sec.k2", O_RDWR | O_CREAT, PAGE, 0, static_cast<int*>(k))), "shm_open(.., %p)", k);
        check(refused(shm_unlink(ks)), "shm_unlink(%p)", k);
        check(refused(shm_list(static_cast<struct shm_info*>(k), 4, 0)), "shm_list(%p)", k);
        check(refused(shm_maps(0, static_cast<struct map_info*>(k), 4)), "shm_maps(%p)", k);
    }
    // Nothing was created or mapped by the refused calls.
    check_eq(shm_open("sec.k2", O_RDONLY, 0, 0, nullptr), ERR_NOTEXIST);
    static struct map_info maps[64];
    int n = shm_maps(0, maps, 64);
    int views = 0;
    for (int i = 0; i < n; i++)
        views += maps[i].kind == MAP_KIND_SHARED_VIEW;
    check_eq(views, 1);
    check_eq(destroyMapping(NAME, view), ERR_OK);
    check_eq(destroySharedRegion(NAME), ERR_OK);
}

void kernel_addresses_refused_by_sync_calls()
{
    for (int i = 0; i < k_kernel_address_count; i++) {
        auto* k = static_cast<uint32_t*>(kaddr(i));
        bool aligned = (uintptr_t(k) & 3) == 0;
        long r = futex_wait(k, 0, deadline_after_ms(1));
        // ERR_AGAIN or ERR_TIMEDOUT would mean the kernel read the word.
        check(r == ERR_FAULT || (!aligned && r == ERR_INVAL), "futex_wait(%p): %s", k, errname(int(r)));
        r = futex_wake(k, 1);
        check(r == ERR_FAULT || (!aligned && r == ERR_INVAL), "futex_wake(%p): %s", k, errname(int(r)));
        r = futex_wake(k, FUTEX_WAKE_HANDOFF);
        check(r == ERR_FAULT || (!aligned && r == ERR_INVAL), "futex hand-over at %p: %s", k, errname(int(r)));
        // The head must be a user address (one near the end is: the walk
        // at exit then finds nothing readable there).
        r = set_robust_list(reinterpret_cast<struct robust_list_head*>(k));
        if (uintptr_t(k) >= stress::USER_END || (uintptr_t(k) & 7))
            check(r == ERR_INVAL, "set_robust_list(%p): %s", k, errname(int(r)));
    }
    check_eq(set_robust_list(nullptr), ERR_OK);
}

void kernel_ranges_refused_by_memory_calls()
{
    for (int i = 0; i < k_kernel_address_count; i++) {
        uintptr_t a = k_kernel_addresses[i] & ~(PAGE - 1);
        if (a < stress::USER_END)
            continue; // the last user page: a fine place to map
        void* k = reinterpret_cast<void*>(a);
        void* p = mmap(k, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        check(mmap_failed(p), "mmap(MAP_FIXED at %p) succeeded", k);
        check(munmap(k, PAGE) == ERR_INVAL, "munmap(%p)", k);
        check(mprotect(k, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) == ERR_INVAL, "mprotect(%p)", k);
        check(msync(k, PAGE, MS_SYNC) == ERR_INVAL, "msync(%p)", k);
        // A hint is only a hint: the mapping lands in user space.
        p = mmap(k, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!mmap_failed(p)) {
            check(uintptr_t(p) < stress::USER_END, "mmap hint %p gave %p", k, p);
            static_cast<volatile char*>(p)[0] = 1;
            munmap(p, PAGE);
        }
    }
    // Ranges that start in user space and run into the kernel's half.
    void* last = reinterpret_cast<void*>(stress::USER_END - PAGE);
    check_eq(munmap(last, 2 * PAGE), ERR_INVAL);
    check_eq(mprotect(last, 2 * PAGE, PROT_READ), ERR_INVAL);
    check_eq(munmap(reinterpret_cast<void*>(0x10000), ~size_t(0) - 0x8000), ERR_INVAL);
    check(mmap_failed(mmap(last, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)),
          "a mapping across the end of user space");
    // The break cannot be moved into the kernel's half either.
    check(is_err(intptr_t(sbrk(long(stress::KERNEL_DIRECT_MAP - 0x10000)))), "sbrk into the kernel");
    check(is_err(intptr_t(sbrk(0x7fffffffffffffff))), "sbrk by 2^63");
    check(is_err(intptr_t(sbrk(-0x7fffffffffffffff - 1))), "sbrk by -2^63");
    // And we still run.
    check(getpid() > 0, "getpid");
}

void kernel_addresses_in_exec_argv()
{
    for (int i = 0; i < k_kernel_address_count; i++) {
        // In a child: an exec that wrongly succeeds replaces the child
        // with echoargs, which exits 100 + argc, never 0.
        int status = test_fork(
            [](void* arg) {
                char* k = static_cast<char*>(arg);
                check_eq(exec("/bin/echoargs", reinterpret_cast<char* const*>(k)), ERR_FAULT);
                char* argv[] = {const_cast<char*>("echoargs"), k, nullptr};
                check_eq(exec("/bin/echoargs", argv), ERR_FAULT);
            },
            kaddr(i));
        check(status == 0, "exec with argv at %p: child status %#x", kaddr(i), status);
    }
    // An argv array that runs off the end of user space.
    int status = in_child([] {
        check_eq(exec("/bin/echoargs", reinterpret_cast<char* const*>(stress::USER_END - 8)), ERR_FAULT);
    });
    check_eq(status, 0);
}

namespace {
// Exits with a robust list that points into the kernel in every way it can.
void robust_exit(void* arg)
{
    int variant = int(reinterpret_cast<intptr_t>(arg));
    static struct robust_list_head head;
    static uint64_t entry[2];
    uint64_t k = stress::KERNEL_RAM;
    head.list.next = uintptr_t(&entry[0]);
    head.futex_offset = 8;
    head.pending = 0;
    entry[0] = uintptr_t(&head.list);
    entry[1] = uint64_t(getpid()); // a word we "own" (a low word of entry[1])
    switch (variant) {
    case 0: head.list.next = k; break;                                     // the first link
    case 1: entry[0] = k; break;                                           // a later link
    case 2: head.futex_offset = int64_t(k - uintptr_t(&entry[0])); break;  // the word
    case 3: head.pending = k; break;                                       // the pending entry
    case 4: head.futex_offset = int64_t(stress::USER_END - 4 - uintptr_t(&entry[0]) + 8); break; // word straddles
    default: head.futex_offset = INT64_MIN; break;                         // wraps
    }
    check_eq(set_robust_list(&head), ERR_OK);
    // exit walks the list
}
} // namespace

void kernel_addresses_in_robust_list()
{
    for (int v = 0; v < 6; v++) {
        int status = test_fork(robust_exit, reinterpret_cast<void*>(intptr_t(v)));
        check(status == 0, "variant %d: status %#x", v, status);
    }
}

// A process must not be able to make the kernel spin for long with
// interrupts off: unmapping, re-protecting or shrinking a huge range that
// holds a few pages takes no longer than a small one.
void huge_ranges_are_quick()
{
    constexpr size_t HUGE = size_t(1) << 37; // 128 GiB of address space, a few pages of memory
    struct Step {
        const char* what;
        int kind;
    };
    const Step steps[] = {{"munmap", 0}, {"mprotect", 1}, {"munmap of a part", 2}};
    for (const Step& s : steps) {
        char* p = static_cast<char*>(mmap(nullptr, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        require(!mmap_failed(p), "mmap of 128 GiB: %s", errname(int(intptr_t(p))));
        p[0] = 1;
        p[HUGE / 2] = 1;
        p[HUGE - 1] = 1;
        uint64_t t0 = clock_ns();
        int r = 0;
        if (s.kind == 0)
            r = munmap(p, HUGE);
        else if (s.kind == 1)
            r = mprotect(p, HUGE, PROT_READ);
        else
            r = munmap(p + PAGE, HUGE - 2 * PAGE);
        uint64_t ms = (clock_ns() - t0) / 1000000;
        check_eq(r, 0);
        check(ms < 1000, "%s of 128 GiB holding 3 pages took %lu ms", s.what, (unsigned long)ms);
        munmap(p, HUGE);
    }
}
