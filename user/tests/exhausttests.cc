/*
 * exhausttests: running out, then recovering fully (issue 7). Each case
 * fills one resource (the shared-memory quota across processes, physical
 * memory through anonymous, shared and copy-on-write pages, the process
 * table, kernel memory through pipes, the descriptor table, the disk's
 * blocks and inodes), checks that the last request failed cleanly (an
 * error, or the toucher killed "out of memory") and that the rest of the
 * system kept working, then lets go and checks that everything came back.
 * The cases are in exhausttests/, one file per resource.
 *
 *   exhausttests           every case
 *   exhausttests CASE...   the named cases
 *   exhausttests -l        list them
 *
 * Besides the framework's checks (free pages and processes back after
 * each case), every case must leave the shared-region count and quota as
 * it found them.
 */
#include "exhausttests/cases.h"

namespace {

#define EXHAUST_CASE(fn) {#fn, stress::region_counted_case<fn>, 120000}

const struct test_case g_cases[] = {
    EXHAUST_CASE(exhaust_memory_anonymous),
    EXHAUST_CASE(exhaust_memory_cow_fork),
    EXHAUST_CASE(exhaust_memory_file_bigger_than_free_memory),
    EXHAUST_CASE(exhaust_quota_many_processes),
    EXHAUST_CASE(exhaust_memory_shared_regions),
    EXHAUST_CASE(exhaust_memory_everything_else_fails_cleanly),
    EXHAUST_CASE(exhaust_kernel_objects_pipes),
    EXHAUST_CASE(exhaust_process_table),
    EXHAUST_CASE(exhaust_process_table_fork_bomb),
    EXHAUST_CASE(exhaust_handles_leak_nothing),
    EXHAUST_CASE(exhaust_disk_one_file),
    EXHAUST_CASE(exhaust_disk_many_files),
};

} // namespace

int main(int argc, char** argv)
{
    return test_run_suite("exhausttests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
