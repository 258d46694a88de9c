/*
 * NameTable (see name_table.h). The hash is 64-bit FNV-1a: cheap, and good
 * enough on short names; the bucket count is the capacity (or the count
 * asked for) rounded up to a power of two, so the load factor stays at or
 * below one.
 */
#include "name_table.h"
#include "../lib/new.h"
#include "../mm/kmalloc.h"

Result<void> NameTable::init(u32 capacity, u32 want_buckets)
{
    if (want_buckets == 0)
        want_buckets = capacity;
    u32 buckets = 1;
    while (buckets < want_buckets)
        buckets <<= 1;
    m_buckets = static_cast<ListNode*>(kmalloc(sizeof(ListNode) * buckets));
    if (!m_buckets)
        return Error(ERR_NOMEM);
    for (u32 i = 0; i < buckets; i++)
        new (&m_buckets[i]) ListNode();
    m_bucket_count = buckets;
    m_capacity = capacity;
    m_size = 0;
    return {};
}

void NameTable::release()
{
    kfree(m_buckets);
    m_buckets = nullptr;
    m_bucket_count = m_size = m_capacity = 0;
}

u64 NameTable::hash_name(StringView name)
{
    u64 h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < name.length(); i++) {
        h ^= u8(name[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

void NameTable::name_entry(NameEntry* entry, StringView name)
{
    StringView kept(name.data(), min(name.length(), size_t(SHM_NAME_MAX)));
    name_entry(entry, kept, hash_name(kept));
}

void NameTable::name_entry(NameEntry* entry, StringView name, u64 hash)
{
    entry->length = u32(name.length());
    memcpy(entry->name, name.data(), entry->length);
    entry->name[entry->length] = 0;
    entry->hash = hash;
}

NameEntry* NameTable::find(StringView name) const { return find(name, hash_name(name)); }

NameEntry* NameTable::find(StringView name, u64 h) const
{
    if (!m_buckets)
        return nullptr;
    const ListNode& head = m_buckets[h & (m_bucket_count - 1)];
    for (ListNode* n = head.next; n != &head; n = n->next) {
        NameEntry* e = container_of(n, NameEntry, link);
        if (e->hash == h && e->view() == name)
            return e;
    }
    return nullptr;
}

Result<void> NameTable::insert(NameEntry* entry)
{
    if (find(entry->view(), entry->hash))
        return Error(ERR_EXIST);
    if (m_size >= m_capacity)
        return Error(ERR_NOMEM);
    entry->link.insert_before(&m_buckets[entry->hash & (m_bucket_count - 1)]);
    m_size++;
    return {};
}

void NameTable::remove(NameEntry* entry)
{
    if (!entry->link.is_linked())
        return;
    entry->link.unlink();
    m_size--;
}
