/*
 * PageIndex: a two-level index from a page number to one 64-bit entry,
 * the page-cache index of both kinds of store (page_cache_store.h,
 * file_store.h). An entry is a page's physical address, or 0 for a page
 * not in memory; pages are 4 KiB aligned, so the owner may keep flags in
 * the low bits (a file's store keeps its dirty bit there).
 *
 * The top level is an array of pointers to leaves of LEAF_ENTRIES entries
 * (one page each), allocated with the first entry made, so an index
 * nobody touches costs nothing but the object it lives in; leaves come as
 * pages are made.
 *
 * Two ways to grow, chosen at construction:
 *   - fixed: the top array is sized once for `max_leaves` and never moves,
 *     so lookups may run without the owner's lock (each level is published
 *     with a release store and read with an acquire load);
 *   - growing (max_leaves 0): the top array doubles as pages further out
 *     are made; every access then holds the owner's lock.
 * Either way the owner serialises changes (make, remove_from, destroy).
 */
#pragma once

#include "../lib/result.h"

class PageIndex {
public:
    static constexpr u64 LEAF_ENTRIES = PAGE_SIZE / sizeof(u64); // 512 pages per leaf

    explicit PageIndex(u64 max_leaves = 0) : m_top_count(max_leaves), m_fixed(max_leaves != 0) {}
    PageIndex(const PageIndex&) = delete;
    PageIndex& operator=(const PageIndex&) = delete;
    ~PageIndex() { destroy(); }

    // The entry of page `index`, or nullptr if its leaf does not exist.
    u64* find(u64 index) const
    {
        u64 leaf_index = index / LEAF_ENTRIES;
        if (leaf_index >= m_top_count)
            return nullptr;
        u64** top = __atomic_load_n(&m_top, __ATOMIC_ACQUIRE);
        u64* leaf = top ? __atomic_load_n(&top[leaf_index], __ATOMIC_ACQUIRE) : nullptr;
        return leaf ? &leaf[index % LEAF_ENTRIES] : nullptr;
    }
    // The entry of page `index`, its leaf (and the top array) made if
    // missing. ERR_NOMEM; ERR_RANGE beyond a fixed index's reach.
    Result<u64*> make(u64 index)
    {
        if (u64* e = find(index))
            return e; // the usual case, inline: a page fault's
        return make_leaf(index);
    }

    // The first page number of the leaf after the one holding `index`: where
    // a walk goes on when find() says a leaf is missing.
    static u64 next_leaf(u64 index) { return (index / LEAF_ENTRIES + 1) * LEAF_ENTRIES; }
    // One past the last page number the index can hold now.
    u64 end() const { return m_top_count * LEAF_ENTRIES; }

    // Calls drop(entry) for every nonzero entry from page `first` on and
    // clears it; frees the leaves that hold nothing below `first`. Only
    // where no lookup without the lock can be looking at those pages.
    template <typename Drop> void remove_from(u64 first, Drop drop)
    {
        for (u64 li = first / LEAF_ENTRIES; m_top && li < m_top_count; li++) {
            u64* leaf = m_top[li];
            if (!leaf)
                continue;
            u64 start = li == first / LEAF_ENTRIES ? first % LEAF_ENTRIES : 0;
            for (u64 s = start; s < LEAF_ENTRIES; s++) {
                if (leaf[s]) {
                    drop(leaf[s]);
                    leaf[s] = 0;
                }
            }
            if (start == 0) {
                __atomic_store_n(&m_top[li], nullptr, __ATOMIC_RELEASE);
                free_leaf(leaf);
            }
        }
    }

    // Frees every leaf and the top array (the owner has dropped the pages).
    void destroy();

private:
    Result<u64*> make_leaf(u64 index);
    static void free_leaf(u64* leaf);

    u64** m_top = nullptr;  // m_top_count leaf pointers, or nullptr before the first make
    u64 m_top_count;        // a fixed index's size from the start; a growing one's grows
    bool m_fixed;
};
