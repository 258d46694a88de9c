/*
 * synctests: futex_wait and futex_wake themselves: errors, timeouts, wake
 * counts, how words are keyed (one region at different addresses, pages
 * apart, private memory), and that waiters which die or whose region goes
 * away leave nothing behind.
 */
#include "cases.h"

namespace {

// A word and the bookkeeping of the children that wait on it.
struct WaitBoard {
    uint32_t word;     // the futex word (stays 0: only wakes end the waits)
    uint32_t ready;    // children about to wait
    uint32_t returned; // children whose futex_wait returned
    uint32_t ok;       // ... with ERR_OK
    uint64_t child_view; // where a child mapped the region
};

// Waits on board->word (given as the word's address in this process).
void wait_on_word(uint32_t* word, WaitBoard* board)
{
    __atomic_fetch_add(&board->ready, 1, __ATOMIC_SEQ_CST);
    int r = futex_wait(word, 0, 0);
    if (r == ERR_OK)
        __atomic_fetch_add(&board->ok, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&board->returned, 1, __ATOMIC_SEQ_CST);
    check_eq(r, ERR_OK);
}

void waiter_child(void* arg)
{
    WaitBoard* board = static_cast<WaitBoard*>(arg);
    wait_on_word(&board->word, board);
}

// Starts n waiters on board->word and returns once all of them sleep.
void start_waiters(WaitBoard* board, int n, int* pids)
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(waiter_child, board);
    for (int i = 0; i < n; i++)
        require(wait_sleeping(pids[i]), "waiter %d", i);
    require_eq(__atomic_load_n(&board->ready, __ATOMIC_SEQ_CST), uint32_t(n));
}

// futex_wait must report ERR_TIMEDOUT no earlier than the deadline and
// not absurdly late (the scheduler's tick is 10 ms).
void check_timeout(uint32_t* word, uint32_t value, uint64_t delay_ms)
{
    uint64_t deadline = clock_ns() + delay_ms * MS;
    int r = futex_wait(word, value, deadline);
    uint64_t now = clock_ns();
    check_eq(r, ERR_TIMEDOUT);
    check(now >= deadline, "returned %lu ns before the %lu ms deadline", (unsigned long)(deadline - now),
          (unsigned long)delay_ms);
    check(now < deadline + 2000 * MS, "returned %lu ms after the deadline", (unsigned long)((now - deadline) / MS));
}

uint32_t g_private_word; // in the program's private data

} // namespace

void futex_value_mismatch()
{
    uint32_t* w = static_cast<uint32_t*>(make_region("mismatch", PAGE));
    *w = 5;
    check_eq(futex_wait(w, 4, 0), ERR_AGAIN);
    check_eq(futex_wait(w, 0xffffffffu, 0), ERR_AGAIN);
    // The value is checked before the deadline: no sleep, no ERR_TIMEDOUT.
    uint64_t start = clock_ns();
    check_eq(futex_wait(w, 6, deadline_after_ms(2000)), ERR_AGAIN);
    check_eq(futex_wait(w, 6, 1), ERR_AGAIN);
    check(clock_ns() - start < 1000 * MS, "a mismatch slept");
    g_private_word = 9;
    check_eq(futex_wait(&g_private_word, 8, 0), ERR_AGAIN);
    uint32_t on_stack = 1;
    check_eq(futex_wait(&on_stack, 2, 0), ERR_AGAIN);
}

void futex_timeout_not_early()
{
    uint32_t* shared = static_cast<uint32_t*>(make_region("timeout", PAGE));
    uint32_t* priv = static_cast<uint32_t*>(private_anon(PAGE));
    const uint64_t delays[] = {1, 7, 25, 60};
    for (uint64_t d : delays) {
        check_timeout(shared, 0, d);
        check_timeout(priv, 0, d);
    }
}

void futex_expired_deadline()
{
    uint32_t* w = static_cast<uint32_t*>(make_region("expired", PAGE));
    check_eq(futex_wait(w, 0, 1), ERR_TIMEDOUT); // 1 ns after boot
    check_eq(futex_wait(w, 0, clock_ns()), ERR_TIMEDOUT);
    // A deadline far away is no deadline trouble: the value decides.
    check_eq(futex_wait(w, 1, ~0ull), ERR_AGAIN);
}

namespace {
struct FarArgs {
    WaitBoard* board;
    uint64_t after_ns; // the deadline is this far from now (0: the largest value)
};

void far_waiter(void* arg)
{
    FarArgs* a = static_cast<FarArgs*>(arg);
    uint64_t deadline = a->after_ns ? clock_ns() + a->after_ns : ~0ull;
    __atomic_fetch_add(&a->board->ready, 1, __ATOMIC_SEQ_CST);
    check_eq(futex_wait(&a->board->word, 0, deadline), ERR_OK);
    __atomic_fetch_add(&a->board->returned, 1, __ATOMIC_SEQ_CST);
}
} // namespace

void futex_far_deadline()
{
    // Deadlines far in the future must not overflow into the past: the
    // waiter sleeps until it is woken. The first two are 100 ms past the
    // points (about 21 and 53 days away) where (ns / 1000) * timebase_hz
    // wraps around, for a 10 MHz and a 4 MHz timebase: a careless
    // conversion makes them time out after about 100 ms.
    WaitBoard* board = static_cast<WaitBoard*>(make_region("far", PAGE));
    const uint64_t afters[] = {1844674407371000ull + 100 * MS, 4611686018428000ull + 100 * MS,
                               100ull * 24 * 3600 * 1000 * MS, 0};
    for (uint64_t after : afters) {
        board->ready = board->returned = 0;
        FarArgs args{board, after};
        int pid = start_child(far_waiter, &args);
        require(wait_word_at_least(&board->ready, 1), "waiter ready");
        require(wait_sleeping(pid), "waiter asleep");
        sleep(250);
        check_eq(__atomic_load_n(&board->returned, __ATOMIC_SEQ_CST), 0u);
        check_eq(futex_wake(&board->word, 1), 1);
        join_ok(pid, "far waiter");
    }
}

void futex_misaligned()
{
    char* base = static_cast<char*>(make_region("misaligned", PAGE));
    for (int off = 1; off < 4; off++) {
        uint32_t* w = reinterpret_cast<uint32_t*>(base + 8 + off);
        check_eq(futex_wait(w, 0, 0), ERR_INVAL);
        check_eq(futex_wait(w, 0, deadline_after_ms(10)), ERR_INVAL);
        check_eq(futex_wake(w, 1), ERR_INVAL);
    }
    // The last aligned word of the page is fine.
    uint32_t* last = reinterpret_cast<uint32_t*>(base + PAGE - 4);
    check_eq(futex_wait(last, 1, 0), ERR_AGAIN);
    check_eq(futex_wake(last, 1), 0);
}

void futex_bad_address()
{
    const uintptr_t bad[] = {0, 4096, UNMAPPED_ADDR, KERNEL_ADDR, 0x0000800000000000ull, 0xfffffffffffffffcull};
    for (uintptr_t a : bad) {
        uint32_t* w = reinterpret_cast<uint32_t*>(a);
        check(futex_wait(w, 0, 0) == ERR_FAULT, "futex_wait(%p) = %s", w, errname(futex_wait(w, 0, 0)));
        check(futex_wake(w, 1) == ERR_FAULT, "futex_wake(%p) = %s", w, errname(futex_wake(w, 1)));
    }
    // Memory the process may not read.
    void* none = mmap(nullptr, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mmap_failed(none)) {
        check_eq(futex_wait(static_cast<uint32_t*>(none), 0, 0), ERR_FAULT);
        munmap(none, PAGE);
    }
    // An unmapped view is gone for futexes too.
    char name[64];
    uint32_t* w = static_cast<uint32_t*>(make_region("badaddr", PAGE, name));
    check_eq(destroyMapping(name, w), ERR_OK);
    check_eq(futex_wait(w, 0, 0), ERR_FAULT);
    check_eq(futex_wake(w, 1), ERR_FAULT);
}

void futex_wake_no_waiters()
{
    uint32_t* w = static_cast<uint32_t*>(make_region("nowaiters", PAGE));
    check_eq(futex_wake(w, 1), 0);
    check_eq(futex_wake(w, 1000), 0);
    check_eq(futex_wake(w, 0), 0);
    check_eq(futex_wake(w, -1), ERR_INVAL);
    check_eq(futex_wake(&g_private_word, 1), 0);
    // A word on a page nobody touched: still no waiters, and no page needed.
    uint32_t* lazy = static_cast<uint32_t*>(make_region("nowaiters-lazy", 16 * PAGE)) + 9 * PAGE / 4;
    check_eq(futex_wake(lazy, 1), 0);
}

void futex_wake_counts()
{
    WaitBoard* board = static_cast<WaitBoard*>(make_region("counts", PAGE));
    int pids[4];
    start_waiters(board, 4, pids);
    check_eq(futex_wake(&board->word, 1), 1);
    wait_word_at_least(&board->returned, 1);
    check_eq(futex_wake(&board->word, 2), 2);
    wait_word_at_least(&board->returned, 3);
    check_eq(futex_wake(&board->word, 10), 1); // only one was left
    check_eq(futex_wake(&board->word, 10), 0);
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(board->ok, 4u);
}

void futex_wake_n_of_m()
{
    WaitBoard* board = static_cast<WaitBoard*>(make_region("n-of-m", PAGE));
    constexpr int M = 6;
    int pids[M];
    start_waiters(board, M, pids);
    check_eq(futex_wake(&board->word, 3), 3);
    wait_word_at_least(&board->returned, 3);
    sleep(50); // the others must stay asleep
    check_eq(__atomic_load_n(&board->returned, __ATOMIC_SEQ_CST), 3u);
    check_eq(futex_wake(&board->word, 0x7fffffff), M - 3);
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(board->ok, uint32_t(M));
}

namespace {
const char* g_cross_name;

// Maps the region itself (its own view, its own address) and waits there.
void cross_child(void*)
{
    WaitBoard* view = static_cast<WaitBoard*>(map_again(g_cross_name));
    view->child_view = uint64_t(view);
    wait_on_word(&view->word, view);
}
} // namespace

void futex_cross_address()
{
    char name[64];
    snprintf(name, sizeof name, "synctests/cross/%d", getpid());
    require_eq(createSharedRegion(name, PAGE, 0), ERR_OK);
    g_cross_name = name;
    int child = start_child(cross_child, nullptr); // the child maps it first
    WaitBoard* mine = static_cast<WaitBoard*>(map_again(name));
    require(wait_word_at_least(&mine->ready, 1), "child ready");
    require(wait_sleeping(child), "child asleep");
    if (uint64_t(mine) == mine->child_view)
        mine = static_cast<WaitBoard*>(map_again(name)); // make sure the addresses differ
    check(uint64_t(mine) != mine->child_view, "views at the same address %p", mine);
    check_eq(futex_wake(&mine->word, 1), 1);
    join_ok(child, "waiter in its own view");
    check_eq(mine->ok, 1u);
}

void futex_two_views_one_process()
{
    char name[64];
    WaitBoard* a = static_cast<WaitBoard*>(make_region("two-views", PAGE, name));
    WaitBoard* b = static_cast<WaitBoard*>(map_again(name));
    require(a != b, "two views at one address");
    int pids[1];
    start_waiters(a, 1, pids); // the child waits through view a
    check_eq(futex_wake(&b->word, 1), 1); // and is woken through view b
    join_ok(pids[0], "waiter");
    check_eq(b->ok, 1u);
}

void futex_pages_keyed_apart()
{
    char* base = static_cast<char*>(make_region("pages", 4 * PAGE));
    WaitBoard* board = reinterpret_cast<WaitBoard*>(base + 2 * PAGE);
    int pids[1];
    start_waiters(board, 1, pids);
    // Same offset in other pages, and neighbouring words in the same page.
    check_eq(futex_wake(reinterpret_cast<uint32_t*>(base), 1), 0);
    check_eq(futex_wake(reinterpret_cast<uint32_t*>(base + PAGE), 1), 0);
    check_eq(futex_wake(reinterpret_cast<uint32_t*>(base + 3 * PAGE), 1), 0);
    check_eq(futex_wake(&board->ready, 1), 0);
    check_eq(futex_wake(reinterpret_cast<uint32_t*>(base + 2 * PAGE + PAGE - 4), 1), 0);
    check_eq(__atomic_load_n(&board->returned, __ATOMIC_SEQ_CST), 0u);
    check_eq(futex_wake(&board->word, 1), 1);
    join_ok(pids[0], "waiter");
}

namespace {
struct PrivateArgs {
    uint32_t* word;       // private to each process after fork
    WaitBoard* board;     // shared
};

void private_child(void* arg)
{
    PrivateArgs* a = static_cast<PrivateArgs*>(arg);
    __atomic_fetch_add(&a->board->ready, 1, __ATOMIC_SEQ_CST);
    // The parent's wakes on the same address must not reach us.
    check_eq(futex_wait(a->word, 0, deadline_after_ms(400)), ERR_TIMEDOUT);
}
} // namespace

void futex_private_stays_private()
{
    WaitBoard* board = static_cast<WaitBoard*>(make_region("private", PAGE));
    uint32_t* anon = static_cast<uint32_t*>(private_anon(PAGE));
    *anon = 0;
    g_private_word = 0;
    // A private (copy-on-write) view of a named region is private memory
    // too; a shared view of the same region is not the same word.
    char name[64];
    snprintf(name, sizeof name, "synctests/privview/%d", getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    uint32_t* priv_view = static_cast<uint32_t*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    uint32_t* shared_view = static_cast<uint32_t*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    require(!mmap_failed(priv_view) && !mmap_failed(shared_view), "mmap");
    uint32_t* words[] = {anon, &g_private_word, priv_view};
    for (uint32_t* word : words) {
        board->ready = 0;
        PrivateArgs args{word, board};
        int child = start_child(private_child, &args);
        require(wait_word_at_least(&board->ready, 1), "child ready");
        require(wait_sleeping(child), "child asleep");
        check_eq(futex_wake(word, 1), 0);
        if (word == priv_view)
            check_eq(futex_wake(shared_view, 1), 0);
        join_ok(child, "private waiter");
    }
    check_eq(shm_unlink(name), ERR_OK);
    munmap(priv_view, PAGE);
    munmap(shared_view, PAGE);
    close(fd);
}

void futex_shared_anonymous()
{
    WaitBoard* board = static_cast<WaitBoard*>(shared_anon(PAGE));
    int pids[2];
    start_waiters(board, 2, pids);
    check_eq(futex_wake(&board->word, 2), 2);
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(board->ok, 2u);
}

void futex_lazy_page()
{
    char* base = static_cast<char*>(make_region("lazy", 8 * PAGE));
    uint32_t* w = reinterpret_cast<uint32_t*>(base + 5 * PAGE + 64); // never touched
    check_eq(futex_wait(w, 1, 0), ERR_AGAIN); // faulted in: it reads 0
    check_eq(futex_wait(reinterpret_cast<uint32_t*>(base + 6 * PAGE), 0, deadline_after_ms(5)), ERR_TIMEDOUT);
    uint32_t* anon = static_cast<uint32_t*>(private_anon(4 * PAGE)) + 3 * PAGE / 4;
    check_eq(futex_wait(anon, 1, 0), ERR_AGAIN);
    check_eq(*anon, 0u);
}

void futex_readonly_view()
{
    char name[64];
    snprintf(name, sizeof name, "synctests/readonly/%d", getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    WaitBoard* rw = static_cast<WaitBoard*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    WaitBoard* ro = static_cast<WaitBoard*>(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0));
    require(!mmap_failed(rw) && !mmap_failed(ro), "mmap");
    // Waiting needs only read access; so does waking.
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        __atomic_fetch_add(&rw->ready, 1, __ATOMIC_SEQ_CST);
        int r = futex_wait(&ro->word, 0, 0);
        exit(r == ERR_OK ? 0 : 1);
    }
    require(wait_word_at_least(&rw->ready, 1), "child ready");
    require(wait_sleeping(child), "child asleep");
    check_eq(futex_wake(&ro->word, 1), 1);
    join_ok(child, "waiter on the read-only view");
    check_eq(futex_wait(&ro->word, 1, 0), ERR_AGAIN);
    check_eq(shm_unlink(name), ERR_OK);
    munmap(rw, PAGE);
    munmap(ro, PAGE);
    close(fd);
}

void futex_killed_waiter_no_trace()
{
    WaitBoard* board = static_cast<WaitBoard*>(make_region("killed", PAGE));
    int pids[3];
    start_waiters(board, 3, pids);
    check_eq(kill(pids[1]), ERR_OK);
    int status = join(pids[1]);
    check(WIFKILLED(status), "status 0x%x", status);
    // The dead waiter is gone: a wake of one reaches a live one, and the
    // counts add up to the two live waiters exactly.
    check_eq(futex_wake(&board->word, 1), 1);
    check_eq(futex_wake(&board->word, 10), 1);
    check_eq(futex_wake(&board->word, 10), 0);
    join_ok(pids[0], "waiter");
    join_ok(pids[2], "waiter");
    check_eq(board->ok, 2u);
}

void futex_dead_region_no_trace()
{
    // A waiter dies in a region that is then destroyed; a new region (which
    // may reuse the same kernel memory) has no waiter from the old one.
    char name[64];
    snprintf(name, sizeof name, "synctests/deadregion/%d", getpid());
    for (int round = 0; round < 3; round++) {
        require_eq(createSharedRegion(name, PAGE, 0), ERR_OK);
        WaitBoard* board = static_cast<WaitBoard*>(map_again(name));
        check_eq(futex_wake(&board->word, 10), 0);
        int pids[1];
        start_waiters(board, 1, pids);
        check_eq(kill(pids[0]), ERR_OK);
        check(WIFKILLED(join(pids[0])), "waiter not killed");
        check_eq(destroyMapping(name, board), ERR_OK);
        check_eq(destroySharedRegion(name), ERR_OK);
    }
}

void futex_waiter_region_unlinked()
{
    char name[64];
    snprintf(name, sizeof name, "synctests/unlinked/%d", getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    WaitBoard* board = static_cast<WaitBoard*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    require(!mmap_failed(board), "mmap");
    close(fd);
    int pids[2];
    start_waiters(board, 2, pids);
    // The name goes; the memory, and the waiters in it, stay.
    check_eq(shm_unlink(name), ERR_OK);
    check_eq(shm_open(name, O_RDWR, 0, 0, nullptr), ERR_NOTEXIST);
    check_eq(futex_wake(&board->word, 1), 1);
    wait_word_at_least(&board->returned, 1);
    // A new region of the same name is another word altogether.
    int fd2 = shm_open(name, O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd2 >= 0, "shm_open again: %s", errname(fd2));
    WaitBoard* other = static_cast<WaitBoard*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0));
    require(!mmap_failed(other), "mmap");
    check_eq(futex_wake(&other->word, 10), 0);
    check_eq(futex_wake(&board->word, 10), 1);
    for (int pid : pids)
        join_ok(pid, "waiter");
    check_eq(board->ok, 2u);
    check_eq(shm_unlink(name), ERR_OK);
    munmap(other, PAGE);
    munmap(board, PAGE);
    close(fd2);
}

namespace {
struct DestroyArgs {
    const char* name;
    int pipe_read;
};

// Has no view of the region; destroys it when told, which waits for the
// views to go.
void destroyer_child(void* arg)
{
    DestroyArgs* a = static_cast<DestroyArgs*>(arg);
    char go;
    check_eq(read(a->pipe_read, &go, 1), 1);
    check_eq(destroySharedRegion(a->name), ERR_OK);
}
} // namespace

void futex_waiter_region_destroyed()
{
    char name[64];
    snprintf(name, sizeof name, "synctests/destroyed/%d", getpid());
    require_eq(createSharedRegion(name, PAGE, 0), ERR_OK);
    int fds[2];
    require_eq(pipe(fds), 0);
    DestroyArgs args{name, fds[0]};
    int destroyer = start_child(destroyer_child, &args); // forked before any view exists
    WaitBoard* board = static_cast<WaitBoard*>(map_again(name));
    int pids[1];
    start_waiters(board, 1, pids);
    check_eq(write(fds[1], "x", 1), 1);
    // Destroying takes the name at once; the destroyer then waits for us.
    void* view = nullptr;
    int r = ERR_OK;
    for (int i = 0; i < 500 && (r = createMapping(name, &view)) == ERR_OK; i++) {
        destroyMapping(name, view);
        sleep(2);
    }
    check_eq(r, ERR_NOTEXIST);
    require(wait_sleeping(destroyer), "destroyer waiting for the views");
    check_eq(futex_wake(&board->word, 1), 1);
    join_ok(pids[0], "waiter");
    check_eq(board->ok, 1u);
    check_eq(destroyMapping(name, board), ERR_OK); // the last view: the destroyer returns
    join_ok(destroyer, "destroyer");
    close(fds[0]);
    close(fds[1]);
}

namespace {
struct HandoffBoard {
    uint32_t word;
    uint32_t ready;
    uint32_t order[4];
    uint32_t served;
};

// Sleeps on the word as a mutex waiter would, and checks that it wakes up
// as the owner; then hands the word on in turn.
void heir_child(void* arg)
{
    HandoffBoard* h = static_cast<HandoffBoard*>(arg);
    uint32_t me = uint32_t(getpid());
    uint32_t expected = __atomic_load_n(&h->word, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&h->ready, 1, __ATOMIC_SEQ_CST);
    int r = futex_wait(&h->word, expected, 0);
    check_eq(r, ERR_OK);
    uint32_t w = __atomic_load_n(&h->word, __ATOMIC_SEQ_CST);
    require((w & FUTEX_TID_MASK) == me, "woke up with word 0x%x, not owning it", w);
    h->order[h->served++] = me;
    // Pass it on: to the next sleeper, or free it if there is none.
    int passed = futex_wake(&h->word, FUTEX_WAKE_HANDOFF);
    check(passed == ((w & FUTEX_WAITERS) ? 1 : 0), "handoff returned %d with word 0x%x", passed, w);
    if (passed == 0)
        __atomic_store_n(&h->word, 0, __ATOMIC_SEQ_CST);
}
} // namespace

void futex_handoff_semantics()
{
    char name[64];
    HandoffBoard* h = static_cast<HandoffBoard*>(make_region("handoff", PAGE, name));
    uint32_t me = uint32_t(getpid());
    check_eq(futex_wake(&h->word, FUTEX_WAKE_HANDOFF), ERR_INVAL); // free: not ours
    h->word = me + 1;
    check_eq(futex_wake(&h->word, FUTEX_WAKE_HANDOFF), ERR_INVAL); // someone else's
    h->word = me | FUTEX_OWNER_DIED;
    check_eq(futex_wake(&h->word, FUTEX_WAKE_HANDOFF), ERR_INVAL); // inconsistent
    h->word = me | FUTEX_WAITERS;
    check_eq(futex_wake(&h->word, FUTEX_WAKE_HANDOFF), 0); // nobody sleeps: unchanged
    check_eq(h->word, me | FUTEX_WAITERS);
    check_eq(futex_wake(&h->word, -5), ERR_INVAL);
    // Through a read-only view the caller may not hand anything over.
    int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    uint32_t* ro = static_cast<uint32_t*>(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0));
    require(!mmap_failed(ro), "mmap");
    check_eq(futex_wake(ro, FUTEX_WAKE_HANDOFF), ERR_FAULT);
    check_eq(*ro, me | FUTEX_WAITERS);
    munmap(ro, PAGE);
    close(fd);
    // Three sleepers get the word in the order they went to sleep.
    int pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = start_child(heir_child, h);
        require(wait_word_at_least(&h->ready, uint32_t(i + 1)), "heir ready");
        require(wait_sleeping(pids[i]), "heir asleep");
    }
    check_eq(futex_wake(&h->word, FUTEX_WAKE_HANDOFF), 1);
    for (int pid : pids)
        join_ok(pid, "heir");
    check_eq(h->served, 3u);
    for (int i = 0; i < 3; i++)
        check(h->order[i] == uint32_t(pids[i]), "position %d: pid %u, expected %d", i, h->order[i], pids[i]);
    check_eq(h->word, 0u);
}
