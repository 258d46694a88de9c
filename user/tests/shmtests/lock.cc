/*
 * shmtests: the region lock of the original interface: recursive, FIFO,
 * killable, owned by a process (never inherited), and released as
 * abandoned (ERR_ABANDONED for the next owner) when its owner exits, is
 * killed, or unmaps its last view.
 */
#include "cases.h"

namespace {
// The region "name" of one page, mapped; its first ints are flags for the case.
volatile int* setup(const char* name)
{
    if (!check(createSharedRegion(name, PAGE, 0) == ERR_OK, "create %s", name))
        test_stop();
    volatile int* p = reinterpret_cast<volatile int*>(map_region(name));
    if (!p)
        test_stop();
    return p;
}

void teardown(const char* name, volatile int* p)
{
    check_eq(destroyMapping(name, const_cast<int*>(p)), ERR_OK);
    check_eq(destroySharedRegion(name), ERR_OK);
}

int lock_owner(const char* name)
{
    struct shm_info info;
    return find_region_info(name, &info) ? info.lock_owner : -1;
}
} // namespace

void lock_recursive()
{
    static volatile int* f;
    f = setup("lock.rec");
    for (int i = 0; i < 3; i++)
        check_eq(lockSharedRegion("lock.rec"), ERR_OK);
    int child = spawn0([] {
        f[1] = 1;
        f[2] = 100 + lockSharedRegion("lock.rec");
        check_eq(unlockSharedRegion("lock.rec"), ERR_OK);
    });
    require(child > 0, "fork");
    require(test_wait_for(&f[1], 1, 5000), "child did not start");
    for (int i = 0; i < 2; i++) {
        check_eq(unlockSharedRegion("lock.rec"), ERR_OK);
        sleep(50);
        check(f[2] == 0, "the lock was free after %d of 3 unlocks", i + 1);
    }
    check_eq(unlockSharedRegion("lock.rec"), ERR_OK);
    check_eq(unlockSharedRegion("lock.rec"), ERR_INVAL);
    test_expect_child_ok(child, "child");
    check_eq(f[2], 100 + ERR_OK);
    teardown("lock.rec", f);
}

void lock_fifo_three_waiters()
{
    static volatile int* f;
    f = setup("lock.fifo");
    require_eq(lockSharedRegion("lock.fifo"), ERR_OK);
    static volatile char* order;
    order = reinterpret_cast<volatile char*>(f) + 256;
    static int id;
    int pids[3];
    for (id = 0; id < 3; id++) {
        pids[id] = spawn0([] {
            int me = id;
            f[1 + me] = 1;
            int r = lockSharedRegion("lock.fifo");
            check(r == ERR_OK, "waiter %d: %s", me, errname(r));
            int pos = f[0];
            order[pos] = char('A' + me); // under the lock
            f[0] = pos + 1;
            sleep(5);
            check_eq(unlockSharedRegion("lock.fifo"), ERR_OK);
        });
        require(pids[id] > 0, "fork");
        require(test_wait_for(&f[1 + id], 1, 5000), "waiter %d did not start", id);
        sleep(100); // it is asleep in lockSharedRegion now
    }
    check_eq(f[0], 0);
    check_eq(unlockSharedRegion("lock.fifo"), ERR_OK);
    for (int i = 0; i < 3; i++)
        test_expect_child_ok(pids[i], "waiter");
    check_eq(f[0], 3);
    check(order[0] == 'A' && order[1] == 'B' && order[2] == 'C', "waiters got the lock in order %c%c%c", order[0],
          order[1], order[2]);
    teardown("lock.fifo", f);
}

void lock_across_fork()
{
    static volatile int* f;
    f = setup("lock.fork");
    static char* text;
    text = const_cast<char*>(reinterpret_cast<volatile char*>(f) + 512);
    require_eq(lockSharedRegion("lock.fork"), ERR_OK);
    int child = spawn0([] {
        f[1] = 1;
        int r = lockSharedRegion("lock.fork");
        f[2] = 100 + r;
        check_eq(r, ERR_OK);
        check(strcmp(text, "parent's data") == 0, "child reads \"%s\"", text);
        strcpy(text, "child's data");
        check_eq(unlockSharedRegion("lock.fork"), ERR_OK);
    });
    require(child > 0, "fork");
    require(test_wait_for(&f[1], 1, 5000), "child did not start");
    sleep(200);
    check(f[2] == 0, "the child got the lock while the parent held it (%d)", f[2] - 100);
    strcpy(text, "parent's data");
    check_eq(unlockSharedRegion("lock.fork"), ERR_OK);
    test_expect_child_ok(child, "child");
    check_eq(f[2], 100 + ERR_OK);
    check_eq(lockSharedRegion("lock.fork"), ERR_OK); // not abandoned: the child unlocked
    check(strcmp(text, "child's data") == 0, "parent reads \"%s\"", text);
    check_eq(unlockSharedRegion("lock.fork"), ERR_OK);
    teardown("lock.fork", f);
}

void lock_abandoned_on_exit()
{
    volatile int* f = setup("lock.exit");
    int status = run_child([] {
        check_eq(lockSharedRegion("lock.exit"), ERR_OK);
        check_eq(lockSharedRegion("lock.exit"), ERR_OK); // recursive: still one release at exit
    });
    check_eq(status, 0);
    check_eq(lock_owner("lock.exit"), 0);
    check_eq(lockSharedRegion("lock.exit"), ERR_ABANDONED);
    check_eq(lock_owner("lock.exit"), getpid());
    check_eq(unlockSharedRegion("lock.exit"), ERR_OK);
    check_eq(unlockSharedRegion("lock.exit"), ERR_INVAL);
    // Reported once: the next lock is a plain one.
    check_eq(lockSharedRegion("lock.exit"), ERR_OK);
    check_eq(unlockSharedRegion("lock.exit"), ERR_OK);
    teardown("lock.exit", f);
}

void lock_abandoned_on_unmap_last_view()
{
    static volatile int* f;
    f = setup("lock.unmap");
    static Event ready, go;
    require(event_init(&ready) && event_init(&go), "pipes");
    int child = spawn0([] {
        // Two views: the inherited one, and one of our own.
        char* mine = map_region("lock.unmap");
        require(mine, "no mapping");
        require_eq(lockSharedRegion("lock.unmap"), ERR_OK);
        check_eq(destroyMapping("lock.unmap", mine), ERR_OK);
        check(lock_owner("lock.unmap") == getpid(), "lock lost with a view left");
        check_eq(unlockSharedRegion("lock.unmap"), ERR_OK);
        require_eq(lockSharedRegion("lock.unmap"), ERR_OK);
        check_eq(destroyMapping("lock.unmap", const_cast<int*>(f)), ERR_OK); // the last one
        check_eq(lock_owner("lock.unmap"), 0);
        check_eq(unlockSharedRegion("lock.unmap"), ERR_NOTEXIST);
        event_give(&ready);
        event_take(&go); // alive: unmapping, not exiting, released the lock
    });
    require(child > 0, "fork");
    require(event_take(&ready), "child not ready");
    check_eq(lockSharedRegion("lock.unmap"), ERR_ABANDONED);
    check_eq(unlockSharedRegion("lock.unmap"), ERR_OK);
    event_give(&go);
    test_expect_child_ok(child, "child");
    teardown("lock.unmap", f);
    event_close(&ready);
    event_close(&go);
}

void lock_abandoned_to_waiter()
{
    static volatile int* f;
    f = setup("lock.waiter");
    int owner = spawn0([] {
        require_eq(lockSharedRegion("lock.waiter"), ERR_OK);
        f[1] = 1;
        require(test_wait_for(&f[2], 1, 5000), "parent did not start waiting");
        sleep(150);
        // exit holding the lock, with the parent waiting for it
    });
    require(owner > 0, "fork");
    require(test_wait_for(&f[1], 1, 5000), "owner did not lock");
    f[2] = 1;
    check_eq(lockSharedRegion("lock.waiter"), ERR_ABANDONED);
    check_eq(lock_owner("lock.waiter"), getpid());
    test_expect_child_ok(owner, "owner");
    check_eq(unlockSharedRegion("lock.waiter"), ERR_OK);
    teardown("lock.waiter", f);
}

void lock_kill_waiter_no_trace()
{
    static volatile int* f;
    f = setup("lock.killw");
    require_eq(lockSharedRegion("lock.killw"), ERR_OK);
    int victim = spawn0([] {
        f[1] = 1;
        f[2] = 100 + lockSharedRegion("lock.killw"); // killed while waiting
    });
    require(victim > 0, "fork");
    require(test_wait_for(&f[1], 1, 5000), "victim did not start");
    sleep(50);
    int other = spawn0([] {
        f[3] = 1;
        int r = lockSharedRegion("lock.killw");
        f[4] = 100 + r;
        check_eq(r, ERR_OK); // not abandoned: nobody who held it went away
        check_eq(unlockSharedRegion("lock.killw"), ERR_OK);
    });
    require(other > 0, "fork");
    require(test_wait_for(&f[3], 1, 5000), "second waiter did not start");
    sleep(50);
    check_eq(kill(victim), 0);
    test_expect_killed(test_wait_status(victim), "killed waiter");
    check_eq(f[2], 0);
    check_eq(lock_owner("lock.killw"), getpid());
    check_eq(unlockSharedRegion("lock.killw"), ERR_OK);
    test_expect_child_ok(other, "second waiter");
    check_eq(f[4], 100 + ERR_OK);
    check_eq(lockSharedRegion("lock.killw"), ERR_OK);
    check_eq(unlockSharedRegion("lock.killw"), ERR_OK);
    check_eq(lock_owner("lock.killw"), 0);
    teardown("lock.killw", f);
}

void lock_killed_owner_abandons()
{
    static volatile int* f;
    f = setup("lock.killo");
    int owner = spawn0([] {
        require_eq(lockSharedRegion("lock.killo"), ERR_OK);
        f[1] = 1;
        for (;;)
            sleep(1000);
    });
    require(owner > 0, "fork");
    require(test_wait_for(&f[1], 1, 5000), "owner did not lock");
    check_eq(kill(owner), 0);
    test_expect_killed(test_wait_status(owner), "owner");
    check_eq(lockSharedRegion("lock.killo"), ERR_ABANDONED);
    check_eq(unlockSharedRegion("lock.killo"), ERR_OK);
    teardown("lock.killo", f);
}

void lock_kill_waiter_at_handoff()
{
    // The owner unlocks right after killing the only waiter, before the
    // waiter has run again (always so on one hart): the lock must not end
    // up "abandoned" by a process that never returned from lockSharedRegion.
    static volatile int* f;
    f = setup("lock.handoff");
    for (int round = 0; round < 3; round++) {
        f[1] = 0;
        f[2] = 0;
        require_eq(lockSharedRegion("lock.handoff"), ERR_OK);
        int victim = spawn0([] {
            f[1] = 1;
            f[2] = 100 + lockSharedRegion("lock.handoff");
        });
        require(victim > 0, "fork");
        require(test_wait_for(&f[1], 1, 5000), "victim did not start");
        sleep(50);
        check_eq(kill(victim), 0);
        check_eq(unlockSharedRegion("lock.handoff"), ERR_OK);
        test_expect_killed(test_wait_status(victim), "killed waiter");
        check_eq(f[2], 0);
        check_eq(lock_owner("lock.handoff"), 0);
        check_eq(lockSharedRegion("lock.handoff"), ERR_OK);
        check_eq(unlockSharedRegion("lock.handoff"), ERR_OK);
    }
    teardown("lock.handoff", f);
}

void lock_abandoned_on_exec()
{
    static volatile int* f;
    f = setup("lock.exec");
    static Event input, ready;
    static int output[2];
    require(event_init(&input) && event_init(&ready) && pipe(output) == 0, "pipes");
    int child = fork();
    if (child == 0) {
        // Take the lock, then exec a program that waits on stdin: exec
        // drops our views, which must release the lock as abandoned.
        require_eq(lockSharedRegion("lock.exec"), ERR_OK);
        close(0);
        close(1);
        if (dup(input.fds[0]) != 0 || dup(output[1]) != 1)
            exit(120);
        close(input.fds[1]);
        close(output[0]);
        event_give(&ready);
        char* argv[] = {const_cast<char*>("shmhelper"), const_cast<char*>("wait"), nullptr};
        exec("/bin/shmhelper", argv);
        exit(121);
    }
    require(child > 0, "fork");
    close(input.fds[0]);
    close(output[1]);
    require(event_take(&ready), "child did not lock");
    // Returns while the exec'd program still runs (it waits for our EOF).
    check_eq(lockSharedRegion("lock.exec"), ERR_ABANDONED);
    check_eq(unlockSharedRegion("lock.exec"), ERR_OK);
    char out[32] = {};
    long n = read(output[0], out, sizeof out - 1);
    check(n > 0 && strcmp(out, "views=0\n") == 0, "exec'd program says \"%s\"", out);
    close(input.fds[1]); // EOF: the helper exits
    test_expect_child_ok(child, "exec'd helper");
    close(output[0]);
    close(ready.fds[0]);
    close(ready.fds[1]);
    teardown("lock.exec", f);
}
