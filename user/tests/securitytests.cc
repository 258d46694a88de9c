/*
 * securitytests: what a hostile process cannot do (issue 7). No system
 * call reads or writes kernel memory for it; a read-only view or handle
 * cannot be written through any path; a handle number means nothing in
 * another process; the creation-time ceiling of a region binds every
 * other opener. The cases are in securitytests/: kernel addresses
 * (kernel.cc), read-only views and handles (readonly.cc), handles and
 * ceilings (handles.cc), the break after the heap was rearranged
 * (heap.cc).
 *
 *   securitytests           every case
 *   securitytests CASE...   the named cases
 *   securitytests -l        list them
 *
 * Every case must also leave the shared-region count and quota as it
 * found them (besides the framework's page and process checks).
 */
#include "securitytests/cases.h"

namespace {

template <void (*Body)()> void counted_case()
{
    stress::Counts before = stress::counts();
    Body();
    stress::Counts after = stress::settle_regions(before);
    check(after.regions == before.regions && after.quota == before.quota,
          "shared regions %lu -> %lu, quota %lu -> %lu at the end of the case", (unsigned long)before.regions,
          (unsigned long)after.regions, (unsigned long)before.quota, (unsigned long)after.quota);
}

#define SEC_CASE(fn) {#fn, counted_case<fn>, 0}

const struct test_case g_cases[] = {
    SEC_CASE(kernel_addresses_refused_by_io_calls),
    SEC_CASE(kernel_addresses_refused_by_path_calls),
    SEC_CASE(kernel_addresses_refused_by_info_calls),
    SEC_CASE(kernel_addresses_refused_by_shm_calls),
    SEC_CASE(kernel_addresses_refused_by_sync_calls),
    SEC_CASE(kernel_ranges_refused_by_memory_calls),
    SEC_CASE(kernel_addresses_in_exec_argv),
    SEC_CASE(kernel_addresses_in_robust_list),
    SEC_CASE(huge_ranges_are_quick),
    SEC_CASE(readonly_view_store_kills),
    SEC_CASE(readonly_view_as_syscall_buffer),
    SEC_CASE(readonly_view_mprotect_upgrade),
    SEC_CASE(readonly_handle_private_view_is_private),
    SEC_CASE(readonly_private_view_syscall_writes_copy),
    SEC_CASE(readonly_fork_cow_tricks),
    SEC_CASE(readonly_futex_handoff_refused),
    SEC_CASE(readonly_robust_list_ignored),
    SEC_CASE(readonly_view_blocks_shrink),
    SEC_CASE(handle_numbers_are_per_process),
    SEC_CASE(ceiling_cannot_be_exceeded),
    SEC_CASE(ceiling_applies_to_creators_children),
    SEC_CASE(sbrk_moves_only_the_heap_top),
    SEC_CASE(sbrk_leaves_readonly_region_view_alone),
    SEC_CASE(sbrk_leaves_readonly_file_view_alone),
    SEC_CASE(sbrk_shrink_spares_foreign_mapping),
    SEC_CASE(sbrk_refuses_more_than_memory),
    SEC_CASE(untouched_requests_pin_no_kernel_memory),
};

} // namespace

int main(int argc, char** argv)
{
    return test_run_suite("securitytests", g_cases, TEST_COUNT(g_cases), argc, argv);
}
