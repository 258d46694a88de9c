/*
 * shmtests: the bytes themselves: writes across page boundaries, the edges
 * of regions and views (the process dies, the kernel lives), read-only
 * views, and processes seeing each other's writes.
 */
#include "cases.h"

void data_across_pages()
{
    require_eq(createSharedRegion("data.cross", 4 * PAGE, 0), ERR_OK);
    char* a = map_region("data.cross");
    require(a, "no mapping");
    // A string across the first page boundary, a block across two more.
    memcpy(a + PAGE - 5, "straddle", 9);
    static char block[2 * PAGE + 200];
    for (size_t i = 0; i < sizeof block; i++)
        block[i] = char(i * 7 + 3);
    memcpy(a + PAGE + 100, block, sizeof block);
    // A 64-bit store in the last 8 bytes of the region.
    *reinterpret_cast<volatile uint64_t*>(a + 4 * PAGE - 8) = 0x1122334455667788ull;
    int status = run_child([] {
        char* b = map_region("data.cross");
        require(b, "no mapping");
        check(memcmp(b + PAGE - 5, "straddle", 9) == 0, "string across the boundary lost");
        check(memcmp(b + PAGE + 100, block, sizeof block) == 0, "block across two boundaries differs");
        check(*reinterpret_cast<volatile uint64_t*>(b + 4 * PAGE - 8) == 0x1122334455667788ull, "u64 lost");
        check(b[0] == 0 && b[PAGE - 6] == 0 && b[PAGE + 100 + sizeof block] == 0 && b[4 * PAGE - 9] == 0,
              "bytes around the writes changed");
    });
    check_eq(status, 0);
    check_eq(destroyMapping("data.cross", a), ERR_OK);
    check_eq(destroySharedRegion("data.cross"), ERR_OK);
}

void data_last_byte_and_past_end()
{
    // 2 pages + 1 byte: three pages, and the view ends with the third.
    require_eq(createSharedRegion("data.end", 2 * PAGE + 1, 0), ERR_OK);
    int status = run_child([] {
        char* p = map_region("data.end");
        require(p, "no mapping");
        require(range_unmapped(uintptr_t(p) + 3 * PAGE, PAGE), "something is mapped right after the view");
        p[3 * PAGE - 1] = 'z'; // the last byte: fine
        *static_cast<volatile char*>(p + 3 * PAGE) = 'x'; // the first byte past it: fatal
        exit(0);
    });
    test_expect_killed(status, "write past the end of a region");
    status = run_child([] {
        char* p = map_region("data.end");
        require(p, "no mapping");
        require(range_unmapped(uintptr_t(p) + 3 * PAGE, PAGE), "something is mapped right after the view");
        exit(*static_cast<volatile char*>(p + 3 * PAGE) + 1);
    });
    test_expect_killed(status, "read past the end of a region");
    // The kernel and the region are fine; the last byte was written.
    char* p = map_region("data.end");
    require(p, "no mapping");
    check_eq(p[3 * PAGE - 1], 'z');
    struct shm_info info;
    check(find_region_info("data.end", &info) && info.views == 1, "views %u (dead children's views linger)",
          info.views);
    check_eq(destroyMapping("data.end", p), ERR_OK);
    check_eq(destroySharedRegion("data.end"), ERR_OK);
}

void data_past_partial_view_kills()
{
    static int fd;
    fd = shm_open("data.partial", O_RDWR | O_CREAT | O_EXCL, 4 * PAGE, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    int status = run_child([] {
        char* p = map_fd(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE);
        require(!mmap_failed(p), "mmap");
        require(range_unmapped(uintptr_t(p) + PAGE, PAGE), "something is mapped right after the view");
        p[PAGE - 1] = 'e';
        // The region goes on, but the view does not.
        *static_cast<volatile char*>(p + PAGE) = 'x';
        exit(0);
    });
    test_expect_killed(status, "write past the end of a view");
    char* all = map_fd(fd, 4 * PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(all), "mmap");
    check_eq(all[2 * PAGE - 1], 'e');
    check_eq(all[2 * PAGE], 0);
    check_eq(munmap(all, 4 * PAGE), 0);
    check_eq(close(fd), 0);
}

void data_readonly_view_write_kills_writer()
{
    int fd = shm_open("data.ro", O_RDWR | O_CREAT | O_EXCL, PAGE, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    char* w = map_fd(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    require(!mmap_failed(w), "mmap");
    strcpy(w, "read only");
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    // A reader that lives through the writer's death.
    int reader = spawn0([] {
        int ro = shm_open("data.ro", O_RDONLY, 0, 0, nullptr);
        require(ro >= 0, "open");
        char* r = map_fd(ro, PAGE, PROT_READ, MAP_SHARED, 0);
        require(!mmap_failed(r), "mmap");
        event_give(&ready);
        event_take(&go);
        check(strcmp(r, "read only") == 0, "reader sees \"%s\"", r);
    });
    require(reader > 0, "fork");
    require(event_take(&ready), "reader not ready");
    int status = run_child([] {
        int ro = shm_open("data.ro", O_RDONLY, 0, 0, nullptr);
        require(ro >= 0, "open");
        char* r = map_fd(ro, PAGE, PROT_READ, MAP_SHARED, 0);
        require(!mmap_failed(r), "mmap");
        check(r[0] == 'r', "reads %c", r[0]);
        *static_cast<volatile char*>(r + 1) = 'X';
        exit(0);
    });
    test_expect_killed(status, "store through a read-only view");
    // A createMapping view lowered to read-only kills the same way.
    status = run_child([] {
        char* p = map_region("data.ro");
        require(p, "no mapping");
        require_eq(mprotect(p, PAGE, PROT_READ), 0);
        *static_cast<volatile char*>(p) = 'X';
        exit(0);
    });
    test_expect_killed(status, "store through an mprotect'ed view");
    check(strcmp(w, "read only") == 0, "the region changed: \"%s\"", w);
    w[0] = 'R'; // our writable view still works
    w[0] = 'r';
    event_give(&go);
    test_expect_child_ok(reader, "reader");
    check_eq(munmap(w, PAGE), 0);
    check_eq(close(fd), 0);
    event_close(&ready);
    event_close(&go);
}

void data_readonly_view_syscall_faults()
{
    int fd = shm_open("data.rosys", O_RDWR | O_CREAT | O_EXCL, PAGE, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    int ro = shm_open("data.rosys", O_RDONLY, 0, 0, nullptr);
    require(ro >= 0, "open");
    char* r = map_fd(ro, PAGE, PROT_READ, MAP_SHARED, 0);
    require(!mmap_failed(r), "mmap");
    // The kernel may not write through a read-only view either.
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(write(fds[1], "kernel write", 12), 12);
    check_eq(read(fds[0], r, 12), ERR_FAULT);
    check_eq(fstat(fd, reinterpret_cast<struct stat*>(r)), ERR_FAULT);
    check_eq(createMapping("data.rosys", reinterpret_cast<void**>(r + 64)), ERR_FAULT);
    check_eq(shm_list(reinterpret_cast<struct shm_info*>(r), 1, 0), ERR_FAULT);
    bool zero = true;
    for (size_t i = 0; i < PAGE; i++)
        zero &= r[i] == 0;
    check(zero, "a system call wrote through a read-only view");
    // Reading from it (a write() from the view) is fine.
    check_eq(write(fds[1], r, 16), 16);
    close(fds[0]);
    close(fds[1]);
    check_eq(munmap(r, PAGE), 0);
    close(ro);
    close(fd);
}

void data_two_processes_see_writes()
{
    require_eq(createSharedRegion("data.pingpong", 2 * PAGE, 0), ERR_OK);
    volatile int* turn = reinterpret_cast<volatile int*>(map_region("data.pingpong"));
    require(turn, "no mapping");
    constexpr int ROUNDS = 100;
    int child = spawn0([] {
        // The child maps the region itself, at an address of its own.
        volatile int* t = reinterpret_cast<volatile int*>(map_region("data.pingpong"));
        require(t, "no mapping");
        char* page = const_cast<char*>(reinterpret_cast<volatile char*>(t) + PAGE);
        for (int i = 0; i < ROUNDS; i++) {
            require(test_wait_for(t, 2 * i + 1, 10000), "round %d: parent's move not seen (turn %d)", i, *t);
            check(page[i] == char('p' + i % 8), "round %d: parent's byte not seen", i);
            page[PAGE / 2 + i] = char('c' + i % 8);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            *t = 2 * i + 2;
        }
    });
    require(child > 0, "fork");
    char* page = const_cast<char*>(reinterpret_cast<volatile char*>(turn) + PAGE);
    for (int i = 0; i < ROUNDS; i++) {
        page[i] = char('p' + i % 8);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        *turn = 2 * i + 1;
        if (!check(test_wait_for(turn, 2 * i + 2, 10000), "round %d: child's move not seen (turn %d)", i, *turn))
            break;
        check(page[PAGE / 2 + i] == char('c' + i % 8), "round %d: child's byte not seen", i);
    }
    test_expect_child_ok(child, "child");
    check_eq(destroyMapping("data.pingpong", const_cast<int*>(turn)), ERR_OK);
    check_eq(destroySharedRegion("data.pingpong"), ERR_OK);
}

void data_many_pages()
{
    constexpr size_t PAGES = 64;
    uint64_t shared_before = test_meminfo().shared_pages;
    require_eq(createSharedRegion("data.many", PAGES * PAGE, 0), ERR_OK);
    char* p = map_region("data.many");
    require(p, "no mapping");
    int status = run_child([] {
        char* q = map_region("data.many");
        require(q, "no mapping");
        for (size_t i = 0; i < PAGES * PAGE; i += 64)
            q[i] = char(i / 64 + 1);
    });
    check_eq(status, 0);
    bool same = true;
    for (size_t i = 0; i < PAGES * PAGE; i += 64)
        same &= p[i] == char(i / 64 + 1);
    check(same, "the child's writes are not all visible");
    struct shm_info info;
    check(find_region_info("data.many", &info) && info.resident_pages == PAGES, "resident %lu, expected %lu",
          (unsigned long)info.resident_pages, (unsigned long)PAGES);
    check_eq(test_meminfo().shared_pages, shared_before + PAGES);
    check_eq(destroyMapping("data.many", p), ERR_OK);
    check_eq(destroySharedRegion("data.many"), ERR_OK);
    check_eq(test_meminfo().shared_pages, shared_before);
}
