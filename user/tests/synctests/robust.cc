/*
 * synctests: robust mutexes. An owner that dies holding a mutex (exit,
 * kill, crash, exec) hands it to the next locker with ERR_OWNERDEAD; that
 * locker repairs it (mutex_consistent) or, by unlocking without repair,
 * makes it ERR_NOTRECOVERABLE for everyone, sleepers included. A corrupt
 * or hostile robust list cannot hurt the kernel, and fork does not pass
 * ownership on.
 */
#include "cases.h"

namespace {

struct RobustBoard {
    mutex_t m;
    uint32_t ready;
    uint32_t go;
    uint32_t ownerdead;      // lockers that got ERR_OWNERDEAD
    uint32_t notrecoverable; // ... ERR_NOTRECOVERABLE
    uint32_t ok;             // ... ERR_OK
    uint32_t other;          // ... anything else
    uint64_t data;
};

RobustBoard* new_board(const char* tag)
{
    RobustBoard* b = static_cast<RobustBoard*>(make_region(tag, PAGE));
    mutex_init(&b->m);
    return b;
}

// Locks, says so, and then dies the way `how` says without unlocking.
enum class Death { Exit, Sleep, Crash };
struct DeathArgs {
    RobustBoard* b;
    Death how;
};

void doomed_owner(void* arg)
{
    DeathArgs* a = static_cast<DeathArgs*>(arg);
    require_eq(mutex_lock(&a->b->m), ERR_OK);
    a->b->data = 1; // "half-updated"
    __atomic_store_n(&a->b->ready, 1, __ATOMIC_SEQ_CST);
    switch (a->how) {
    case Death::Exit:
        exit(0);
    case Death::Sleep:
        for (;;)
            futex_wait(&a->b->go, 0, 0);
    case Death::Crash:
        *reinterpret_cast<volatile int*>(uintptr_t(0)) = 1;
        break;
    }
    exit(3); // not reached
}

// Starts an owner that dies as `how` says, and waits until it is dead.
void owner_dies(RobustBoard* b, Death how)
{
    __atomic_store_n(&b->ready, 0, __ATOMIC_SEQ_CST);
    DeathArgs args{b, how};
    int pid = start_child(doomed_owner, &args);
    if (how == Death::Sleep) {
        require(wait_word_at_least(&b->ready, 1), "owner ready");
        check_eq(kill(pid), ERR_OK);
    }
    int status = join(pid);
    if (how == Death::Exit)
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "owner status 0x%x", status);
    else
        check(WIFKILLED(status), "owner status 0x%x", status);
    check(b->m.word & FUTEX_OWNER_DIED, "word 0x%x after the owner died", b->m.word);
    check_eq(mutex_owner(&b->m), 0);
}

// Takes over a mutex whose owner died, repairs it, and checks it is normal again.
void take_over_and_repair(RobustBoard* b, int (*lock)(mutex_t*))
{
    check_eq(lock(&b->m), ERR_OWNERDEAD);
    check_eq(mutex_owner(&b->m), getpid());
    check_eq(b->data, 1u);
    b->data = 0; // repaired
    check_eq(mutex_consistent(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(b->m.word, 0u);
}

int lock_plain(mutex_t* m) { return mutex_lock(m); }
int lock_try(mutex_t* m) { return mutex_trylock(m); }
int lock_timed(mutex_t* m) { return mutex_timedlock(m, deadline_after_ms(5000)); }

void count_result(RobustBoard* b, int r)
{
    if (r == ERR_OWNERDEAD)
        __atomic_fetch_add(&b->ownerdead, 1, __ATOMIC_SEQ_CST);
    else if (r == ERR_NOTRECOVERABLE)
        __atomic_fetch_add(&b->notrecoverable, 1, __ATOMIC_SEQ_CST);
    else if (r == ERR_OK)
        __atomic_fetch_add(&b->ok, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_add(&b->other, 1, __ATOMIC_SEQ_CST);
}

} // namespace

void robust_owner_exits()
{
    RobustBoard* b = new_board("exit");
    owner_dies(b, Death::Exit);
    take_over_and_repair(b, lock_plain);
    owner_dies(b, Death::Exit);
    take_over_and_repair(b, lock_try);
    owner_dies(b, Death::Exit);
    take_over_and_repair(b, lock_timed);
}

void robust_owner_killed()
{
    RobustBoard* b = new_board("killed");
    owner_dies(b, Death::Sleep);
    take_over_and_repair(b, lock_plain);
}

void robust_owner_crashes()
{
    RobustBoard* b = new_board("crash");
    owner_dies(b, Death::Crash);
    take_over_and_repair(b, lock_try);
}

void robust_not_recoverable()
{
    RobustBoard* b = new_board("notrec");
    owner_dies(b, Death::Exit);
    check_eq(mutex_lock(&b->m), ERR_OWNERDEAD);
    check_eq(mutex_unlock(&b->m), ERR_OK); // without mutex_consistent: given up
    check_eq(mutex_lock(&b->m), ERR_NOTRECOVERABLE);
    check_eq(mutex_trylock(&b->m), ERR_NOTRECOVERABLE);
    check_eq(mutex_timedlock(&b->m, deadline_after_ms(10)), ERR_NOTRECOVERABLE);
    check_eq(mutex_unlock(&b->m), ERR_INVAL);
    check_eq(mutex_consistent(&b->m), ERR_INVAL);
    check_eq(mutex_owner(&b->m), 0);
    // For every other process too.
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        check_eq(mutex_lock(&b->m), ERR_NOTRECOVERABLE);
        check_eq(mutex_trylock(&b->m), ERR_NOTRECOVERABLE);
        exit(test_failures() ? 1 : 0);
    }
    join_ok(child, "another locker");
    // Initialising it again makes a new mutex.
    mutex_init(&b->m);
    check_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

namespace {
// Sleeps in mutex_lock; whoever gets ERR_OWNERDEAD gives up on the mutex.
void give_up_waiter(void* arg)
{
    RobustBoard* b = static_cast<RobustBoard*>(arg);
    int r = mutex_lock(&b->m);
    count_result(b, r);
    if (r == ERR_OWNERDEAD)
        check_eq(mutex_unlock(&b->m), ERR_OK);
}
} // namespace

void robust_not_recoverable_wakes_waiters()
{
    RobustBoard* b = new_board("notrec-wake");
    DeathArgs args{b, Death::Sleep};
    int owner = start_child(doomed_owner, &args);
    require(wait_word_at_least(&b->ready, 1), "owner ready");
    constexpr int N = 3;
    int waiters[N];
    for (int i = 0; i < N; i++)
        waiters[i] = start_child(give_up_waiter, b);
    for (int pid : waiters)
        require(wait_sleeping(pid), "waiter asleep");
    check_eq(kill(owner), ERR_OK);
    check(WIFKILLED(join(owner)), "owner not killed");
    for (int pid : waiters)
        join_ok(pid, "waiter");
    check_eq(b->ownerdead, 1u);
    check_eq(b->notrecoverable, uint32_t(N - 1));
    check_eq(b->ok + b->other, 0u);
    check_eq(mutex_lock(&b->m), ERR_NOTRECOVERABLE);
}

namespace {
struct ManyArgs {
    mutex_t* m[6];
};

void hold_many(void* arg)
{
    ManyArgs* a = static_cast<ManyArgs*>(arg);
    for (mutex_t* m : a->m)
        require_eq(mutex_lock(m), ERR_OK);
    // Unlink two from the middle of the list before dying.
    check_eq(mutex_unlock(a->m[2]), ERR_OK);
    check_eq(mutex_unlock(a->m[4]), ERR_OK);
    exit(test_failures() ? 1 : 0);
}
} // namespace

void robust_many_held()
{
    char* a = static_cast<char*>(make_region("many-a", 4 * PAGE));
    char* b = static_cast<char*>(make_region("many-b", PAGE));
    char* c = static_cast<char*>(shared_anon(PAGE));
    ManyArgs args{{reinterpret_cast<mutex_t*>(a), reinterpret_cast<mutex_t*>(a + PAGE + 64),
                   reinterpret_cast<mutex_t*>(a + 3 * PAGE + 128), reinterpret_cast<mutex_t*>(b),
                   reinterpret_cast<mutex_t*>(b + 32), reinterpret_cast<mutex_t*>(c + 512)}};
    for (mutex_t* m : args.m)
        mutex_init(m);
    int pid = start_child(hold_many, &args);
    join_ok(pid, "holder of many");
    for (int i = 0; i < 6; i++) {
        mutex_t* m = args.m[i];
        int expected = (i == 2 || i == 4) ? ERR_OK : ERR_OWNERDEAD;
        int r = mutex_trylock(m);
        check(r == expected, "mutex %d: %s, expected %s", i, errname(r), errname(expected));
        if (r == ERR_OWNERDEAD)
            check_eq(mutex_consistent(m), ERR_OK);
        check_eq(mutex_unlock(m), ERR_OK);
    }
}

namespace {
// Whoever gets ERR_OWNERDEAD repairs; the other must then get a normal mutex.
void repairing_waiter(void* arg)
{
    RobustBoard* b = static_cast<RobustBoard*>(arg);
    int r = mutex_lock(&b->m);
    count_result(b, r);
    if (r == ERR_OWNERDEAD) {
        check_eq(b->data, 1u);
        b->data = 2;
        check_eq(mutex_consistent(&b->m), ERR_OK);
    } else {
        check_eq(r, ERR_OK);
        check_eq(b->data, 2u); // repaired by the first
    }
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

// The first to take over dies too, before repairing.
void dying_repairer(void* arg)
{
    RobustBoard* b = static_cast<RobustBoard*>(arg);
    require_eq(mutex_lock(&b->m), ERR_OWNERDEAD);
    exit(0);
}
} // namespace

void robust_death_wakes_sleeper()
{
    RobustBoard* b = new_board("wake");
    DeathArgs args{b, Death::Sleep};
    int owner = start_child(doomed_owner, &args);
    require(wait_word_at_least(&b->ready, 1), "owner ready");
    int waiters[2];
    for (int& pid : waiters) {
        pid = start_child(repairing_waiter, b);
        require(wait_sleeping(pid), "waiter asleep");
    }
    check(b->m.word & FUTEX_WAITERS, "word 0x%x", b->m.word);
    check_eq(kill(owner), ERR_OK);
    check(WIFKILLED(join(owner)), "owner not killed");
    // One sleeper is woken with ERR_OWNERDEAD; it repairs, and its unlock
    // wakes the other, which gets an ordinary ERR_OK.
    for (int pid : waiters)
        join_ok(pid, "waiter");
    check_eq(b->ownerdead, 1u);
    check_eq(b->ok, 1u);
    check_eq(b->other + b->notrecoverable, 0u);
    check_eq(b->data, 2u);
    check_eq(mutex_lock(&b->m), ERR_OK); // repaired: a normal mutex again
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void robust_repairer_dies()
{
    // Owner-died is reported again until someone repairs the mutex.
    RobustBoard* b = new_board("repairer");
    owner_dies(b, Death::Exit);
    join_ok(start_child(dying_repairer, b), "repairer");
    check(b->m.word & FUTEX_OWNER_DIED, "word 0x%x", b->m.word);
    take_over_and_repair(b, lock_plain);
}

void robust_consistent_errors()
{
    RobustBoard* b = new_board("consistent");
    check_eq(mutex_consistent(&b->m), ERR_INVAL); // free
    require_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_consistent(&b->m), ERR_INVAL); // held, but consistent
    check_eq(mutex_unlock(&b->m), ERR_OK);
    owner_dies(b, Death::Exit);
    check_eq(mutex_consistent(&b->m), ERR_INVAL); // nobody has taken it over yet
    check_eq(mutex_lock(&b->m), ERR_OWNERDEAD);
    check_eq(mutex_consistent(&b->m), ERR_OK);
    check_eq(mutex_consistent(&b->m), ERR_INVAL); // once is enough
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(mutex_trylock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

namespace {
int64_t word_offset() { return int64_t(__builtin_offsetof(mutex_t, word)) - int64_t(__builtin_offsetof(mutex_t, next)); }

// A hand-made list: empty, but `pending` names a mutex this process owns,
// as if it died between taking the word and linking the mutex.
void pending_owner(void* arg)
{
    mutex_t* m = static_cast<mutex_t*>(arg);
    static struct robust_list_head head;
    head.list.next = uint64_t(&head.list);
    head.futex_offset = word_offset();
    head.pending = uint64_t(&m->next);
    __atomic_store_n(&m->word, uint32_t(getpid()) | FUTEX_WAITERS, __ATOMIC_SEQ_CST);
    require_eq(set_robust_list(&head), ERR_OK);
    exit(0);
}
} // namespace

void robust_pending_entry()
{
    RobustBoard* b = new_board("pending");
    join_ok(start_child(pending_owner, &b->m), "owner");
    check(b->m.word == (FUTEX_OWNER_DIED | FUTEX_WAITERS), "word 0x%x", b->m.word);
    check_eq(mutex_trylock(&b->m), ERR_OWNERDEAD);
    check_eq(mutex_consistent(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

void robust_waiter_death_harmless()
{
    // A process killed while it waits for a mutex (its robust list names
    // the mutex as pending) must not disturb the owner.
    RobustBoard* b = new_board("waiterdeath");
    require_eq(mutex_lock(&b->m), ERR_OK);
    int pids[2];
    for (int& pid : pids)
        pid = start_child(give_up_waiter, b);
    for (int pid : pids)
        require(wait_sleeping(pid), "waiter asleep");
    for (int pid : pids) {
        check_eq(kill(pid), ERR_OK);
        check(WIFKILLED(join(pid)), "waiter not killed");
    }
    check_eq(mutex_owner(&b->m), getpid());
    check(!(b->m.word & FUTEX_OWNER_DIED), "word 0x%x", b->m.word);
    check_eq(mutex_unlock(&b->m), ERR_OK);
    check_eq(mutex_lock(&b->m), ERR_OK);
    check_eq(mutex_unlock(&b->m), ERR_OK);
}

namespace {
struct Hostile {
    int variant;
    char* shared;    // a read-write view of a shared region
    char* readonly;  // a read-only view of the same region
};

// Registers a broken robust list and exits normally with status 7.
void hostile_child(void* arg)
{
    Hostile* h = static_cast<Hostile*>(arg);
    uint32_t pid = uint32_t(getpid());
    static struct robust_list_head head;
    static uint64_t entries[8] __attribute__((aligned(16)));
    head.futex_offset = 8;
    head.pending = 0;
    struct robust_list_head* registered = &head;
    switch (h->variant) {
    case 0: head.list.next = KERNEL_ADDR; break;
    case 1: head.list.next = UNMAPPED_ADDR; break;
    case 2: head.list.next = uint64_t(entries) + 3; break; // misaligned
    case 3: // a cycle through one entry that never comes back to the head
        entries[0] = uint64_t(&entries[0]);
        entries[1] = pid;
        head.list.next = uint64_t(&entries[0]);
        break;
    case 4: // a cycle of two, both "owned"
        entries[0] = uint64_t(&entries[2]);
        entries[1] = pid | FUTEX_WAITERS;
        entries[2] = uint64_t(&entries[0]);
        entries[3] = pid;
        head.list.next = uint64_t(&entries[0]);
        break;
    case 5: // absurd offset and pending
        entries[0] = uint64_t(&head);
        head.list.next = uint64_t(&entries[0]);
        head.futex_offset = int64_t(1) << 62;
        head.pending = KERNEL_ADDR;
        break;
    case 6: // the head itself is not mapped
        registered = reinterpret_cast<struct robust_list_head*>(UNMAPPED_ADDR);
        break;
    case 7: { // an owned word the kernel may read but not write
        uint64_t* e = reinterpret_cast<uint64_t*>(h->shared + 64);
        e[0] = uint64_t(&head);
        e[1] = pid;
        head.list.next = uint64_t(h->readonly + 64);
        break;
    }
    case 8: // the list runs off into the kernel's half after a good entry
        entries[0] = KERNEL_ADDR - 8;
        entries[1] = pid;
        head.list.next = uint64_t(&entries[0]);
        break;
    case 9: // the head lies in a read-only view
        registered = reinterpret_cast<struct robust_list_head*>(h->readonly + 256);
        break;
    }
    require_eq(set_robust_list(registered), ERR_OK);
    exit(7);
}
} // namespace

void robust_corrupt_lists()
{
    check_eq(set_robust_list(reinterpret_cast<struct robust_list_head*>(KERNEL_ADDR)), ERR_INVAL);
    static char buf[64] __attribute__((aligned(8)));
    check_eq(set_robust_list(reinterpret_cast<struct robust_list_head*>(buf + 4)), ERR_INVAL);

    char name[64];
    snprintf(name, sizeof name, "synctests/hostile/%d", getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT, PAGE, SHM_CEILING_RDWR, nullptr);
    require(fd >= 0, "shm_open: %s", errname(fd));
    char* rw = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    char* ro = static_cast<char*>(mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, fd, 0));
    require(!mmap_failed(rw) && !mmap_failed(ro), "mmap");
    for (int v = 0; v < 10; v++) {
        Hostile h{v, rw, ro};
        int pid = fork();
        require(pid >= 0, "fork");
        if (pid == 0)
            hostile_child(&h);
        int status = join(pid);
        check(WIFEXITED(status) && WEXITSTATUS(status) == 7, "variant %d: status 0x%x", v, status);
        if (v == 7) {
            uint32_t word = *reinterpret_cast<uint32_t*>(rw + 72);
            check(word == uint32_t(pid), "variant 7: read-only word changed to 0x%x", word);
        }
    }
    check_eq(shm_unlink(name), ERR_OK);
    munmap(rw, PAGE);
    munmap(ro, PAGE);
    close(fd);
    // And the machinery still works for a well-formed list.
    RobustBoard* b = new_board("hostile-after");
    owner_dies(b, Death::Exit);
    take_over_and_repair(b, lock_plain);
}

namespace {
struct LimitEntry {
    uint64_t next;
    uint32_t word;
    uint32_t pad;
};
constexpr int LIMIT_ENTRIES = ROBUST_LIST_LIMIT + 500;

void long_list_owner(void* arg)
{
    LimitEntry* e = static_cast<LimitEntry*>(arg);
    static struct robust_list_head head;
    for (int i = 0; i < LIMIT_ENTRIES; i++) {
        e[i].next = i + 1 < LIMIT_ENTRIES ? uint64_t(&e[i + 1]) : uint64_t(&head);
        e[i].word = uint32_t(getpid());
    }
    head.list.next = uint64_t(&e[0]);
    head.futex_offset = 8;
    head.pending = 0;
    require_eq(set_robust_list(&head), ERR_OK);
    exit(0);
}
} // namespace

void robust_list_limit()
{
    // The kernel walks at most ROBUST_LIST_LIMIT entries: a very long list
    // costs it a bounded amount of work, and the rest stays as it was.
    LimitEntry* e = static_cast<LimitEntry*>(make_region("limit", LIMIT_ENTRIES * sizeof(LimitEntry)));
    int pid = start_child(long_list_owner, e);
    join_ok(pid, "owner of a long list");
    int released = 0, kept = 0;
    for (int i = 0; i < LIMIT_ENTRIES; i++) {
        if (e[i].word == FUTEX_OWNER_DIED)
            released += i < ROBUST_LIST_LIMIT;
        else if (e[i].word == uint32_t(pid))
            kept += i >= ROBUST_LIST_LIMIT;
    }
    check_eq(released, ROBUST_LIST_LIMIT);
    check_eq(kept, LIMIT_ENTRIES - ROBUST_LIST_LIMIT);
}

namespace {
struct ForkBoard {
    mutex_t held;   // held by the parent across the fork
    mutex_t other;  // taken by the child, which dies holding it
};
} // namespace

void robust_fork_no_inheritance()
{
    ForkBoard* fb = static_cast<ForkBoard*>(make_region("fork", PAGE));
    mutex_init(&fb->held);
    mutex_init(&fb->other);
    require_eq(mutex_lock(&fb->held), ERR_OK);
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        check_eq(mutex_owner(&fb->held), getppid());
        check_eq(mutex_unlock(&fb->held), ERR_INVAL);
        check_eq(mutex_trylock(&fb->held), ERR_BUSY);
        check_eq(mutex_timedlock(&fb->held, deadline_after_ms(20)), ERR_TIMEDOUT);
        check_eq(mutex_lock(&fb->other), ERR_OK);
        check_eq(mutex_owner(&fb->other), getpid());
        exit(test_failures() ? 1 : 0); // dies holding `other`
    }
    join_ok(child, "child");
    // The child's death released only what the child held.
    check_eq(mutex_owner(&fb->held), getpid());
    check(!(fb->held.word & FUTEX_OWNER_DIED), "held: word 0x%x", fb->held.word);
    check_eq(mutex_unlock(&fb->held), ERR_OK);
    check_eq(mutex_trylock(&fb->other), ERR_OWNERDEAD);
    check_eq(mutex_consistent(&fb->other), ERR_OK);
    check_eq(mutex_unlock(&fb->other), ERR_OK);
    // And the parent's own robust list still works after the fork.
    check_eq(mutex_lock(&fb->held), ERR_OK);
    check_eq(mutex_unlock(&fb->held), ERR_OK);
}

void robust_exec_releases()
{
    // exec ends the program that held the mutex (the process lives on as
    // another program that knows nothing of it): like exit, it must hand
    // the mutex on as owner-died.
    RobustBoard* b = new_board("exec");
    int child = fork();
    require(child >= 0, "fork");
    if (child == 0) {
        if (mutex_lock(&b->m) != ERR_OK)
            exit(1);
        char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("1ms"), nullptr};
        exec("/bin/sleep", argv);
        exit(2);
    }
    join_ok(child, "exec'd child");
    int r = mutex_trylock(&b->m);
    check(r == ERR_OWNERDEAD, "trylock after the owner exec'd: %s (word 0x%x)", errname(r), b->m.word);
    if (r == ERR_OWNERDEAD || r == ERR_OK) {
        mutex_consistent(&b->m);
        mutex_unlock(&b->m);
    }
}
