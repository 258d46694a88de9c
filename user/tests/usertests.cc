/*
 * usertests: the in-guest suite for processes, virtual memory and files
 * (issue 3). The cases live in the usertests directory, one file per area; this
 * table decides their order (cheap, basic ones first, so a broken kernel
 * fails early and clearly). Every case runs in its own child and must give
 * back every page it used (see user/include/test.h).
 *
 *   usertests              run every case
 *   usertests CASE...      run the named cases
 *   usertests -l           list the cases
 */
#include "usertests/cases.h"

namespace {

const struct test_case g_cases[] = {
    // processes
    TEST_CASE(fork_exit_wait),
    TEST_CASE(exit_status_encoding),
    TEST_CASE(wait_no_children),
    TEST_CASE(wait_null_status),
    TEST_CASE(waitpid_specific),
    TEST_CASE(getpid_getppid),
    TEST_CASE(kill_sleeping_child),
    TEST_CASE(kill_blocked_reader),
    TEST_CASE(kill_spinning_child),
    TEST_CASE(entry_answered_calls),
    TEST_CASE(kill_errors),
    TEST_CASE(orphan_reparented),
    TEST_CASE(sleep_uptime),
    TEST_CASE(procinfo_lists_self),
    TEST_CASE(proc_stats_counts),
    // descriptors and pipes
    TEST_CASE(fd_dup_close),
    TEST_CASE(fd_bad),
    TEST_CASE(fd_exhaust),
    TEST_CASE(fd_rights),
    TEST_CASE(pipe_basic),
    TEST_CASE(pipe_broken),
    TEST_CASE(pipe_blocking_reader),
    TEST_CASE_TIMEOUT(pipe_big_transfer, 120000),
    // exec
    TEST_CASE(exec_argv),
    TEST_CASE(process_group_kill),
    TEST_CASE(process_group_errors),
    TEST_CASE(crashed_case_children_are_ended),
    TEST_CASE(text_busy_while_running),
    TEST_CASE(text_busy_while_open_for_writing),
    TEST_CASE(exec_many_args),
    TEST_CASE(exec_missing),
    TEST_CASE(exec_not_elf),
    TEST_CASE(exec_truncated_elf),
    TEST_CASE(exec_keeps_fds),
    // memory
    TEST_CASE(sbrk_grow_shrink),
    TEST_CASE(sbrk_shrink_unmaps),
    TEST_CASE(sbrk_huge),
    TEST_CASE(null_deref_kills_child),
    TEST_CASE(write_text_kills_child),
    TEST_CASE(write_rodata_kills_child),
    TEST_CASE(exec_data_kills_child),
    TEST_CASE(stack_grows),
    TEST_CASE(stack_overflow_kills_child),
    TEST_CASE(cow_fork),
    TEST_CASE(cow_fork_is_lazy),
    TEST_CASE(malloc_integrity),
    // mmap
    TEST_CASE(mmap_anonymous),
    TEST_CASE(munmap_unmaps),
    TEST_CASE(mprotect_readonly),
    TEST_CASE(mmap_bad_args),
    TEST_CASE(mmap_fixed),
    TEST_CASE(mmap_shared_fork),
    TEST_CASE(mmap_many),
    TEST_CASE(mmap_write_only),
    TEST_CASE(pagetable_demand_paging),
    TEST_CASE(pagetable_cow_after_fork),
    TEST_CASE(pagetable_shared_views),
    TEST_CASE(pagetable_errors),
    TEST_CASE(vm_tool_shows_sharing),
    // bad pointers
    TEST_CASE(badptr_buffers),
    TEST_CASE(badptr_page_crossing),
    TEST_CASE(badptr_lazy_pages_are_valid),
    TEST_CASE(badptr_strings),
    TEST_CASE(badptr_structs),
    // files and directories
    TEST_CASE(file_create_read),
    TEST_CASE_TIMEOUT(file_big, 120000),
    TEST_CASE(file_unlink_open),
    TEST_CASE(file_trunc),
    TEST_CASE(file_append),
    TEST_CASE(file_excl),
    TEST_CASE(file_lseek),
    TEST_CASE(file_shared_offset_fork),
    TEST_CASE(file_link),
    TEST_CASE(dir_mkdir_chdir),
    TEST_CASE(dir_listing),
    TEST_CASE(name_errors),
    TEST_CASE(fstat_types),
    // last: they fill the process table
    TEST_CASE_TIMEOUT(many_processes, 120000),
    TEST_CASE_TIMEOUT(fork_storm, 60000),
};

} // namespace

int main(int argc, char** argv)
{
    return test_run_suite("usertests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
