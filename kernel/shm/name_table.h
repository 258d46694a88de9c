/*
 * NameTable: a chained hash table from names (1 to SHM_NAME_MAX arbitrary
 * non-NUL bytes) to the entries that carry them, with O(1) average lookup.
 *
 * Entries are intrusive (a NameEntry inside the owning object), so insert
 * and remove never allocate. The bucket array is allocated once, sized for
 * the table's capacity, so lookups stay O(1) however many names exist.
 * The table has no lock of its own: the owner serialises access.
 *
 * Portable: unit-tested on the host.
 */
#pragma once

#include "../lib/list.h"
#include "../lib/result.h"
#include "../lib/string_view.h"
#include "../uapi/shm.h"

struct NameEntry {
    ListNode link;
    u64 hash = 0;
    u32 length = 0;
    char name[SHM_NAME_MAX + 1] = {};

    StringView view() const { return StringView(name, length); }
};

class NameTable {
public:
    // A table for up to `capacity` names, with `buckets` hash chains
    // (rounded up to a power of two; 0: as many as the capacity).
    Result<void> init(u32 capacity, u32 buckets = 0);
    void release();

    static u64 hash_name(StringView name);

    // Sets the entry's name (which must be valid) and hash.
    static void name_entry(NameEntry* entry, StringView name);
    // The same with the name's hash_name() already known (the name must be
    // valid: at most SHM_NAME_MAX bytes).
    static void name_entry(NameEntry* entry, StringView name, u64 hash);

    NameEntry* find(StringView name) const;
    NameEntry* find(StringView name, u64 hash) const;
    // Inserts an entry whose name is not in the table; ERR_EXIST if it is,
    // ERR_NOMEM when the table is at capacity.
    Result<void> insert(NameEntry* entry);
    void remove(NameEntry* entry);

    u32 size() const { return m_size; }
    u32 capacity() const { return m_capacity; }

    // Visits every entry; stops early when fn returns false.
    template <typename Fn> void for_each(Fn fn) const
    {
        for (u32 b = 0; b < m_bucket_count; b++)
            for (ListNode* n = m_buckets[b].next; n != &m_buckets[b];) {
                ListNode* next = n->next;
                if (!fn(container_of(n, NameEntry, link)))
                    return;
                n = next;
            }
    }

private:
    ListNode* m_buckets = nullptr;
    u32 m_bucket_count = 0; // a power of two
    u32 m_size = 0;
    u32 m_capacity = 0;
};
