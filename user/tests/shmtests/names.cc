/*
 * shmtests: region names: 1 to 127 bytes of anything but NUL. At 128 bytes
 * the original interface says ERR_INVAL and the handle interface
 * ERR_NAMETOOLONG; an empty name is ERR_INVAL everywhere.
 */
#include "cases.h"

namespace {
char g_name127[SHM_NAME_MAX + 1];
char g_name128[SHM_NAME_MAX + 2];
char g_huge[8192];

void make_names(char fill)
{
    memset(g_name127, fill, SHM_NAME_MAX);
    g_name127[SHM_NAME_MAX] = 0;
    memcpy(g_name128, g_name127, SHM_NAME_MAX);
    g_name128[SHM_NAME_MAX] = 'x';
    g_name128[SHM_NAME_MAX + 1] = 0;
    memset(g_huge, fill, sizeof g_huge - 1);
    g_huge[sizeof g_huge - 1] = 0;
}

// Every call of both interfaces with a name that is not acceptable.
void check_all_refuse(const char* name, int original_code, int handle_code, const char* what)
{
    void* p = nullptr;
    static char in_view[1];
    check(createSharedRegion(name, PAGE, 0) == original_code, "%s: createSharedRegion", what);
    check(destroySharedRegion(name) == original_code, "%s: destroySharedRegion", what);
    check(createMapping(name, &p) == original_code && p == nullptr, "%s: createMapping", what);
    check(destroyMapping(name, in_view) == original_code, "%s: destroyMapping", what);
    check(lockSharedRegion(name) == original_code, "%s: lockSharedRegion", what);
    check(unlockSharedRegion(name) == original_code, "%s: unlockSharedRegion", what);
    check(shm_open(name, O_RDWR | O_CREAT, PAGE, 0, nullptr) == handle_code, "%s: shm_open create", what);
    check(shm_open(name, O_RDONLY, 0, 0, nullptr) == handle_code, "%s: shm_open", what);
    check(shm_unlink(name) == handle_code, "%s: shm_unlink", what);
}
} // namespace

void name_max_length()
{
    make_names('m');
    ShmCounts before = shm_counts();
    // 127 bytes: every call accepts it.
    require_eq(createSharedRegion(g_name127, PAGE, 0), ERR_OK);
    char* p = map_region(g_name127);
    require(p, "no mapping");
    check_eq(lockSharedRegion(g_name127), ERR_OK);
    check_eq(unlockSharedRegion(g_name127), ERR_OK);
    struct shm_info info;
    check(find_region_info(g_name127, &info) && strlen(info.name) == SHM_NAME_MAX, "127-byte name not listed whole");
    int fd = shm_open(g_name127, O_RDWR, 0, 0, nullptr);
    check(fd >= 0, "shm_open of a 127-byte name: %s", errname(fd));
    if (fd >= 0)
        close(fd);
    check_eq(destroyMapping(g_name127, p), ERR_OK);
    check_eq(destroySharedRegion(g_name127), ERR_OK);
    fd = shm_open(g_name127, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, PAGE, 0, nullptr);
    check(fd >= 0, "shm_open create of a 127-byte name: %s", errname(fd));
    if (fd >= 0)
        close(fd);
    check_eq(shm_unlink(g_name127), ERR_OK);
    // 128 bytes and far more: refused, with each interface's code.
    check_all_refuse(g_name128, ERR_INVAL, ERR_NAMETOOLONG, "128 bytes");
    check_all_refuse(g_huge, ERR_INVAL, ERR_NAMETOOLONG, "8191 bytes");
    check_counts_back(before, "after the long names");
}

void name_not_truncated()
{
    make_names('t');
    // A region with the 127-byte name must not answer to the 128-byte one,
    // as it would if the kernel cut names short instead of refusing them.
    require_eq(createSharedRegion(g_name127, PAGE, 0), ERR_OK);
    char* p = map_region(g_name127);
    require(p, "no mapping");
    check_all_refuse(g_name128, ERR_INVAL, ERR_NAMETOOLONG, "127-byte prefix exists");
    // A shorter prefix is simply another name.
    g_name127[SHM_NAME_MAX - 1] = 0;
    void* q;
    check_eq(createMapping(g_name127, &q), ERR_NOTEXIST);
    check_eq(destroySharedRegion(g_name127), ERR_NOTEXIST);
    g_name127[SHM_NAME_MAX - 1] = 't';
    // The region is intact and still ours to lock and destroy.
    check_eq(lockSharedRegion(g_name127), ERR_OK);
    check_eq(unlockSharedRegion(g_name127), ERR_OK);
    check_eq(destroyMapping(g_name127, p), ERR_OK);
    check_eq(destroySharedRegion(g_name127), ERR_OK);
}

void name_special_chars()
{
    static const char* const names[] = {"sp a b", "sp a\tb", "sp a\nb", "sp a_b", " ", "\t", "\n",
                                        "sp \t\n mixed \n", "sp a b "};
    constexpr int N = sizeof names / sizeof names[0];
    ShmCounts before = shm_counts();
    for (int i = 0; i < N; i++)
        check(createSharedRegion(names[i], PAGE, 0) == ERR_OK, "create name %d", i);
    check_eq(shm_counts().regions, before.regions + N);
    // Each name is its own region.
    for (int i = 0; i < N; i++) {
        char* p = map_region(names[i]);
        if (!p)
            continue;
        p[0] = char('0' + i);
        check_eq(destroyMapping(names[i], p), ERR_OK);
    }
    for (int i = 0; i < N; i++) {
        char* p = map_region(names[i]);
        if (!p)
            continue;
        check(p[0] == char('0' + i), "name %d reads region %c", i, p[0]);
        check_eq(lockSharedRegion(names[i]), ERR_OK);
        check_eq(unlockSharedRegion(names[i]), ERR_OK);
        check_eq(destroyMapping(names[i], p), ERR_OK);
        struct shm_info info;
        check(find_region_info(names[i], &info), "name %d not listed exactly", i);
    }
    // The handle interface sees the same names.
    int fd = shm_open("sp a\nb", O_RDONLY, 0, 0, nullptr);
    check(fd >= 0, "shm_open of a name with a newline: %s", errname(fd));
    if (fd >= 0)
        close(fd);
    for (int i = 0; i < N; i++)
        check(destroySharedRegion(names[i]) == ERR_OK, "destroy name %d", i);
    check_counts_back(before, "after destroying them all");
}

void name_empty()
{
    check_all_refuse("", ERR_INVAL, ERR_INVAL, "empty name");
}

void name_any_bytes()
{
    // Every byte value but NUL, in two names of the maximum length.
    static char low[SHM_NAME_MAX + 1], high[SHM_NAME_MAX + 1];
    for (int i = 0; i < SHM_NAME_MAX; i++) {
        low[i] = char(1 + i);    // 1 .. 127
        high[i] = char(128 + i); // 128 .. 254
    }
    require_eq(createSharedRegion(low, PAGE, 0), ERR_OK);
    int fd = shm_open(high, O_RDWR | O_CREAT | O_EXCL, PAGE, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    char* a = map_region(low);
    char* b = map_region(high);
    require(a && b, "mappings");
    a[0] = 'l';
    b[0] = 'h';
    check(a[0] == 'l' && b[0] == 'h', "the two names share a region");
    struct shm_info info;
    check(find_region_info(low, &info) && find_region_info(high, &info), "names not listed exactly");
    check_eq(destroyMapping(low, a), ERR_OK);
    check_eq(destroyMapping(high, b), ERR_OK);
    check_eq(destroySharedRegion(low), ERR_OK);
    check_eq(shm_unlink(high), ERR_OK);
    close(fd);
}
