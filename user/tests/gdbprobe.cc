/*
 * gdbprobe: the program the gdb-helper test (tests/gdb_test.py) boots
 * with run=gdbprobe. It builds a known state, then makes the two
 * shared-memory system calls the debugger stops in:
 *
 *   - region "gdb-probe", 3 pages, made with createSharedRegion and mapped
 *     with createMapping; its second page is touched (one resident page,
 *     one PTE in the view), and the probe holds its region lock while a
 *     forked child waits for that lock;
 *   - shm_list(): the test breaks in shm_for_each_locked, with the spin
 *     lock of a part of the name table held;
 *   - destroyMapping(): the test breaks in shm_region_of_view, with the
 *     probe's address-space sleep lock held.
 *
 * The address of the view is printed first, so the test can ask for the
 * walk of exactly that page. Then everything is undone, and the probe
 * exits 0 if every call did what it should.
 */
#include "../include/shm.h"
#include "../include/ulib.h"

namespace {
const char NAME[] = "gdb-probe";
constexpr size_t SIZE = 3 * 4096;

int fail(const char* what, int code)
{
    printf("gdbprobe: %s: %s\n", what, errstr(code));
    return 1;
}
} // namespace

int main()
{
    int r = createSharedRegion(NAME, SIZE, 0);
    if (r != ERR_OK)
        return fail("createSharedRegion", r);
    char* view = nullptr;
    if ((r = createMapping(NAME, (void**)&view)) != ERR_OK)
        return fail("createMapping", r);
    view[4096] = 'g'; // one resident page, mapped at view + 4096
    if ((r = lockSharedRegion(NAME)) != ERR_OK)
        return fail("lockSharedRegion", r);
    int waiter = fork();
    if (waiter == 0) {
        // Queues for the lock the parent holds: the waiter tandem-shm shows.
        r = lockSharedRegion(NAME);
        unlockSharedRegion(NAME);
        exit(r == ERR_OK ? 0 : 1);
    }
    if (waiter < 0)
        return fail("fork", waiter);
    sleep(200); // until the child is asleep on the lock
    printf("gdbprobe: pid %d, waiter %d, view %p, touched %p\n", getpid(), waiter, view, view + 4096);

    static struct shm_info regions[8];
    int n = shm_list(regions, 8, 0); // the first stop: in shm_for_each_locked
    if (n < 1)
        return fail("shm_list", n);
    if ((r = unlockSharedRegion(NAME)) != ERR_OK)
        return fail("unlockSharedRegion", r);
    int status = 0;
    if (waitpid(waiter, &status) != waiter || status != 0)
        return fail("the waiter", ERR_CHILD);
    if ((r = destroyMapping(NAME, view)) != ERR_OK) // the second stop: in shm_region_of_view
        return fail("destroyMapping", r);
    if ((r = destroySharedRegion(NAME)) != ERR_OK)
        return fail("destroySharedRegion", r);
    printf("gdbprobe: done\n");
    return 0;
}
