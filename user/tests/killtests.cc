/*
 * killtests: kills at random points (issue 7). Processes that hold views,
 * handles, region locks, robust mutexes, futex waits, pipes and files, or
 * that are in the middle of faults, forks, execs and destroys, are killed
 * at random moments; the survivors keep working, locks come back as
 * ERR_ABANDONED / ERR_OWNERDEAD, and nothing leaks. The cases are in
 * killtests/, one file per area.
 *
 *   killtests                  every case, with a fresh seed
 *   killtests -s SEED [CASE..] replay a run (the seed is printed first)
 *   killtests -l               list the cases
 *
 * Besides the framework's checks (free pages and processes back after
 * each case), every case must leave the shared-region count and the quota
 * where it found them.
 */
#include "killtests/cases.h"

uint64_t g_seed = 0;

Rng case_rng(const char* case_name)
{
    uint64_t h = 0;
    for (const char* p = case_name; *p; p++)
        h = stress::mix(h, uint8_t(*p));
    return Rng::stream(g_seed, h);
}

namespace {

#define KILL_CASE(fn) {#fn, stress::region_counted_case<fn>, 60000}

const struct test_case g_cases[] = {
    KILL_CASE(kill_region_lock_holders),
    KILL_CASE(kill_region_lock_waiters),
    KILL_CASE(kill_robust_mutex_holders),
    KILL_CASE(kill_between_release_and_wake),
    KILL_CASE(kill_woken_waiter),
    KILL_CASE(kill_futex_waiters),
    KILL_CASE(kill_view_holders),
    KILL_CASE(kill_handle_holders),
    KILL_CASE(kill_faulting_processes),
    KILL_CASE(kill_destroy_waiters),
    KILL_CASE(kill_forkers_and_execers),
    KILL_CASE(kill_pipe_users),
    KILL_CASE(kill_file_writers),
    KILL_CASE(kill_everything_at_once),
    KILL_CASE(kill_ends_long_console_write),
    KILL_CASE(kill_ends_long_file_read),
};

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
        g_seed = stress::parse_seed(argv[2]);
        argv[2] = argv[0];
        argc -= 2;
        argv += 2;
    } else {
        g_seed = stress::fresh_seed();
    }
    if (!(argc > 1 && strcmp(argv[1], "-l") == 0))
        printf("killtests: seed %#lx (replay: killtests -s %#lx)\n", (unsigned long)g_seed, (unsigned long)g_seed);
    return test_run_suite("killtests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
