/*
 * shmtests: bad pointers given to every pointer argument of the shared
 * memory calls must give ERR_FAULT, change nothing and leave the caller
 * running; lazy (untouched) pages are not bad pointers.
 */
#include "cases.h"

namespace {

// A name whose bytes run into an unmapped page with no NUL on the way.
char* name_into_hole()
{
    char* p = static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (mmap_failed(p))
        return nullptr;
    munmap(p + PAGE, PAGE);
    memset(p + PAGE - 8, 'h', 8);
    return p + PAGE - 8;
}

// A read-only page (contents: zeros).
char* readonly_page()
{
    char* p = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    return mmap_failed(p) ? nullptr : p;
}

const char* const kConstName = "bp.const"; // lives in rodata

} // namespace

void badptr_names()
{
    ShmCounts before = shm_counts();
    char* hole = name_into_hole();
    require(hole, "mmap");
    const char* bad[] = {nullptr, reinterpret_cast<const char*>(UNMAPPED_ADDR),
                         reinterpret_cast<const char*>(KERNEL_ADDR), reinterpret_cast<const char*>(0xfffffffffffff000),
                         hole};
    const char* what[] = {"NULL", "unmapped", "kernel", "last page", "runs into a hole"};
    static char local[1];
    for (int i = 0; i < 5; i++) {
        void* p = nullptr;
        check(createSharedRegion(bad[i], PAGE, 0) == ERR_FAULT, "createSharedRegion(%s)", what[i]);
        check(createSharedRegion(bad[i], PAGE, RS_PERSIST) == ERR_FAULT, "createSharedRegion(%s, persist)", what[i]);
        check(destroySharedRegion(bad[i]) == ERR_FAULT, "destroySharedRegion(%s)", what[i]);
        check(createMapping(bad[i], &p) == ERR_FAULT && p == nullptr, "createMapping(%s)", what[i]);
        check(destroyMapping(bad[i], local) == ERR_FAULT, "destroyMapping(%s)", what[i]);
        check(lockSharedRegion(bad[i]) == ERR_FAULT, "lockSharedRegion(%s)", what[i]);
        check(unlockSharedRegion(bad[i]) == ERR_FAULT, "unlockSharedRegion(%s)", what[i]);
        check(shm_open(bad[i], O_RDWR | O_CREAT, PAGE, 0, nullptr) == ERR_FAULT, "shm_open(%s)", what[i]);
        check(shm_unlink(bad[i]) == ERR_FAULT, "shm_unlink(%s)", what[i]);
    }
    check_counts_back(before, "after bad names");
    // A name in rodata, and one whose NUL sits in a page never touched
    // yet, are fine.
    check_eq(createSharedRegion(kConstName, PAGE, 0), ERR_OK);
    check_eq(destroySharedRegion(kConstName), ERR_OK);
    char* lazy = static_cast<char*>(mmap(nullptr, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(lazy), "mmap");
    memcpy(lazy + PAGE - 7, "bp.lazy", 7); // the NUL is the first byte of the next page
    check_eq(createSharedRegion(lazy + PAGE - 7, PAGE, 0), ERR_OK);
    check_eq(destroySharedRegion("bp.lazy"), ERR_OK);
    munmap(lazy, 2 * PAGE);
    munmap(hole - (PAGE - 8), PAGE);
}

void badptr_region_beg()
{
    require_eq(createSharedRegion("bp.beg", PAGE, 0), ERR_OK);
    char* ro = readonly_page();
    require(ro, "mmap");
    void* bad[] = {nullptr,
                   reinterpret_cast<void*>(UNMAPPED_ADDR),
                   reinterpret_cast<void*>(KERNEL_ADDR),
                   ro,
                   reinterpret_cast<void*>(&badptr_region_beg), // text
                   const_cast<char*>(kConstName)};             // rodata
    const char* what[] = {"NULL", "unmapped", "kernel", "read-only page", "text", "rodata"};
    int views = count_own_views();
    for (int i = 0; i < 6; i++) {
        check(createMapping("bp.beg", static_cast<void**>(bad[i])) == ERR_FAULT, "createMapping(.., %s)", what[i]);
        check(count_own_views() == views, "a failed createMapping(.., %s) left a view", what[i]);
    }
    check(ro[0] == 0, "the read-only page was written");
    struct shm_info info;
    check(find_region_info("bp.beg", &info) && info.views == 0, "views %u after failures", info.views);
    // An untouched writable page is a fine place for the result.
    void** lazy = static_cast<void**>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    require(!mmap_failed(lazy), "mmap");
    check_eq(createMapping("bp.beg", lazy), ERR_OK);
    check(*lazy != nullptr, "no address stored");
    check_eq(destroyMapping("bp.beg", *lazy), ERR_OK);
    munmap(lazy, PAGE);
    munmap(ro, PAGE);
    check_eq(destroySharedRegion("bp.beg"), ERR_OK);
}

void badptr_shm_open_created()
{
    ShmCounts before = shm_counts();
    char* ro = readonly_page();
    require(ro, "mmap");
    int* bad[] = {reinterpret_cast<int*>(UNMAPPED_ADDR), reinterpret_cast<int*>(KERNEL_ADDR),
                  reinterpret_cast<int*>(ro)};
    for (int i = 0; i < 3; i++) {
        check_eq(shm_open("bp.created", O_RDWR | O_CREAT | SHM_PERSIST, PAGE, 0, bad[i]), ERR_FAULT);
        // Nothing was created, and no descriptor was used up.
        check_eq(shm_open("bp.created", O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    }
    check_counts_back(before, "after bad created pointers");
    int probe = dup(0);
    check(probe >= 0 && probe <= 4, "descriptor %d: failed shm_open calls leaked descriptors", probe);
    close(probe);
    // A bad created pointer when opening an existing region changes nothing either.
    int fd = shm_open("bp.created2", O_RDWR | O_CREAT, PAGE, 0, nullptr);
    require(fd >= 0, "create");
    check_eq(shm_open("bp.created2", O_RDWR | O_CREAT, PAGE, 0, bad[0]), ERR_FAULT);
    struct shm_info info;
    check(find_region_info("bp.created2", &info) && info.handles == 1, "handles %u", info.handles);
    close(fd);
    munmap(ro, PAGE);
}

void badptr_info_buffers()
{
    int fd = shm_open("bp.info", O_RDWR | O_CREAT, PAGE, 0, nullptr);
    require(fd >= 0, "create");
    char* ro = readonly_page();
    require(ro, "mmap");
    void* bad[] = {nullptr, reinterpret_cast<void*>(UNMAPPED_ADDR), reinterpret_cast<void*>(KERNEL_ADDR), ro};
    for (int i = 0; i < 4; i++) {
        check(shm_list(static_cast<struct shm_info*>(bad[i]), 4, 0) == ERR_FAULT, "shm_list into bad %d", i);
        check(shm_maps(0, static_cast<struct map_info*>(bad[i]), 4) == ERR_FAULT, "shm_maps into bad %d", i);
        check(fstat(fd, static_cast<struct stat*>(bad[i])) == ERR_FAULT, "fstat into bad %d", i);
    }
    check(ro[0] == 0, "the read-only page was written");
    close(fd);
    munmap(ro, PAGE);
}
