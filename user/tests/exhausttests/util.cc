/*
 * exhausttests: memory hogs and small helpers.
 */
#include "cases.h"

void* shared_or_fail(size_t bytes)
{
    void* p = stress::shared_pages(bytes);
    require(p, "mmap(MAP_SHARED|MAP_ANONYMOUS, %lu) failed", (unsigned long)bytes);
    memset(p, 0, bytes);
    return p;
}

int start_hog(volatile uint64_t* progress, uint64_t max_pages)
{
    *progress = 0;
    int pid = fork();
    if (pid == 0) {
        // Reserve address space for more than the machine has; pages
        // appear one by one as they are touched.
        constexpr size_t SPAN = size_t(1) << 32;
        char* p = static_cast<char*>(mmap(nullptr, SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (mmap_failed(p))
            exit(3);
        for (uint64_t i = 0; i < max_pages && i < SPAN / PAGE; i++) {
            p[i * PAGE] = 1; // the fault that finally fails kills us here
            *progress = i + 1;
        }
        for (;;)
            sleep(1000);
    }
    require(pid > 0, "fork: %s", errname(pid));
    return pid;
}

int stop(int pid)
{
    kill(pid);
    return stress::reap(pid);
}

uint64_t probe_memory()
{
    auto* progress = static_cast<volatile uint64_t*>(shared_or_fail(PAGE));
    int pid = start_hog(progress, ~0ull);
    int status = stress::reap(pid);
    check(status >= 0 && WIFKILLED(status), "the hog ended with status %#x, not killed", status);
    uint64_t pages = *progress;
    munmap(const_cast<uint64_t*>(progress), PAGE);
    return pages;
}
