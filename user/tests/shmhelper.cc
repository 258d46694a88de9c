/*
 * shmhelper: a program for shmtests' exec cases. A child that has views and
 * handles execs it; it reports what survived the exec on stdout, in one
 * line the test parses:
 *
 *   shmhelper check NAME FD
 *       mine=<shared views in this process> total=<views of NAME, all
 *       processes> type=<fstat(FD).type> size=<fstat(FD).size>
 *     then maps FD read-write, stores "written after exec" at offset 0
 *     and unmaps it. Exits 0, or 3 if a call failed.
 *   shmhelper lock NAME
 *       maps NAME and prints "lock=<lockSharedRegion result>"; exits
 *       holding the lock (so the exit must release it as abandoned).
 *   shmhelper wait
 *       prints "views=<shared views in this process>", then reads stdin
 *       until end of file and exits 0: it keeps an exec'd process alive
 *       for as long as its parent wants.
 */
#include "shm.h"
#include "ulib.h"

namespace {

int own_views()
{
    static struct map_info maps[64];
    int n = shm_maps(0, maps, 64);
    if (n < 0)
        return n;
    int views = 0;
    for (int i = 0; i < n; i++)
        views += maps[i].kind == MAP_KIND_SHARED_VIEW;
    return views;
}

int region_views(const char* name)
{
    static struct shm_info regions[64];
    int n = shm_list(regions, 64, 0);
    for (int i = 0; i < n; i++)
        if (strcmp(regions[i].name, name) == 0)
            return int(regions[i].views);
    return -1;
}

int check(const char* name, int fd)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    int r = fstat(fd, &st);
    printf("mine=%d total=%d type=%d size=%lu\n", own_views(), region_views(name), r < 0 ? r : st.type,
           (unsigned long)st.size);
    if (r < 0)
        return 3;
    char* p = static_cast<char*>(mmap(nullptr, st.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (mmap_failed(p))
        return 3;
    strcpy(p, "written after exec");
    return munmap(p, st.size) == 0 ? 0 : 3;
}

int lock(const char* name)
{
    void* p;
    int r = createMapping(name, &p);
    if (r < 0) {
        printf("lock=%d\n", r);
        return 3;
    }
    printf("lock=%d\n", lockSharedRegion(name));
    return 0;
}

int wait_for_eof()
{
    printf("views=%d\n", own_views());
    char c;
    while (read(0, &c, 1) == 1)
        ;
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 4 && strcmp(argv[1], "check") == 0)
        return check(argv[2], atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "lock") == 0)
        return lock(argv[2]);
    if (argc == 2 && strcmp(argv[1], "wait") == 0)
        return wait_for_eof();
    fprintf(2, "usage: shmhelper check NAME FD | shmhelper lock NAME | shmhelper wait\n");
    return 2;
}
