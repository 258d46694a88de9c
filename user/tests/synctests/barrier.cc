/*
 * synctests: barriers between processes: many generations in a row with
 * exactly one BARRIER_SERIAL each, timed waits that give up and leave the
 * barrier usable, and the limits.
 */
#include "cases.h"

namespace {

constexpr int PARTIES = 4;
constexpr int GENERATIONS = 60;

struct BarrierBoard {
    barrier_t b;
    uint32_t arrivals[GENERATIONS];
    uint32_t serials[GENERATIONS];
    uint32_t early; // someone left before everyone had arrived
    uint32_t errors;
};

void party(void* arg)
{
    BarrierBoard* bb = static_cast<BarrierBoard*>(arg);
    for (int g = 0; g < GENERATIONS; g++) {
        __atomic_fetch_add(&bb->arrivals[g], 1, __ATOMIC_SEQ_CST);
        int r = barrier_wait(&bb->b);
        if (r == BARRIER_SERIAL)
            __atomic_fetch_add(&bb->serials[g], 1, __ATOMIC_SEQ_CST);
        else if (r != ERR_OK)
            __atomic_fetch_add(&bb->errors, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&bb->arrivals[g], __ATOMIC_SEQ_CST) != PARTIES)
            __atomic_fetch_add(&bb->early, 1, __ATOMIC_SEQ_CST);
    }
}

} // namespace

void barrier_generations()
{
    BarrierBoard* bb = static_cast<BarrierBoard*>(make_region("generations", PAGE));
    require_eq(barrier_init(&bb->b, PARTIES), ERR_OK);
    int pids[PARTIES - 1];
    for (int& pid : pids)
        pid = start_child(party, bb);
    party(bb);
    for (int pid : pids)
        join_ok(pid, "party");
    check_eq(bb->early, 0u);
    check_eq(bb->errors, 0u);
    int wrong = 0;
    for (int g = 0; g < GENERATIONS; g++)
        wrong += bb->serials[g] != 1 || bb->arrivals[g] != PARTIES;
    check(wrong == 0, "%d generations without exactly one serial waiter", wrong);
    check_eq(bb->b.state & 0xffff, 0u); // nobody left inside
}

namespace {
struct TimedBoard {
    barrier_t b;
    uint32_t timed_out;
    uint32_t passed;
};

void timed_party(void* arg)
{
    TimedBoard* t = static_cast<TimedBoard*>(arg);
    uint64_t deadline = deadline_after_ms(60);
    int r = barrier_timedwait(&t->b, deadline);
    if (r == ERR_TIMEDOUT) {
        check(clock_ns() >= deadline, "timed out early");
        __atomic_fetch_add(&t->timed_out, 1, __ATOMIC_SEQ_CST);
    }
}

void full_party(void* arg)
{
    TimedBoard* t = static_cast<TimedBoard*>(arg);
    int r = barrier_timedwait(&t->b, deadline_after_ms(20000));
    check(r == ERR_OK || r == BARRIER_SERIAL, "barrier_timedwait: %s", errname(r));
    __atomic_fetch_add(&t->passed, r == BARRIER_SERIAL ? 100 : 1, __ATOMIC_SEQ_CST);
}
} // namespace

void barrier_timeout_withdraws()
{
    TimedBoard* t = static_cast<TimedBoard*>(make_region("timed", PAGE));
    require_eq(barrier_init(&t->b, 3), ERR_OK);
    // Two of three come: both give up, and take their arrivals back.
    int a = start_child(timed_party, t);
    int b = start_child(timed_party, t);
    join_ok(a, "timed party");
    join_ok(b, "timed party");
    check_eq(t->timed_out, 2u);
    check_eq(t->b.state & 0xffff, 0u);
    // So the barrier still needs all three.
    int pids[3];
    for (int& pid : pids)
        pid = start_child(full_party, t);
    for (int pid : pids)
        join_ok(pid, "party");
    check_eq(t->passed, 102u); // two ERR_OK and one BARRIER_SERIAL
    check_eq(barrier_timedwait(&t->b, 1), ERR_TIMEDOUT); // past deadline, nobody else
    check_eq(t->b.state & 0xffff, 0u);
}

void barrier_limits()
{
    barrier_t* b = static_cast<barrier_t*>(make_region("limits", PAGE));
    check_eq(barrier_init(b, 0), ERR_INVAL);
    check_eq(barrier_init(b, BARRIER_MAX_COUNT + 1), ERR_INVAL);
    require_eq(barrier_init(b, 1), ERR_OK);
    // A barrier of one opens at once, every time, without a system call.
    uint64_t before = syscalls_now();
    int serial = 0;
    for (int i = 0; i < 100; i++)
        serial += barrier_wait(b) == BARRIER_SERIAL;
    check_eq(syscalls_now() - before, 1u);
    check_eq(serial, 100);
    check_eq(barrier_init(b, BARRIER_MAX_COUNT), ERR_OK);
}
