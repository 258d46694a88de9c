/*
 * PageIndex (see page_index.h): making entries, growing the top array,
 * freeing. The caller holds its owner's lock throughout.
 */
#include "page_index.h"
#include "../lib/kstring.h"
#include "kmalloc.h"

Result<u64*> PageIndex::make_leaf(u64 index)
{
    u64 leaf_index = index / LEAF_ENTRIES;
    if (leaf_index >= m_top_count) {
        if (m_fixed)
            return Error(ERR_RANGE);
        // Grow the top array to cover the leaf, with room to spare. Only a
        // growing index does this, and its lookups hold the owner's lock.
        u64 count = max(leaf_index + 1, m_top_count * 2);
        auto** top = static_cast<u64**>(kzalloc(count * sizeof(u64*)));
        if (!top)
            return Error(ERR_NOMEM);
        if (m_top)
            memcpy(top, m_top, m_top_count * sizeof(u64*));
        kfree(m_top);
        m_top = top;
        m_top_count = count;
    } else if (!m_top) {
        // A fixed index's top array comes with its first entry.
        auto** top = static_cast<u64**>(kzalloc(m_top_count * sizeof(u64*)));
        if (!top)
            return Error(ERR_NOMEM);
        __atomic_store_n(&m_top, top, __ATOMIC_RELEASE);
    }
    u64* leaf = m_top[leaf_index];
    if (!leaf) {
        leaf = static_cast<u64*>(kzalloc(LEAF_ENTRIES * sizeof(u64)));
        if (!leaf)
            return Error(ERR_NOMEM);
        __atomic_store_n(&m_top[leaf_index], leaf, __ATOMIC_RELEASE);
    }
    return &leaf[index % LEAF_ENTRIES];
}

void PageIndex::free_leaf(u64* leaf) { kfree(leaf); }

void PageIndex::destroy()
{
    if (!m_top)
        return;
    for (u64 li = 0; li < m_top_count; li++)
        kfree(m_top[li]);
    kfree(m_top);
    m_top = nullptr;
    if (!m_fixed)
        m_top_count = 0;
}
