/*
 * mmaptests: the in-guest suite for memory-mapped files (issue 9,
 * docs/mmap.md): mmap of regular files and its page cache shared with
 * read() and write(), write-back, the end of the file, ftruncate and
 * unlink of mapped files, several processes, and named regions backed by
 * files. The cases live in the mmaptests directory, one file per area;
 * this table decides their order (the basic coherence first, so a broken
 * kernel fails early and clearly).
 *
 * Every case runs in its own child (see user/include/test.h) and must give
 * back every page it used: a file's page cache goes with the last
 * reference to the file, so a case that forgets to unmap or close fails.
 *
 *   mmaptests              run every case
 *   mmaptests CASE...      run the named cases
 *   mmaptests -l           list the cases
 */
#include "mmaptests/cases.h"

namespace {

const struct test_case g_cases[] = {
    // one page cache per file
    TEST_CASE(map_read_equals_read),
    TEST_CASE(map_private_equals_read),
    TEST_CASE(map_store_visible_to_read),
    TEST_CASE(write_visible_to_map),
    TEST_CASE(views_alias),
    TEST_CASE(private_view_isolated),
    TEST_CASE(readonly_fd_views),
    TEST_CASE(readonly_view_store_kills),
    TEST_CASE(map_at_offsets),
    TEST_CASE(read_into_own_mapping),
    TEST_CASE(read_into_own_program_data),
    TEST_CASE(exec_sees_mapped_writes),
    // the end of the file, ftruncate, unlink
    TEST_CASE(past_eof_kills_only_toucher),
    TEST_CASE(tail_past_eof_not_in_file),
    TEST_CASE(ftruncate_grow_with_view),
    TEST_CASE(ftruncate_shrink_with_views),
    TEST_CASE(ftruncate_errors),
    TEST_CASE(open_trunc_busy_while_mapped),
    TEST_CASE(unlink_while_mapped),
    TEST_CASE(shrink_zeroes_tail),
    TEST_CASE(truncate_through_indirect_blocks),
    // write-back
    TEST_CASE(dirty_pages_tracked),
    TEST_CASE(msync_write_protects),
    TEST_CASE(msync_subrange),
    TEST_CASE(msync_errors),
    TEST_CASE(munmap_writes_back),
    TEST_CASE(exit_writes_back),
    TEST_CASE(kill_writes_back),
    TEST_CASE(close_writes_back),
    TEST_CASE(close_then_map_survives),
    TEST_CASE(hole_pages_get_blocks),
    TEST_CASE(writeback_many_pages),
    TEST_CASE_TIMEOUT(msync_disk_full, 120000),
    // processes
    TEST_CASE(two_processes_share),
    TEST_CASE(fork_inherits_file_views),
    TEST_CASE(fork_child_write_dirties_again),
    TEST_CASE(msync_revokes_other_process),
    TEST_CASE_TIMEOUT(concurrent_writers_and_syncers, 120000),
    // named regions backed by files
    TEST_CASE(region_file_create_and_map),
    TEST_CASE(region_file_open_existing),
    TEST_CASE(region_file_lock),
    TEST_CASE(region_file_persists_after_destroy),
    TEST_CASE(region_file_size_grows_file),
    TEST_CASE(region_file_rights),
    TEST_CASE(region_file_shares_cache_with_mmap),
    TEST_CASE(region_file_unlinked_file),
    TEST_CASE(region_file_errors),
    TEST_CASE(region_file_futex_meets_file_view),
    // arguments and tools
    TEST_CASE(mmap_bad_arguments),
    TEST_CASE(mcat_prints_files),
};

} // namespace

int main(int argc, char** argv) { return test_run_suite("mmaptests", g_cases, TEST_COUNT(g_cases), argc, argv); }
