/*
 * shmtests: races between processes, meant for 4 harts (they also pass,
 * more slowly and less fiercely, on 1): exclusive creation has exactly one
 * winner, open-or-create is atomic, and storms of create / map / lock /
 * write / unmap / destroy on a few names keep every byte where it belongs.
 */
#include "cases.h"

namespace {
constexpr int RACERS = 8;

// Shared flags: [0] start, [1] ready count, [2] done count, [8..] results.
volatile int* g_flags;

void wait_start()
{
    atomic_add(&g_flags[1], 1);
    while (g_flags[0] == 0)
        yield();
}

void finish_and_linger()
{
    // Stay alive (so a creator's reference stays) until everyone has tried.
    atomic_add(&g_flags[2], 1);
    test_wait_for(&g_flags[2], RACERS, 20000);
}

// Starts RACERS children running fn(i) together; waits for them all.
void race(void (*fn)(void*))
{
    g_flags[0] = 0;
    g_flags[1] = 0;
    g_flags[2] = 0;
    int pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = test_spawn(fn, reinterpret_cast<void*>(intptr_t(i)));
        require(pids[i] > 0, "fork %d", i);
    }
    check(test_wait_for(&g_flags[1], RACERS, 10000), "racers did not get ready");
    g_flags[0] = 1;
    for (int i = 0; i < RACERS; i++)
        test_expect_child_ok(pids[i], "racer");
}

uint32_t next_random(uint32_t* state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}
} // namespace

void race_exclusive_create()
{
    ShmCounts before = shm_counts();
    g_flags = test_shared_page();
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < RACERS; i++)
            g_flags[8 + i] = 0;
        race([](void* arg) {
            int i = int(intptr_t(arg));
            wait_start();
            g_flags[8 + i] = 100 + createSharedRegion("race.excl", PAGE, 0);
            finish_and_linger();
        });
        int winners = 0, exists = 0;
        for (int i = 0; i < RACERS; i++) {
            winners += g_flags[8 + i] == 100 + ERR_OK;
            exists += g_flags[8 + i] == 100 + ERR_EXIST;
        }
        check(winners == 1 && exists == RACERS - 1, "round %d: %d created, %d got ERR_EXIST", round, winners, exists);
        // The winner has exited: its region is gone and the name free.
        check_counts_back(before, "after a round");
    }
    test_free_shared_page(g_flags);
}

void race_shm_open_create()
{
    ShmCounts before = shm_counts();
    g_flags = test_shared_page();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < RACERS; i++)
            g_flags[8 + i] = 0;
        race([](void* arg) {
            int i = int(intptr_t(arg));
            wait_start();
            int created = -1;
            int fd = shm_open("race.open", O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, &created);
            require(fd >= 0, "racer %d: shm_open: %s", i, errname(fd));
            g_flags[8 + i] = 100 + created;
            volatile int* p = reinterpret_cast<volatile int*>(map_fd(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
            require(!mmap_failed((void*)p), "mmap");
            atomic_add(p, 1);
            finish_and_linger();
            // Everyone opened the same region: the counter has every increment.
            check(*p == RACERS, "racer %d sees counter %d", i, *p);
        });
        int creators = 0, openers = 0;
        for (int i = 0; i < RACERS; i++) {
            creators += g_flags[8 + i] == 101;
            openers += g_flags[8 + i] == 100;
        }
        check(creators == 1 && openers == RACERS - 1, "round %d: %d created, %d opened", round, creators, openers);
        check_counts_back(before, "after a round");
    }
    test_free_shared_page(g_flags);
}

void race_storm()
{
    constexpr int WORKERS = 4;
    constexpr int ITERATIONS = 150;
    static const char* const names[] = {"race.storm.0", "race.storm.1", "race.storm.2"};
    constexpr size_t SIZE = 3 * PAGE;
    ShmCounts before = shm_counts();
    g_flags = test_shared_page();
    int pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = test_spawn(
            [](void* arg) {
                int w = int(intptr_t(arg));
                uint32_t seed = 0x9e3779b9u * uint32_t(w + 1);
                atomic_add(&g_flags[1], 1);
                while (g_flags[0] == 0)
                    yield();
                int mapped = 0, destroyed = 0;
                for (int it = 0; it < ITERATIONS; it++) {
                    const char* name = names[next_random(&seed) % 3];
                    int r = createSharedRegion(name, SIZE, 0);
                    require(r == ERR_OK || r == ERR_EXIST, "create %s: %s", name, errname(r));
                    void* v = nullptr;
                    r = createMapping(name, &v);
                    if (r == ERR_NOTEXIST)
                        continue; // destroyed since
                    require(r == ERR_OK, "map %s: %s", name, errname(r));
                    mapped++;
                    volatile uint32_t* header = static_cast<volatile uint32_t*>(v);
                    char* bytes = static_cast<char*>(v);
                    r = lockSharedRegion(name);
                    require(r == ERR_OK, "lock %s: %s", name, errname(r));
                    // Under the lock: the header counts the updates, and every
                    // other byte holds the count's low byte.
                    uint32_t count = header[0];
                    char expect = char(count & 0xff);
                    bool intact = true;
                    for (size_t i = 64; i < SIZE; i += 61)
                        intact &= bytes[i] == expect;
                    require(intact, "%s: update %u found the region's bytes wrong", name, count);
                    count++;
                    memset(bytes + 64, char(count & 0xff), SIZE - 64);
                    header[0] = count;
                    r = unlockSharedRegion(name);
                    require(r == ERR_OK, "unlock %s: %s", name, errname(r));
                    r = destroyMapping(name, bytes + (next_random(&seed) % SIZE));
                    require(r == ERR_OK, "unmap %s: %s", name, errname(r));
                    if (next_random(&seed) % 4 == 0) {
                        r = destroySharedRegion(name);
                        require(r == ERR_OK || r == ERR_NOTEXIST, "destroy %s: %s", name, errname(r));
                        destroyed += r == ERR_OK;
                    }
                }
                check(mapped > ITERATIONS / 4, "worker %d mapped only %d times", w, mapped);
                atomic_add(&g_flags[4], destroyed);
            },
            reinterpret_cast<void*>(intptr_t(w)));
        require(pids[w] > 0, "fork");
    }
    check(test_wait_for(&g_flags[1], WORKERS, 10000), "workers did not start");
    g_flags[0] = 1;
    for (int w = 0; w < WORKERS; w++)
        test_expect_child_ok(pids[w], "worker");
    check(g_flags[4] > 0, "no destroy succeeded");
    check_counts_back(before, "after the storm");
    test_free_shared_page(g_flags);
}

void race_lock_counter()
{
    constexpr int WORKERS = 4;
    constexpr int ROUNDS = 200;
    require_eq(createSharedRegion("race.counter", PAGE, 0), ERR_OK);
    static volatile int* counter;
    counter = reinterpret_cast<volatile int*>(map_region("race.counter"));
    require(counter, "no mapping");
    int pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = spawn0([] {
            for (int i = 0; i < ROUNDS; i++) {
                int r = lockSharedRegion("race.counter");
                require(r == ERR_OK, "lock: %s", errname(r));
                int v = counter[0];
                if (i % 16 == 0)
                    yield(); // widen the window a plain race would need
                counter[0] = v + 1;
                counter[1 + (v & 63)] = counter[1 + (v & 63)] + 1;
                require_eq(unlockSharedRegion("race.counter"), ERR_OK);
            }
        });
        require(pids[w] > 0, "fork");
    }
    for (int w = 0; w < WORKERS; w++)
        test_expect_child_ok(pids[w], "worker");
    check_eq(counter[0], WORKERS * ROUNDS);
    int sum = 0;
    for (int i = 0; i < 64; i++)
        sum += counter[1 + i];
    check_eq(sum, WORKERS * ROUNDS);
    check_eq(destroyMapping("race.counter", const_cast<int*>(counter)), ERR_OK);
    check_eq(destroySharedRegion("race.counter"), ERR_OK);
}

void race_destroy_vs_map()
{
    // destroySharedRegion returns only once no process has a view of the
    // region, even a view that a createMapping racing with it was about to
    // add. One process creates and destroys a name over and over, others
    // map and unmap it; right after each destroy, the old region may still
    // exist (a mapper's transient reference) but must have no view.
    constexpr int MAPPERS = 3;
    constexpr int ROUNDS = 400;
    ShmCounts before = shm_counts();
    g_flags = test_shared_page();
    int pids[MAPPERS];
    for (int m = 0; m < MAPPERS; m++) {
        pids[m] = spawn0([] {
            int mapped = 0;
            while (g_flags[0] == 0) {
                void* v = nullptr;
                int r = createMapping("race.dvm", &v);
                if (r == ERR_NOTEXIST)
                    continue;
                require(r == ERR_OK, "createMapping: %s", errname(r));
                static_cast<volatile char*>(v)[0] = 1;
                mapped++;
                require_eq(destroyMapping("race.dvm", v), ERR_OK);
            }
            atomic_add(&g_flags[1], mapped);
        });
        require(pids[m] > 0, "fork");
    }
    int late_views = 0;
    for (int i = 0; i < ROUNDS; i++) {
        require_eq(createSharedRegion("race.dvm", PAGE, 0), ERR_OK);
        if (i % 8 == 0)
            sleep(1); // let the mappers find it
        require_eq(destroySharedRegion("race.dvm"), ERR_OK);
        struct shm_info info;
        if (find_region_info("race.dvm", &info) && info.views > 0)
            late_views++;
    }
    g_flags[0] = 1;
    for (int m = 0; m < MAPPERS; m++)
        test_expect_child_ok(pids[m], "mapper");
    check(late_views == 0, "destroySharedRegion returned with views of the region left, %d times of %d",
          late_views, ROUNDS);
    check(g_flags[1] > 0, "the mappers never mapped the region");
    check_counts_back(before, "after the race");
    test_free_shared_page(g_flags);
}
