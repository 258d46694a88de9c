/*
 * A test case wrapper for the abuse suites (killtests, exhausttests): the
 * framework (test.h) already checks free pages and processes around each
 * case; this adds the shared-region count and quota, waited for because
 * regions of killed processes go when their last holder is reaped, and
 * prints how long the case took.
 */
#pragma once

#include "stress.h"
#include "test.h"

namespace stress {

template <void (*Body)()> void region_counted_case()
{
    Counts before = counts();
    uint64_t started = now_ms();
    Body();
    Counts after = settle_regions(before);
    printf("    (%lu ms)\n", (unsigned long)(now_ms() - started));
    check(after.regions == before.regions && after.quota == before.quota,
          "shared regions %lu -> %lu, quota %lu -> %lu at the end of the case", (unsigned long)before.regions,
          (unsigned long)after.regions, (unsigned long)before.quota, (unsigned long)after.quota);
}

} // namespace stress
