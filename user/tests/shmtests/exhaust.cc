/*
 * shmtests: running out, then recovering fully: the region table
 * (SHM_MAX_REGIONS), the shared-memory quota, the views a process may
 * have, and the address space's mapping area. Each limit gives a clean
 * ERR_NOMEM, and once the case lets go everything works again.
 */
#include "cases.h"

namespace {
void table_name(char* buf, size_t size, int i) { snprintf(buf, size, "x.table.%d", i); }
} // namespace

void exhaust_region_table()
{
    ShmCounts before = shm_counts();
    int room = int(SHM_MAX_REGIONS - before.regions);
    // Persistent regions of size 0: they cost a table slot and no quota,
    // so the table, not the quota, is what runs out.
    char name[32];
    int made = 0, last = 0;
    for (;;) {
        table_name(name, sizeof name, made);
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, 0, 0, nullptr);
        if (fd < 0) {
            last = fd;
            break;
        }
        close(fd);
        made++;
        if (made > SHM_MAX_REGIONS)
            break;
    }
    check_eq(last, ERR_NOMEM);
    check(made == room, "%d regions fit, expected %d (SHM_MAX_REGIONS %d)", made, room, SHM_MAX_REGIONS);
    check_eq(shm_counts().regions, SHM_MAX_REGIONS);
    check_eq(shm_counts().quota_used, before.quota_used);
    // Every way of creating is refused the same way; opening still works.
    check_eq(createSharedRegion("x.table.extra", PAGE, 0), ERR_NOMEM);
    check_eq(createSharedRegion("x.table.extra", PAGE, RS_PERSIST), ERR_NOMEM);
    check_eq(shm_open("x.table.extra", O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_NOMEM);
    check_eq(createSharedRegion("x.table.0", PAGE, 0), ERR_EXIST);
    int fd = shm_open("x.table.0", O_RDWR, 0, 0, nullptr);
    check(fd >= 0, "opening an existing region with the table full: %s", errname(fd));
    if (fd >= 0)
        close(fd);
    check_eq(shm_counts().quota_used, before.quota_used);
    // Recovery.
    for (int i = 0; i < made; i++) {
        table_name(name, sizeof name, i);
        int r = shm_unlink(name);
        if (r != ERR_OK) {
            check(false, "unlink %s: %s", name, errname(r));
            break;
        }
    }
    check_counts_back(before, "after unlinking them all");
    check_eq(createSharedRegion("x.table.extra", PAGE, 0), ERR_OK);
    check_eq(destroySharedRegion("x.table.extra"), ERR_OK);
}

void exhaust_quota()
{
    ShmCounts before = shm_counts();
    uint64_t total = quota_total();
    require(total > before.quota_used + 16 * PAGE, "quota total %lu, used %lu", (unsigned long)total,
            (unsigned long)before.quota_used);
    // A handle of a size-0 region, to grow later.
    int grow = shm_open("x.quota.grow", O_RDWR | O_CREAT | O_EXCL, 0, 0, nullptr);
    require(grow >= 0, "shm_open: %s", errname(grow));
    constexpr size_t CHUNK = 4 << 20;
    char name[32];
    int chunks = 0;
    for (;;) {
        snprintf(name, sizeof name, "x.quota.%d", chunks);
        int r = createSharedRegion(name, CHUNK, RS_PERSIST);
        if (r != ERR_OK) {
            check_eq(r, ERR_NOMEM);
            break;
        }
        chunks++;
        if (!check(chunks < 1000, "the quota never ran out"))
            break;
    }
    uint64_t left = total - shm_counts().quota_used;
    check(left < CHUNK, "%lu bytes left, yet a %lu byte create failed", (unsigned long)left, (unsigned long)CHUNK);
    // Fill it to the last page.
    if (left >= PAGE)
        check_eq(createSharedRegion("x.quota.rest", left & ~(PAGE - 1), RS_PERSIST), ERR_OK);
    // The quota is in bytes and need not be whole pages: less than a page is left.
    uint64_t used = shm_counts().quota_used;
    check(used <= total && total - used < PAGE, "quota used %lu of %lu after filling it", (unsigned long)used,
          (unsigned long)total);
    check_eq(createSharedRegion("x.quota.more", PAGE, 0), ERR_NOMEM);
    check_eq(shm_open("x.quota.more", O_RDWR | O_CREAT, PAGE, 0, nullptr), ERR_NOMEM);
    check_eq(ftruncate(grow, PAGE), ERR_NOMEM);
    // A size-0 region costs nothing, so it still fits.
    int zero = shm_open("x.quota.zero", O_RDWR | O_CREAT | O_EXCL, 0, 0, nullptr);
    check(zero >= 0, "size-0 region with the quota full: %s", errname(zero));
    if (zero >= 0)
        close(zero);
    // Charged memory is usable: first touches do not fail for lack of quota.
    if (chunks > 0) {
        char* p = map_region("x.quota.0");
        if (p) {
            for (size_t i = 0; i < CHUNK; i += PAGE)
                p[i] = 1;
            check_eq(destroyMapping("x.quota.0", p), ERR_OK);
        }
    }
    // Recovery.
    for (int i = 0; i < chunks; i++) {
        snprintf(name, sizeof name, "x.quota.%d", i);
        check_eq(destroySharedRegion(name), ERR_OK);
    }
    destroySharedRegion("x.quota.rest");
    check_eq(ftruncate(grow, 4 * PAGE), 0);
    check_eq(createSharedRegion("x.quota.more", CHUNK, 0), ERR_OK);
    check_eq(destroySharedRegion("x.quota.more"), ERR_OK);
    check_eq(close(grow), 0);
    check_counts_back(before, "after freeing the quota");
}

void exhaust_views_per_process()
{
    require_eq(createSharedRegion("x.views", PAGE, 0), ERR_OK);
    // Count the mappings we already have (program, stack, heap, ...).
    static struct map_info all[64];
    int existing = shm_maps(0, all, 64);
    require(existing > 0, "shm_maps: %s", errname(existing));
    static void* views[SHM_MAX_VIEWS_PER_PROCESS];
    int n = 0;
    int r = ERR_OK;
    while (n < SHM_MAX_VIEWS_PER_PROCESS) {
        r = createMapping("x.views", &views[n]);
        if (r != ERR_OK)
            break;
        n++;
    }
    check_eq(r, ERR_NOMEM);
    check(n + existing == SHM_MAX_VIEWS_PER_PROCESS, "%d views + %d other mappings, limit %d", n, existing,
          SHM_MAX_VIEWS_PER_PROCESS);
    // Every kind of new mapping is refused, and nothing broke.
    int fd = shm_open("x.views", O_RDWR, 0, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    check_eq(map_error(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0)), ERR_NOMEM);
    check_eq(map_error(mmap(nullptr, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), ERR_NOMEM);
    struct shm_info info;
    check(find_region_info("x.views", &info) && info.views == uint32_t(n), "region counts %u views, made %d",
          info.views, n);
    static_cast<char*>(views[0])[0] = 'v';
    check_eq(static_cast<char*>(views[n - 1])[0], 'v');
    // A fork copies them all.
    int status = run_child([] {
        struct shm_info i2;
        check(find_region_info("x.views", &i2) && i2.views >= 2 * (SHM_MAX_VIEWS_PER_PROCESS - 64),
              "views with the child: %u", i2.views);
    });
    check_eq(status, 0);
    // Recovery.
    for (int i = 0; i < n; i++) {
        if (destroyMapping("x.views", views[i]) != ERR_OK) {
            check(false, "destroyMapping %d failed", i);
            break;
        }
    }
    char* p = map_region("x.views");
    if (p) {
        check_eq(p[0], 'v');
        check_eq(destroyMapping("x.views", p), ERR_OK);
    }
    close(fd);
    check_eq(destroySharedRegion("x.views"), ERR_OK);
}

void exhaust_address_space()
{
    require_eq(createSharedRegion("x.space", 4 * PAGE, 0), ERR_OK);
    // Fill the mapping area with large inaccessible anonymous mappings
    // (no page is touched, so this costs almost nothing), largest first.
    static void* fillers[128];
    static size_t lengths[128];
    int n = 0;
    for (size_t len = size_t(1) << 36; len >= PAGE && n < 128;) {
        void* p = mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mmap_failed(p)) {
            len /= 2;
            continue;
        }
        fillers[n] = p;
        lengths[n++] = len;
    }
    require(n < 128, "the mapping area never filled");
    void* v = nullptr;
    check_eq(createMapping("x.space", &v), ERR_NOMEM);
    check(v == nullptr, "failed createMapping stored %p", v);
    int fd = shm_open("x.space", O_RDWR, 0, 0, nullptr);
    require(fd >= 0, "shm_open");
    check_eq(map_error(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0)), ERR_NOMEM);
    struct shm_info info;
    check(find_region_info("x.space", &info) && info.views == 0, "views %u", info.views);
    // The heap does not live in the mapping area: it can still grow.
    void* brk = sbrk(16 * PAGE);
    check(!is_err(intptr_t(brk)), "sbrk with the mapping area full: %s", errname(int(intptr_t(brk))));
    if (!is_err(intptr_t(brk))) {
        static_cast<char*>(brk)[16 * PAGE - 1] = 1;
        sbrk(-long(16 * PAGE));
    }
    // Recovery.
    for (int i = 0; i < n; i++)
        check_eq(munmap(fillers[i], lengths[i]), 0);
    char* p = map_region("x.space");
    if (p) {
        p[4 * PAGE - 1] = 1;
        check_eq(destroyMapping("x.space", p), ERR_OK);
    }
    close(fd);
    check_eq(destroySharedRegion("x.space"), ERR_OK);
}
