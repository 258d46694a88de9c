/*
 * usertests: vm_pagetable, the page table as the hardware sees it, and
 * the `vm` tool built on it. The cases watch what docs/debugging.md
 * promises a student can watch: pages appearing on first touch,
 * copy-on-write pages shared read-only after fork and split by a write,
 * and two views of one region mapping the same physical page. Bad
 * arguments give clear errors (and, as in every case, leak nothing).
 */
#include "../../include/shm.h"
#include "cases.h"

namespace {

constexpr int MAX_RANGES = 512;

struct Leaf {
    bool present;
    uint64_t pa;
    uint32_t flags;
    uint32_t refs;
};

// The leaf mapping va in pid's table (0: ours), from its records.
Leaf leaf_of(int pid, uintptr_t va)
{
    static struct pt_range ranges[MAX_RANGES];
    Leaf leaf = {};
    for (int skip = 0;;) {
        int n = vm_pagetable(pid, ranges, MAX_RANGES, skip, PT_USER_HALF);
        require(n >= 0, "vm_pagetable(%d): %s", pid, errname(n));
        for (int i = 0; i < n; i++) {
            const struct pt_range& r = ranges[i];
            if (r.kind == PT_RANGE_LEAF && va >= r.va_start && va < r.va_end) {
                leaf = {true, r.pa + ((va - r.va_start) & ~uint64_t(PAGE - 1)), r.pte_flags, r.refs};
                return leaf;
            }
        }
        if (n < MAX_RANGES)
            return leaf;
        skip += n;
    }
}

char* map_anonymous(size_t pages, int flags)
{
    char* p = static_cast<char*>(mmap(nullptr, pages * PAGE, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(p), "mmap: %s", errname(int(intptr_t(p))));
    return p;
}

} // namespace

void pagetable_demand_paging()
{
    char* p = map_anonymous(4, MAP_PRIVATE);
    for (int i = 0; i < 4; i++)
        check(!leaf_of(0, uintptr_t(p + i * PAGE)).present, "page %d mapped before any touch", i);
    p[PAGE] = 1;
    (void)*(volatile char*)(p + 3 * PAGE);
    Leaf written = leaf_of(0, uintptr_t(p + PAGE));
    Leaf read_only = leaf_of(0, uintptr_t(p + 3 * PAGE));
    check(written.present, "the written page is not mapped");
    check(read_only.present, "the read page is not mapped");
    check(!leaf_of(0, uintptr_t(p)).present && !leaf_of(0, uintptr_t(p + 2 * PAGE)).present,
          "untouched pages got mapped");
    uint32_t want = PTE_FLAG_V | PTE_FLAG_R | PTE_FLAG_W | PTE_FLAG_U | PTE_FLAG_A | PTE_FLAG_D;
    check(written.flags == want, "flags of a written anonymous page: %#x, want %#x", written.flags, want);
    check_eq(written.refs, 1);
    check(written.pa != read_only.pa, "two anonymous pages share pa %#lx", (unsigned long)written.pa);
    munmap(p, 4 * PAGE);
    check(!leaf_of(0, uintptr_t(p + PAGE)).present, "still mapped after munmap");
}

namespace {
char* g_cow_page;
volatile int* g_cow_flags; // [0]: child: ready; [1]: parent: looked; [2]: child: wrote; [3]: parent: done

void cow_child(void*)
{
    g_cow_flags[0] = 1;
    require(test_wait_for(g_cow_flags + 1, 1, 10000), "parent never looked");
    g_cow_page[0] = 'c'; // the copy-on-write fault
    g_cow_flags[2] = 1;
    require(test_wait_for(g_cow_flags + 3, 1, 10000), "parent never finished");
}
} // namespace

void pagetable_cow_after_fork()
{
    g_cow_flags = test_shared_page();
    g_cow_page = map_anonymous(1, MAP_PRIVATE);
    g_cow_page[0] = 'p';
    Leaf before = leaf_of(0, uintptr_t(g_cow_page));
    require(before.present && (before.flags & PTE_FLAG_W), "the written page is not writable");

    int child = test_spawn(cow_child, nullptr);
    require(child > 0, "fork: %s", errname(child));
    require(test_wait_for(g_cow_flags, 1, 10000), "child never started");
    Leaf mine = leaf_of(0, uintptr_t(g_cow_page));
    Leaf theirs = leaf_of(child, uintptr_t(g_cow_page));
    check(mine.present && theirs.present, "the page is not mapped in both (%d, %d)", mine.present, theirs.present);
    check(mine.pa == theirs.pa, "parent and child map %#lx and %#lx", (unsigned long)mine.pa,
          (unsigned long)theirs.pa);
    check(!(mine.flags & PTE_FLAG_W) && !(theirs.flags & PTE_FLAG_W), "a shared copy-on-write page is writable");
    check_eq(mine.refs, 2);
    g_cow_flags[1] = 1;

    require(test_wait_for(g_cow_flags + 2, 1, 10000), "child never wrote");
    Leaf copied = leaf_of(child, uintptr_t(g_cow_page));
    check(copied.present && copied.pa != mine.pa, "the child's write did not copy the page");
    check(copied.flags & PTE_FLAG_W, "the child's copy is not writable");
    check_eq(copied.refs, 1);
    check_eq(leaf_of(0, uintptr_t(g_cow_page)).refs, 1);
    check(g_cow_page[0] == 'p', "the parent sees the child's write");
    g_cow_flags[3] = 1;
    test_expect_child_ok(child, "cow child");
    munmap(g_cow_page, PAGE);
    test_free_shared_page(g_cow_flags);
}

void pagetable_shared_views()
{
    const char* name = "usertests-pagetable";
    require_eq(createSharedRegion(name, 2 * PAGE, 0), ERR_OK);
    char *a = nullptr, *b = nullptr;
    require_eq(createMapping(name, (void**)&a), ERR_OK);
    require_eq(createMapping(name, (void**)&b), ERR_OK);
    check(a != b, "two views at one address");
    a[PAGE] = 1;
    (void)*(volatile char*)(b + PAGE);
    Leaf la = leaf_of(0, uintptr_t(a + PAGE));
    Leaf lb = leaf_of(0, uintptr_t(b + PAGE));
    check(la.present && lb.present, "a touched view page is not mapped");
    check(la.pa == lb.pa, "two views map %#lx and %#lx", (unsigned long)la.pa, (unsigned long)lb.pa);
    // The region's page cache holds one reference, each view's PTE another.
    check_eq(la.refs, 3);
    check(!leaf_of(0, uintptr_t(a)).present, "an untouched view page is mapped");
    check_eq(destroyMapping(name, b), ERR_OK);
    check_eq(leaf_of(0, uintptr_t(a + PAGE)).refs, 2);
    check_eq(destroyMapping(name, a), ERR_OK);
    check_eq(destroySharedRegion(name), ERR_OK);
}

void pagetable_errors()
{
    static struct pt_range ranges[8];
    check_eq(vm_pagetable(0, ranges, -1, 0, 0), ERR_INVAL);
    check_eq(vm_pagetable(0, ranges, 8, -1, 0), ERR_INVAL);
    check_eq(vm_pagetable(0, ranges, 8, 0, 0x4), ERR_INVAL);
    check_eq(vm_pagetable(-1, ranges, 8, 0, 0), ERR_INVAL);
    check_eq(vm_pagetable(1 << 30, ranges, 8, 0, 0), ERR_SRCH);
    check_eq(vm_pagetable(0, ranges, 0, 0, 0), 0);
    check_eq(vm_pagetable(0, ranges, 8, 1 << 30, 0), 0);
    const uintptr_t bad[] = {0, KERNEL_ADDR, UNMAPPED_ADDR, NONCANONICAL_ADDR, 0xfffffffffffff000};
    for (uintptr_t p : bad) {
        int r = vm_pagetable(0, reinterpret_cast<struct pt_range*>(p), 8, 0, 0);
        check(r == ERR_FAULT, "out = %#lx: %s", (unsigned long)p, errname(r));
    }
    // Into our own code: a read-only page.
    int r = vm_pagetable(0, reinterpret_cast<struct pt_range*>(&pagetable_errors), 8, 0, 0);
    check(r == ERR_FAULT, "out = our text: %s", errname(r));

    // The kernel half: no user pages, every address in the upper half.
    int n = vm_pagetable(1, ranges, 8, 0, PT_KERNEL_HALF);
    check(n > 0, "kernel half of init: %s", errname(n));
    for (int i = 0; i < n; i++) {
        check(ranges[i].va_start >= KERNEL_ADDR, "kernel-half record at %#lx", (unsigned long)ranges[i].va_start);
        check(!(ranges[i].pte_flags & PTE_FLAG_U), "a user page in the kernel half");
        check(ranges[i].refs == 0, "refs %u on a kernel mapping", ranges[i].refs);
    }
    // Paging through with skip gives the records one call gives.
    static struct pt_range whole[64], piece[1];
    memset(whole, 0, sizeof whole); // fault the buffers in first: the table must not change between calls
    memset(piece, 0, sizeof piece);
    int total = vm_pagetable(0, whole, 64, 0, 0);
    require(total > 3 && total < 64, "our table has %d records", total);
    // (Reference counts aside: our pages are shared copy-on-write with the
    // test runner, whose own faults and forks change them meanwhile.)
    for (int i = 0; i < total; i++) {
        require_eq(vm_pagetable(0, piece, 1, i, 0), 1);
        piece[0].refs = whole[i].refs;
        check(memcmp(piece, &whole[i], sizeof piece[0]) == 0, "record %d differs when read alone", i);
    }
    check_eq(vm_pagetable(0, piece, 1, total, 0), 0);
}

void vm_tool_shows_sharing()
{
    g_cow_flags = test_shared_page();
    g_cow_page = map_anonymous(1, MAP_PRIVATE);
    g_cow_page[0] = 'p';
    int child = test_spawn(cow_child, nullptr);
    require(child > 0, "fork: %s", errname(child));
    require(test_wait_for(g_cow_flags, 1, 10000), "child never started");

    char pid_text[16], va_text[32], out[8192], expect[64];
    snprintf(pid_text, sizeof pid_text, "%d", child);
    snprintf(va_text, sizeof va_text, "%#lx", (unsigned long)uintptr_t(g_cow_page));
    char* tree_argv[] = {(char*)"vm", pid_text, nullptr};
    int status = 0;
    long len = test_run_capture("/bin/vm", tree_argv, out, sizeof out, &status);
    check(len > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "vm %d: status %#x", child, status);
    snprintf(expect, sizeof expect, "page table of pid %d", child);
    check(strstr(out, expect), "no '%s' in:\n%s", expect, out);
    // The copy-on-write page: read-only, two references, shared with us.
    snprintf(expect, sizeof expect, "%s-", va_text);
    const char* line = strstr(out, expect);
    check(line, "no line for %s in:\n%s", va_text, out);
    if (line) {
        const char* eol = strchr(line, '\n');
        char text[200] = {};
        memcpy(text, line, eol && size_t(eol - line) < sizeof text ? size_t(eol - line) : sizeof text - 1);
        snprintf(expect, sizeof expect, "shared with %d", getpid());
        check(strstr(text, " vr--u") && strstr(text, "refs 2") && strstr(text, expect), "the line: %s", text);
    }

    char* walk_argv[] = {(char*)"vm", pid_text, va_text, nullptr};
    len = test_run_capture("/bin/vm", walk_argv, out, sizeof out, &status);
    check(len > 0 && WEXITSTATUS(status) == 0, "vm %d %s: status %#x", child, va_text, status);
    check(strstr(out, "level 2:") && strstr(out, "level 1:") && strstr(out, "level 0:") && strstr(out, "leaf -> pa"),
          "the walk:\n%s", out);
    char* bad_argv[] = {(char*)"vm", (char*)"999999", nullptr};
    len = test_run_capture("/bin/vm", bad_argv, out, sizeof out, &status);
    check(WEXITSTATUS(status) == 1 && strstr(out, "no such process"), "vm 999999: %s", out);

    g_cow_flags[1] = 1;
    g_cow_flags[3] = 1;
    test_expect_child_ok(child, "cow child");
    munmap(g_cow_page, PAGE);
    test_free_shared_page(g_cow_flags);
}
