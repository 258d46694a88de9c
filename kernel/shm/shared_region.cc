/*
 * SharedRegion life cycle: creation, lookup, references, views, handles,
 * the creator's reference, and freeing. See shared_region.h for the rules.
 *
 * Freeing happens in two steps: under its table part's lock the last
 * reference retires the region (its name leaves the table, its quota is
 * returned); then, without the lock, its store reference is dropped
 * (freeing the pages once no mapping holds them) and the object is freed.
 *
 * A reference that is not the last is dropped with a compare-and-swap
 * that never takes the count from one to zero; the one that would goes to
 * the locked path. So the count reaches zero only under the table part's
 * lock, and a lookup under that lock never finds a region on its way out.
 */
#include "shared_region.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "../console/printk.h"
#include "../fs/fs_glue.h"
#include "../proc/proc.h"
#include "../uapi/proc.h"
#include "../fs/inode.h"

Spinlock g_shm_creators_lock("shm_creators", LockRank::ShmCreators);

namespace {
// The name table in parts, each under a lock of its own: processes working
// on names that hash to different parts do not share a lock or a line.
// A part is picked by bits of the name's hash that its buckets do not use.
constexpr u32 TABLE_PARTS = 16;
constexpr u32 PART_SHIFT = 48;
static_assert((TABLE_PARTS & (TABLE_PARTS - 1)) == 0 && SHM_MAX_REGIONS % TABLE_PARTS == 0);

struct TablePart {
    HotSpinlock lock{"shm_table", LockRank::ShmTable};
    NameTable names;
    IntrusiveList<SharedRegion, &SharedRegion::all_link> regions; // named or unlinked, until retired
};
TablePart g_parts[TABLE_PARTS];

u64 g_quota_total = 0;
Atomic<u64> g_quota_used{0};
Atomic<u32> g_live_regions{0};

// Adds `amount` to `count` unless that would take it past `limit`: the
// live-region count and the quota, kept without a lock.
template <typename T> bool add_within_limit(Atomic<T>& count, T amount, T limit)
{
    T now = count.load(MemoryOrder::Relaxed);
    do {
        if (amount > limit - now)
            return false;
    } while (!count.compare_exchange(now, now + amount, MemoryOrder::Relaxed));
    return true;
}

// Counts a new live region unless there are SHM_MAX_REGIONS already.
bool reserve_live_region() { return add_within_limit<u32>(g_live_regions, 1, SHM_MAX_REGIONS); }
void release_live_region() { g_live_regions.fetch_sub(1, MemoryOrder::Relaxed); }

TablePart& part_for(u64 hash) { return g_parts[(hash >> PART_SHIFT) & (TABLE_PARTS - 1)]; }
TablePart& part_of(const SharedRegion* r) { return part_for(r->entry.hash); }

SharedRegion* region_of(NameEntry* e) { return container_of(e, SharedRegion, entry); }
MemRegion* view_of(ListNode* n) { return container_of(n, MemRegion, store_link); }

// The last reference is gone: take the region out of its table part.
void retire_locked(SharedRegion* r)
{
    TablePart& part = part_of(r);
    kassert(part.lock.is_held());
    if (r->linked) {
        part.names.remove(&r->entry);
        r->linked = false;
    }
    kassert(!r->creator_link.is_linked()); // the creator's link is a reference
    shm_quota_release(r->quota_bytes); // nobody else holds r: no state_lock needed
    r->quota_bytes = 0;
    part.regions.remove(r);
    release_live_region();
}
} // namespace

Spinlock& shm_table_lock(StringView name) { return part_for(NameTable::hash_name(name)).lock; }

Spinlock& shm_table_lock(const SharedRegion* r) { return part_of(r).lock; }

void shm_init(u64 total_ram_pages)
{
    // Each part can hold every name (the limit is on the whole table, in
    // g_live_regions); the buckets are shared out, for the usual load.
    for (TablePart& part : g_parts)
        if (part.names.init(SHM_MAX_REGIONS, SHM_MAX_REGIONS / TABLE_PARTS).is_error())
            panic("shm: no memory for the name table");
    g_quota_total = page_round_down(total_ram_pages * PAGE_SIZE / 100 * SHM_QUOTA_PERCENT);
}

u64 shm_quota_used() { return g_quota_used.load(MemoryOrder::Relaxed); }

u64 shm_quota_total() { return g_quota_total; }

Result<void> shm_quota_charge(u64 bytes)
{
    if (bytes == 0)
        return {}; // a region made empty, sized by ftruncate later: no shared write
    if (!add_within_limit(g_quota_used, bytes, g_quota_total))
        return Error(ERR_NOMEM);
    return {};
}

void shm_quota_release(u64 bytes)
{
    if (bytes)
        g_quota_used.fetch_sub(bytes, MemoryOrder::Relaxed);
}

namespace {
// A region object with its store, for `size` bytes (a page multiple) over
// `backing` or pages of its own; nullptr when out of memory (the caller
// then still owns `backing`).
SharedRegion* new_region(u64 size, MemStore* backing)
{
    auto* r = make<SharedRegion>();
    if (!r)
        return nullptr;
    auto store = RegionStore::create(r, size / PAGE_SIZE, SHM_MAX_REGION_SIZE / PAGE_SIZE, backing);
    if (store.is_error()) {
        ::destroy(r);
        return nullptr;
    }
    r->store = store.value();
    return r;
}
} // namespace

void ShmRegionMemory::prepare(u64 size)
{
    if (size > SHM_MAX_REGION_SIZE || m_region)
        return;
    m_size = page_round_up(size);
    m_region = new_region(m_size, nullptr);
}

SharedRegion* ShmRegionMemory::take(u64 size)
{
    if (m_size != size)
        return nullptr;
    SharedRegion* r = m_region;
    m_region = nullptr;
    return r;
}

ShmRegionMemory::~ShmRegionMemory()
{
    if (!m_region)
        return;
    m_region->store->region = nullptr;
    m_region->store->unref();
    ::destroy(m_region);
}

Result<RegionRef> shm_create_locked(StringView name, const ShmCreate& how)
{
    if (how.size > SHM_MAX_REGION_SIZE)
        return Error(ERR_INVAL);
    u64 size = page_round_up(how.size);
    if (name.length() > SHM_NAME_MAX)
        return Error(ERR_INVAL);
    u64 hash = NameTable::hash_name(name); // once: for the part, the lookup, the entry and the insert
    TablePart& part = part_for(hash);
    kassert(part.lock.is_held());
    if (part.names.find(name, hash))
        return Error(ERR_EXIST);
    // Unlinked regions still count: the limit is on live objects.
    if (!reserve_live_region())
        return Error(ERR_NOMEM);
    // A file-backed region's pages are the file's page cache: not charged.
    u64 charge = how.backing ? 0 : size;
    if (auto charged = shm_quota_charge(charge); charged.is_error()) {
        release_live_region();
        return charged.error();
    }
    SharedRegion* r = how.memory && !how.backing ? how.memory->take(size) : nullptr;
    if (!r)
        r = new_region(size, how.backing);
    if (!r) {
        shm_quota_release(charge);
        release_live_region();
        return Error(ERR_NOMEM);
    }
    r->file = how.file;
    NameTable::name_entry(&r->entry, name, hash);
    r->size = size;
    r->quota_bytes = charge;
    r->persistent = how.persistent;
    r->readonly_ceiling = how.readonly_ceiling;
    r->readonly_file = how.readonly_file;
    r->name_ref = how.persistent;
    u32 refs = 1 + (how.persistent ? 1 : 0); // the caller's transient one, the name's
    Proc* me = current_proc();
    r->creator_pid = me ? me->pid : 0;
    if (how.creator_ref && me) {
        SpinlockGuard creators(g_shm_creators_lock);
        r->had_creator_ref = true;
        r->creator_ref = true;
        r->creator = me;
        refs++;
        r->creator_link.insert_before(&me->shm_created);
    }
    r->refs.store(refs, MemoryOrder::Relaxed); // published by the insert, under the lock
    MUST(part.names.insert(&r->entry)); // checked above: the name is free and the part can hold every name
    r->linked = true;
    part.regions.push_back(r);
    return RegionRef::adopt(r); // the caller's transient reference, counted above
}

SharedRegion* shm_lookup_locked(StringView name)
{
    u64 hash = NameTable::hash_name(name);
    TablePart& part = part_for(hash);
    kassert(part.lock.is_held());
    NameEntry* e = part.names.find(name, hash);
    return e ? region_of(e) : nullptr;
}

RegionRef shm_find_locked(StringView name)
{
    SharedRegion* r = shm_lookup_locked(name);
    return r ? RegionRef::take_locked(r) : RegionRef();
}

void shm_ref_locked(SharedRegion* r)
{
    kassert(part_of(r).lock.is_held());
    r->refs.fetch_add(1, MemoryOrder::Relaxed); // a region in the table has refs > 0
}

void shm_ref(SharedRegion* r)
{
    u32 before = r->refs.fetch_add(1, MemoryOrder::Relaxed);
    kassert(before > 0); // the caller's reference keeps r alive
}

void shm_unref_locked(SharedRegion* r, bool* must_free)
{
    kassert(part_of(r).lock.is_held());
    if (r->refs.fetch_sub(1, MemoryOrder::AcqRel) == 1) {
        retire_locked(r);
        *must_free = true;
    }
}

void shm_free(SharedRegion* r)
{
    r->store->region = nullptr;
    r->store->unref();
    if (r->file) {
        if (!r->readonly_file)
            inode_put_write_access(r->file); // taken by shm_open_file
        fs_inode_put(r->file); // may free an unlinked file: an operation
    }
    ::destroy(r);
}

void shm_unref(SharedRegion* r)
{
    // Not the last reference: a decrement, no lock. Release ordering, so
    // that what this holder did to the region happens before its freeing.
    u32 refs = r->refs.load(MemoryOrder::Relaxed);
    while (refs > 1)
        if (r->refs.compare_exchange(refs, refs - 1, MemoryOrder::Release))
            return;
    bool must_free = false;
    {
        SpinlockGuard guard(part_of(r).lock);
        shm_unref_locked(r, &must_free);
    }
    if (must_free)
        shm_free(r);
}

void shm_begin_mapping_locked(SharedRegion* r)
{
    kassert(r->state_lock.is_held());
    r->mappings_in_progress++;
}

void shm_end_mapping(SharedRegion* r)
{
    SpinlockGuard guard(r->state_lock);
    if (--r->mappings_in_progress == 0 && r->views == 0)
        r->views_gone.wake_all(); // a destroyer may be waiting for no view to come
}

bool shm_unlink_locked(SharedRegion* r)
{
    TablePart& part = part_of(r);
    kassert(part.lock.is_held());
    if (r->linked) {
        part.names.remove(&r->entry);
        r->linked = false;
    }
    bool must_free = false;
    if (r->name_ref) {
        r->name_ref = false;
        shm_unref_locked(r, &must_free);
    }
    bool took_creator_ref = false;
    if (r->had_creator_ref) { // else there is no creator link to look at
        SpinlockGuard creators(g_shm_creators_lock);
        if (r->creator_ref) {
            r->creator_ref = false;
            r->creator = nullptr;
            r->creator_link.unlink();
            took_creator_ref = true;
        }
    }
    if (took_creator_ref)
        shm_unref_locked(r, &must_free);
    return must_free;
}

void shm_handle_opened(SharedRegion* r)
{
    shm_ref(r);
    SpinlockGuard guard(r->state_lock);
    r->handles++;
}

void shm_handle_closed(SharedRegion* r)
{
    {
        SpinlockGuard guard(r->state_lock);
        r->handles--;
    }
    shm_unref(r);
}

// LAB(shm) begin: process_exit_keeps_creator_refs
void shm_process_exit(Proc* p)
{
    // One region at a time: take its creator reference off the list (it
    // is ours from then on), then drop it, which may free the region and
    // so must happen outside g_shm_creators_lock.
    for (;;) {
        SharedRegion* r = nullptr;
        {
            SpinlockGuard guard(g_shm_creators_lock);
            if (!p->shm_created.is_linked())
                return;
            r = container_of(p->shm_created.next, SharedRegion, creator_link);
            r->creator_link.unlink();
            r->creator_ref = false;
            r->creator = nullptr;
        }
        shm_unref(r);
    }
}
// LAB(shm) end

bool shm_space_has_view_locked(SharedRegion* r, AddressSpace* as)
{
    kassert(r->state_lock.is_held());
    for (ListNode* n = r->views_list.next; n != &r->views_list; n = n->next)
        if (view_of(n)->space == as)
            return true;
    return false;
}

SharedRegion* shm_region_of_view(AddressSpace* as, u64 addr)
{
    MemRegion* view = as->find_region(addr);
    if (!view || !view->store || view->kind != RegionKind::SharedView)
        return nullptr;
    return static_cast<RegionStore*>(view->store)->region;
}

void shm_fill_meminfo(struct meminfo* info)
{
    info->shm_regions = g_live_regions.load(MemoryOrder::Relaxed);
    info->shm_quota_used = shm_quota_used();
    info->shm_quota_total = g_quota_total;
}

namespace {
// One part's regions; false if fn stopped the walk. Caller holds the
// part's lock. Never inlined, so that a debugger can stop in it with the
// lock held (docs/debugging.md, tests/gdb_test.py).
[[gnu::noinline]] bool shm_for_each_locked(TablePart& part, bool (*fn)(SharedRegion*, void*), void* context)
{
    kassert(part.lock.is_held());
    for (SharedRegion* r : part.regions)
        if (!fn(r, context))
            return false;
    return true;
}
} // namespace

void shm_for_each(bool (*fn)(SharedRegion*, void*), void* context)
{
    for (TablePart& part : g_parts) {
        SpinlockGuard guard(part.lock);
        if (!shm_for_each_locked(part, fn, context))
            return;
    }
}
