/*
 * exhausttests: the file cache gives memory back (issue 13). Pages of
 * mapped files stay cached after their views go; when memory runs out,
 * clean cached pages that nothing maps are evicted before an allocation
 * fails or a process is killed. So a process can read, view by view, a
 * file bigger than the memory that is free.
 */
#include "cases.h"

namespace {

const char* const BIG_FILE = "/ex_bigfile";
constexpr size_t FILE_PAGES = 1536; // 6 MiB: several times what is left free below
constexpr size_t WINDOW_PAGES = 256; // read through 1 MiB views, one after another
constexpr uint64_t LEFT_FREE = 400;  // pages the hog leaves free

uint32_t word_at(size_t page) { return uint32_t(page * 2654435761u); }

void make_big_file()
{
    int fd = open(BIG_FILE, O_CREAT | O_RDWR | O_TRUNC);
    require(fd >= 0, "create %s: %s", BIG_FILE, errname(fd));
    static uint32_t page[PAGE / 4];
    for (size_t i = 0; i < FILE_PAGES; i++) {
        for (size_t w = 0; w < PAGE / 4; w++)
            page[w] = word_at(i) + uint32_t(w);
        require_eq(write(fd, page, PAGE), long(PAGE));
    }
    close(fd);
}

// In a child: reads the whole file through successive views; exits 0 if
// every word is right (the kernel kills it if memory cannot be found).
void read_through_views(void*)
{
    int fd = open(BIG_FILE, O_RDONLY);
    require(fd >= 0, "open: %s", errname(fd));
    for (size_t first = 0; first < FILE_PAGES; first += WINDOW_PAGES) {
        const uint32_t* v = static_cast<const uint32_t*>(
            mmap(nullptr, WINDOW_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, long(first * PAGE)));
        require(!mmap_failed(v), "mmap at page %lu: %s", (unsigned long)first, errname(int(intptr_t(v))));
        for (size_t i = 0; i < WINDOW_PAGES; i++) {
            const uint32_t* p = v + i * (PAGE / 4);
            require(p[0] == word_at(first + i) && p[PAGE / 4 - 1] == word_at(first + i) + uint32_t(PAGE / 4 - 1),
                    "page %lu reads wrong", (unsigned long)(first + i));
        }
        require_eq(munmap(const_cast<uint32_t*>(v), WINDOW_PAGES * PAGE), ERR_OK);
    }
    close(fd);
}

} // namespace

void exhaust_memory_file_bigger_than_free_memory()
{
    make_big_file();
    struct meminfo m = stress::counts().info;
    auto* progress = static_cast<volatile uint64_t*>(shared_or_fail(PAGE));
    require(m.free_pages > LEFT_FREE + 64, "only %lu pages free", (unsigned long)m.free_pages);
    uint64_t hog_pages = m.free_pages - LEFT_FREE;
    int hog = start_hog(progress, hog_pages);
    for (int i = 0; i < 3000 && *progress < hog_pages; i++)
        sleep(10);
    // The hog may have got fewer pages (the kernel's own use moves); what
    // matters is that far less than the file is free now.
    uint64_t free_now = stress::counts().info.free_pages;
    printf("    hog holds %lu pages; %lu free for a %lu-page file\n", (unsigned long)*progress,
           (unsigned long)free_now, (unsigned long)FILE_PAGES);
    check(free_now < FILE_PAGES / 2, "%lu pages still free: the file would fit", (unsigned long)free_now);
    int status = test_fork(read_through_views, nullptr);
    check(status == 0, "reading the file through views: status %#x%s", status,
          WIFKILLED(status) ? " (killed: the cache kept its pages)" : "");
    stop(hog);
    munmap(const_cast<uint64_t*>(progress), PAGE);
    check_eq(unlink(BIG_FILE), ERR_OK);
}
