/*
 * meminfo: prints the kernel's memory counters (struct meminfo).
 */
#include "ulib.h"

namespace {

void pages(const char* what, uint64_t n)
{
    printf("%-16s %8lu pages %10lu KiB\n", what, (unsigned long)n, (unsigned long)(n * 4));
}

} // namespace

int main(int argc, char** argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(STDERR_FILENO, "usage: meminfo\n");
        return 2;
    }
    struct meminfo m;
    int r = meminfo(&m);
    if (r < 0) {
        fprintf(STDERR_FILENO, "meminfo: %s\n", errstr(r));
        return 1;
    }
    pages("total", m.total_pages);
    pages("free", m.free_pages);
    pages("kernel", m.kernel_pages);
    pages("slab", m.slab_pages);
    pages("page tables", m.pagetable_pages);
    pages("user", m.user_pages);
    pages("shared", m.shared_pages);
    pages("file cache", m.filecache_pages);
    printf("%-16s %8lu\n", "processes", (unsigned long)m.processes);
    printf("%-16s %8lu\n", "shm regions", (unsigned long)m.shm_regions);
    printf("%-16s %8lu / %lu KiB\n", "shm quota", (unsigned long)(m.shm_quota_used >> 10),
           (unsigned long)(m.shm_quota_total >> 10));
    return 0;
}
