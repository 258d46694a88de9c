/*
 * vm: a process's page table, as the hardware walks it (the xv6 page-table
 * lab's vmprint, for any process, from the shell).
 *
 *   vm PID          the user half: each table, then the leaves under it,
 *                   coalesced into ranges with their permissions, physical
 *                   pages, reference counts and the processes that map the
 *                   same pages
 *   vm -k PID       the kernel half too (the same in every process)
 *   vm PID VA       the Sv39 walk of one address, level by level
 *
 * PID 0 is vm itself. Watch demand paging (pages appear as they are
 * touched), copy-on-write after fork (the same physical pages, read-only,
 * shared with the parent) and shared views (the region's pages in every
 * process that maps it): docs/debugging.md.
 */
#include "include/ulib.h"

namespace {

constexpr int CHUNK = 128;
constexpr int MAX_PROCS = 256;
constexpr uint64_t VA_BITS_MASK = (uint64_t(1) << 39) - 1;

struct Table {
    struct pt_range* ranges = nullptr;
    int count = 0;
};

int usage()
{
    fprintf(STDERR_FILENO, "usage: vm [-k] PID\n       vm PID VA\n");
    return 2;
}

// Every record of pid's table (flags: PT_*_HALF); count < 0 is an error.
Table read_table(int pid, int flags)
{
    Table t;
    int capacity = 0;
    for (;;) {
        if (t.count + CHUNK > capacity) {
            int bigger = capacity ? capacity * 2 : 4 * CHUNK;
            auto* grown = static_cast<struct pt_range*>(malloc(sizeof(struct pt_range) * size_t(bigger)));
            if (!grown) {
                free(t.ranges);
                return {nullptr, ERR_NOMEM};
            }
            if (t.ranges)
                memcpy(grown, t.ranges, sizeof(struct pt_range) * size_t(t.count));
            free(t.ranges);
            t.ranges = grown;
            capacity = bigger;
        }
        int n = vm_pagetable(pid, t.ranges + t.count, CHUNK, t.count, flags);
        if (n < 0) {
            free(t.ranges);
            return {nullptr, n};
        }
        t.count += n;
        if (n < CHUNK)
            return t;
    }
}

// "vrwxugad" with '-' for each PTE flag that is clear.
const char* flag_string(uint32_t flags, char* buf)
{
    const char letters[] = "vrwxugad";
    for (int i = 0; i < 8; i++)
        buf[i] = (flags & (PTE_FLAG_V << i)) ? letters[i] : '-';
    buf[8] = 0;
    return buf;
}

const char* indent(int level)
{
    static const char* const by_level[] = {" .. .. .. ", " .. .. ", " .. "};
    return by_level[level];
}

uint64_t pte_value(const struct pt_range& r) { return ((r.pa >> 12) << 10) | r.pte_flags; }

// The other processes whose page tables map any page of [pa, pa_end).
struct Others {
    int pids[MAX_PROCS];
    Table tables[MAX_PROCS];
    int count = 0;
};

void load_others(Others& o, int self)
{
    static struct procinfo procs[MAX_PROCS];
    int n = procinfo(procs, MAX_PROCS);
    for (int i = 0; i < n; i++) {
        if (procs[i].pid == self || procs[i].state == PSTATE_ZOMBIE)
            continue;
        Table t = read_table(procs[i].pid, PT_USER_HALF);
        if (t.count <= 0)
            continue;
        o.pids[o.count] = procs[i].pid;
        o.tables[o.count++] = t;
    }
}

void print_sharers(const Others& o, uint64_t pa, uint64_t pa_end)
{
    bool first = true;
    for (int i = 0; i < o.count; i++) {
        const Table& t = o.tables[i];
        for (int j = 0; j < t.count; j++) {
            const struct pt_range& r = t.ranges[j];
            uint64_t end = r.pa + (r.va_end - r.va_start);
            if (r.kind == PT_RANGE_LEAF && r.pa < pa_end && pa < end) {
                printf(first ? "  shared with %d" : ",%d", o.pids[i]);
                first = false;
                break;
            }
        }
    }
}

void print_tree(int pid, const Table& t, const Others& others)
{
    uint64_t pages = 0, tables = 1; // the root
    char flags[9];
    for (int i = 0; i < t.count; i++) {
        const struct pt_range& r = t.ranges[i];
        if (r.kind == PT_RANGE_TABLE) {
            tables++;
            printf("%s[%u] table at pa 0x%lx (va 0x%lx-0x%lx)\n", indent(r.level), r.index, (unsigned long)r.pa,
                   (unsigned long)r.va_start, (unsigned long)(r.va_end - 1));
            continue;
        }
        pages += r.pages;
        uint64_t bytes = r.va_end - r.va_start;
        if (r.pages > 1)
            printf("%s[%u-%u]", indent(r.level), r.index, r.index + r.pages - 1);
        else
            printf("%s[%u]", indent(r.level), r.index);
        printf(" 0x%lx-0x%lx %s pa 0x%lx", (unsigned long)r.va_start, (unsigned long)(r.va_end - 1),
               flag_string(r.pte_flags, flags), (unsigned long)r.pa);
        if (r.level > 0)
            printf(" (%s page%s)", r.level == 2 ? "1 GiB" : "2 MiB", r.pages > 1 ? "s" : "");
        if (r.refs)
            printf(" refs %u", r.refs);
        if (r.refs > 1)
            print_sharers(others, r.pa, r.pa + bytes);
        printf("\n");
    }
    printf("pid %d: %lu leaf entries, %lu page-table pages\n", pid, (unsigned long)pages, (unsigned long)tables);
}

// The Sv39 walk of va, from the records of the tables on its path.
int print_walk(const Table& t, uint64_t va)
{
    char flags[9];
    printf("va 0x%lx: vpn[2] %lu, vpn[1] %lu, vpn[0] %lu, offset 0x%lx\n", (unsigned long)va,
           (unsigned long)((va >> 30) & 511), (unsigned long)((va >> 21) & 511), (unsigned long)((va >> 12) & 511),
           (unsigned long)(va & 0xfff));
    for (int level = 2; level >= 0; level--) {
        const struct pt_range* hit = nullptr;
        for (int i = 0; i < t.count && !hit; i++) {
            const struct pt_range& r = t.ranges[i];
            if (r.level == level && va >= r.va_start && va < r.va_end)
                hit = &r;
        }
        uint64_t index = (va >> (12 + 9 * level)) & 511;
        if (!hit) {
            printf("level %d: entry %lu is not valid: the access would fault\n", level, (unsigned long)index);
            return 1;
        }
        // A coalesced leaf range: the entry for va is its own page of it.
        uint64_t pa = hit->pa + (hit->kind == PT_RANGE_LEAF ? ((va - hit->va_start) & ~uint64_t(0xfff)) : 0);
        struct pt_range one = *hit;
        one.pa = pa;
        printf("level %d: entry %lu = 0x%016lx  %s ", level, (unsigned long)index, (unsigned long)pte_value(one),
               flag_string(hit->pte_flags, flags));
        if (hit->kind == PT_RANGE_TABLE) {
            printf("-> table at pa 0x%lx\n", (unsigned long)pa);
            continue;
        }
        uint64_t phys = hit->pa + (va - hit->va_start);
        printf("leaf -> pa 0x%lx", (unsigned long)phys);
        if (hit->refs)
            printf(" (page refs %u)", hit->refs);
        printf("\n");
        return 0;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    int flags = PT_USER_HALF;
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "-k") == 0) {
        flags |= PT_KERNEL_HALF;
        arg++;
    }
    if (argc - arg < 1 || argc - arg > 2)
        return usage();
    char* end;
    int pid = int(strtoul(argv[arg], &end, 10));
    if (*end || end == argv[arg])
        return usage();
    bool walk = argc - arg == 2;
    uint64_t va = 0;
    if (walk) {
        va = strtoul(argv[arg + 1], &end, 0);
        if (*end || end == argv[arg + 1])
            return usage();
        // A kernel address: the half that holds it, sign-extended as Sv39 wants.
        if (va & (uint64_t(1) << 38))
            flags |= PT_KERNEL_HALF, va |= ~VA_BITS_MASK;
    }
    Table t = read_table(pid, flags);
    if (t.count < 0) {
        fprintf(STDERR_FILENO, "vm: pid %d: %s\n", pid, errstr(t.count));
        return 1;
    }
    if (walk)
        return print_walk(t, va);
    if (pid == 0)
        pid = getpid();
    static Others others;
    load_others(others, pid);
    printf("page table of pid %d (user half%s)\n", pid, flags & PT_KERNEL_HALF ? " and kernel half" : "");
    print_tree(pid, t, others);
    return 0;
}
