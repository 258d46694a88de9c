/*
 * PageIndex (kernel/mm/page_index.h), the index of both page caches: a
 * fixed index never moves its top array (lock-free lookups depend on it),
 * a growing one grows as pages further out are made, and remove_from
 * hands back every entry from a page on and frees the leaves it empties.
 */
#include "machine.h"

#include <vector>

#include "kernel/mm/page_index.h"

TEST_CASE("PageIndex: fixed and growing indexes find, make and remove entries, and give their memory back")
{
    vm::Session session;
    u64 free_start = free_page_count();
    constexpr u64 L = PageIndex::LEAF_ENTRIES;
    {
        PageIndex fixed(3); // up to 3 * 512 pages
        CHECK(fixed.find(0) == nullptr); // nothing allocated yet
        CHECK(free_page_count() == free_start);
        u64* e = fixed.make(L + 7).value();
        *e = 0x1000;
        CHECK(fixed.find(L + 7) == e);
        CHECK(fixed.find(L + 8) != nullptr); // the same leaf
        CHECK(*fixed.find(L + 8) == 0);
        CHECK(fixed.find(7) == nullptr);     // another leaf, not made
        CHECK(fixed.make(3 * L).error_code() == ERR_RANGE); // beyond its reach
        CHECK(fixed.find(3 * L) == nullptr);
        *fixed.make(2 * L + 1).value() = 0x2000;
        std::vector<u64> dropped;
        fixed.remove_from(L + 8, [&](u64 entry) { dropped.push_back(entry); });
        CHECK(dropped == std::vector<u64>{0x2000});
        CHECK(fixed.find(L + 7) != nullptr); // its leaf holds something below the cut
        CHECK(fixed.find(2 * L + 1) == nullptr); // a leaf wholly cut is freed
    }
    {
        PageIndex growing;
        CHECK(growing.end() == 0);
        *growing.make(5).value() = 0x3000;
        u64 end = growing.end();
        CHECK(end >= L);
        *growing.make(40 * L + 3).value() = 0x4000; // far out: the top grows
        CHECK(growing.end() > 40 * L);
        CHECK(*growing.find(5) == 0x3000); // the old leaves moved with it
        CHECK(*growing.find(40 * L + 3) == 0x4000);
        CHECK(PageIndex::next_leaf(5) == L);
        CHECK(PageIndex::next_leaf(L) == 2 * L);
        std::vector<u64> dropped;
        growing.remove_from(0, [&](u64 entry) { dropped.push_back(entry); });
        CHECK(dropped == std::vector<u64>{0x3000, 0x4000});
        CHECK(growing.find(5) == nullptr);
    }
    CHECK(free_page_count() == free_start); // leaves and top arrays are back
}
