/*
 * securitytests: the break after the heap was rearranged (issue 13, bug 1).
 *
 * munmap, mprotect and MAP_FIXED may cut the heap into pieces or put other
 * mappings where it was. sbrk must then move only the heap piece at the
 * break: it once resized whatever region started at the heap's start,
 * stretching a writable view over a read-only one (the store landed in the
 * read-only region), leaking a page per overlapped page at every fork,
 * and leaving PTEs behind with no region over them.
 *
 * Each attack runs in a child of the case (it wrecks that child's heap,
 * so the child uses no malloc after it); the framework's page check around
 * the case catches the leaks.
 */
#include "cases.h"

extern "C" char _end[]; // end of bss; the kernel starts the heap at the next page

namespace {

uintptr_t round_up(uintptr_t v) { return (v + PAGE - 1) / PAGE * PAGE; }
uintptr_t heap_start() { return round_up(uintptr_t(_end)); }

// Moves the break to a page boundary and returns it.
uintptr_t align_break()
{
    uintptr_t b = uintptr_t(sbrk(0));
    if (round_up(b) != b)
        sbrk(long(round_up(b) - b));
    return uintptr_t(sbrk(0));
}

// Runs fn in a child that is expected to be killed by its own store.
void expect_store_kills(volatile char* at, const char* what)
{
    static volatile char* g_at;
    g_at = at;
    int status = test_fork([](void*) { *g_at = 'X'; }, nullptr);
    test_expect_killed(status, what);
}

// sbrk(8 pages), a read-only page in the middle (the heap is now three
// pieces), sbrk(4 pages): the read-only page stays read-only and the new
// pages are ordinary heap.
void split_heap_attack(void*)
{
    uintptr_t base = align_break();
    require(intptr_t(sbrk(8 * PAGE)) == intptr_t(base), "sbrk(8 pages)");
    char* p = reinterpret_cast<char*>(base);
    for (int i = 0; i < 8; i++)
        p[i * PAGE] = 'h';
    require_eq(mprotect(p + 4 * PAGE, PAGE, PROT_READ), ERR_OK);
    require(intptr_t(sbrk(4 * PAGE)) == intptr_t(base + 8 * PAGE), "sbrk(4 pages) after the split");
    for (int i = 8; i < 12; i++)
        p[i * PAGE] = 'n'; // the new pages are writable heap
    expect_store_kills(p + 4 * PAGE, "a store to the read-only heap page");
    check(p[4 * PAGE] == 'h', "the read-only heap page changed: %c", p[4 * PAGE]);
    // Copy-on-write pages in every piece, fork after fork: no page may leak.
    for (int round = 0; round < 4; round++) {
        int status = test_fork([](void*) {}, nullptr);
        check_eq(status, 0);
    }
    // And back down past the read-only piece: only heap pieces go.
    require(intptr_t(sbrk(-long(10 * PAGE))) == intptr_t(base + 12 * PAGE), "sbrk(-10 pages)");
    require(intptr_t(sbrk(2 * PAGE)) == intptr_t(base + 2 * PAGE), "sbrk(2 pages) again");
    p[3 * PAGE] = 'a';
    check(p[3 * PAGE] == 'a', "regrown heap page");
}

struct ForeignLayout {
    const char* region; // a read-only-ceiling region to view read-only, or
    int file_fd;        // a file opened O_RDONLY (if region is null)
};
ForeignLayout g_layout;

// The whole heap unmapped; at its start a shared writable page, and right
// above it a read-only view of something the process may not write. sbrk
// must grow at the break, leaving both views as they are.
void foreign_views_attack(void*)
{
    uintptr_t hs = heap_start();
    uintptr_t brk = align_break();
    if (brk < hs + 3 * PAGE) {
        require(intptr_t(sbrk(long(hs + 3 * PAGE - brk))) == intptr_t(brk), "sbrk to three pages");
        brk = hs + 3 * PAGE;
    }
    require_eq(munmap(reinterpret_cast<void*>(hs), brk - hs), ERR_OK);
    void* rw = mmap(reinterpret_cast<void*>(hs), PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                    -1, 0);
    require(rw == reinterpret_cast<void*>(hs), "MAP_FIXED shared page at the heap start");
    int fd = g_layout.file_fd;
    if (g_layout.region) {
        fd = shm_open(g_layout.region, O_RDONLY, 0, 0, nullptr);
        require(fd >= 0, "shm_open read-only");
    }
    void* ro = mmap(reinterpret_cast<void*>(hs + PAGE), PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    require(ro == reinterpret_cast<void*>(hs + PAGE), "MAP_FIXED read-only view above it");
    char before = *static_cast<volatile char*>(ro);
    require(intptr_t(sbrk(long(PAGE))) == intptr_t(brk), "sbrk(1 page)");
    char* grown = reinterpret_cast<char*>(brk);
    grown[0] = 'g';
    expect_store_kills(static_cast<char*>(ro), "a store to the read-only view");
    // Nor may a system call write there.
    int fds[2];
    require_eq(pipe(fds), ERR_OK);
    require_eq(write(fds[1], "zz", 2), 2);
    check_eq(read(fds[0], ro, 2), ERR_FAULT);
    close(fds[0]);
    close(fds[1]);
    check(*static_cast<volatile char*>(ro) == before, "the read-only view changed");
    // Shrinking below the views unmaps no view.
    require(intptr_t(sbrk(-long(brk + PAGE - hs))) == intptr_t(brk + PAGE), "sbrk down to the heap start");
    check(*static_cast<volatile char*>(ro) == before, "the read-only view went with the heap");
    static_cast<char*>(rw)[0] = 'w';
}

// A big private mapping at the heap start, reaching far above the break:
// shrinking the break must leave it whole (it once unmapped part of it and
// left the rest's page-table entries with no region over them).
void foreign_region_shrink_attack(void*)
{
    uintptr_t hs = heap_start();
    uintptr_t brk = align_break();
    if (brk < hs + 2 * PAGE) {
        require(intptr_t(sbrk(long(hs + 2 * PAGE - brk))) == intptr_t(brk), "sbrk to two pages");
        brk = hs + 2 * PAGE;
    }
    require_eq(munmap(reinterpret_cast<void*>(hs), brk - hs), ERR_OK);
    size_t pages = (brk - hs) / PAGE + 16;
    char* m = static_cast<char*>(mmap(reinterpret_cast<void*>(hs), pages * PAGE, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    require(m == reinterpret_cast<char*>(hs), "MAP_FIXED over the heap");
    for (size_t i = 0; i < pages; i++)
        m[i * PAGE] = char('a' + i % 26);
    require(intptr_t(sbrk(-long(brk - hs))) == intptr_t(brk), "sbrk down to the heap start");
    for (size_t i = 0; i < pages; i++)
        check(m[i * PAGE] == char('a' + i % 26), "page %lu of the mapping changed", (unsigned long)i);
    // Growing into the mapping is refused, as Linux's brk refuses.
    check_eq(long(intptr_t(sbrk(long(PAGE)))), ERR_NOMEM);
    check_eq(munmap(m, pages * PAGE), ERR_OK);
    // With the way clear, the heap grows again from the break.
    require(intptr_t(sbrk(long(PAGE))) == intptr_t(hs), "sbrk after the mapping went");
    m[0] = 'x';
}

} // namespace

void sbrk_moves_only_the_heap_top() { check_eq(test_fork(split_heap_attack, nullptr), 0); }

void sbrk_leaves_readonly_region_view_alone()
{
    make_foreign_region("sec.brk", 1, 'R', SHM_CEILING_RDONLY);
    g_layout = ForeignLayout{"sec.brk", -1};
    check_eq(test_fork(foreign_views_attack, nullptr), 0);
    check(region_unchanged("sec.brk", PAGE, 'R'), "the read-only region changed");
    check_eq(shm_unlink("sec.brk"), ERR_OK);
}

void sbrk_leaves_readonly_file_view_alone()
{
    const char* path = "/sec_brk_file";
    int w = open(path, O_CREAT | O_RDWR | O_TRUNC);
    require(w >= 0, "create %s: %s", path, errname(w));
    char page[PAGE];
    memset(page, 'F', sizeof page);
    require_eq(write(w, page, sizeof page), long(sizeof page));
    close(w);
    int fd = open(path, O_RDONLY);
    require(fd >= 0, "open read-only");
    g_layout = ForeignLayout{nullptr, fd};
    check_eq(test_fork(foreign_views_attack, nullptr), 0);
    close(fd);
    fd = open(path, O_RDONLY);
    require(fd >= 0, "reopen");
    memset(page, 0, sizeof page);
    check_eq(read(fd, page, sizeof page), long(sizeof page));
    bool same = true;
    for (size_t i = 0; i < sizeof page; i++)
        same = same && page[i] == 'F';
    check(same, "the read-only file changed");
    close(fd);
    check_eq(unlink(path), ERR_OK);
}

void sbrk_shrink_spares_foreign_mapping() { check_eq(test_fork(foreign_region_shrink_attack, nullptr), 0); }

void sbrk_refuses_more_than_memory()
{
    struct meminfo mi;
    require_eq(meminfo(&mi), ERR_OK);
    uintptr_t brk = uintptr_t(sbrk(0));
    long huge = long(mi.total_pages * PAGE + PAGE);
    check_eq(long(intptr_t(sbrk(huge))), ERR_NOMEM);
    check(uintptr_t(sbrk(0)) == brk, "the break moved on a refused sbrk");
    // Large but possible is still fine (lazily: nothing is touched).
    long half = long(mi.total_pages / 2 * PAGE);
    check(intptr_t(sbrk(half)) == intptr_t(brk), "sbrk(half of memory)");
    check(intptr_t(sbrk(-half)) == intptr_t(brk + half), "and back");
}

// Pages a request took, from the available counts before and after it:
// negative when pages came back meanwhile, which is no leak (an exited
// child's come back a little after wait() returns, see test_settle_pages).
long pages_taken(uint64_t before, uint64_t after) { return long(before) - long(after); }

// Requests that cost nothing until touched must pin no kernel memory for
// their size: a page index for a huge shared mapping, or one sized for the
// largest region in every empty region, once did (issue 13).
void untouched_requests_pin_no_kernel_memory()
{
    struct meminfo mi;
    require_eq(meminfo(&mi), ERR_OK);
    void* huge = mmap(nullptr, size_t(128) << 30, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check_eq(long(intptr_t(huge)), ERR_NOMEM); // more than the machine has
    size_t half = size_t(mi.total_pages / 2) * PAGE;
    uint64_t before = test_available_pages();
    void* big = mmap(nullptr, half, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    require(!mmap_failed(big), "a shared mapping of half of memory: %s", errname(int(intptr_t(big))));
    uint64_t after = test_available_pages();
    check(pages_taken(before, after) <= 2, "an untouched shared mapping took %ld pages", pages_taken(before, after));
    check_eq(munmap(big, half), ERR_OK);

    constexpr int REGIONS = 256;
    char name[32];
    before = test_available_pages();
    for (int i = 0; i < REGIONS; i++) {
        snprintf(name, sizeof name, "sec.empty.%d", i);
        require_eq(createSharedRegion(name, PAGE, RS_PERSIST), ERR_OK);
    }
    after = test_available_pages();
    // The region's own objects only (about 700 bytes each, 42 pages for
    // these), not also an index for 256 MiB (a KiB each, 64 pages more).
    check(pages_taken(before, after) < REGIONS / 4, "%d empty regions took %ld pages", REGIONS,
          pages_taken(before, after));
    for (int i = 0; i < REGIONS; i++) {
        snprintf(name, sizeof name, "sec.empty.%d", i);
        check_eq(destroySharedRegion(name), ERR_OK);
    }
}
