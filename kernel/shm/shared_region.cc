/*
 * SharedRegion life cycle: creation, lookup, references, views, handles,
 * the creator's reference, and freeing. See shared_region.h for the rules.
 *
 * Freeing happens in two steps: under g_shm_lock the last reference
 * retires the region (its name leaves the table, its quota is returned);
 * then, without the lock, its store reference is dropped (freeing the
 * pages once no mapping holds them) and the object is freed.
 *
 * A reference that is not the last is dropped with a compare-and-swap
 * that never takes the count from one to zero; the one that would goes to
 * the locked path. So the count reaches zero only under g_shm_lock, and a
 * lookup under that lock never finds a region on its way out.
 */
#include "shared_region.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "../console/printk.h"
#include "../fs/fs_glue.h"
#include "../proc/proc.h"
#include "../uapi/proc.h"
#include "../fs/inode.h"

HotSpinlock g_shm_lock("shm_table", LockRank::ShmTable);

namespace {
NameTable g_names;
IntrusiveList<SharedRegion, &SharedRegion::all_link> g_all_regions;
u64 g_quota_total = 0;
Atomic<u64> g_quota_used{0};
u32 g_live_regions = 0; // guarded by g_shm_lock

SharedRegion* region_of(NameEntry* e) { return container_of(e, SharedRegion, entry); }
MemRegion* view_of(ListNode* n) { return container_of(n, MemRegion, store_link); }

// The last reference is gone: take the region out of every list.
void retire_locked(SharedRegion* r)
{
    kassert(g_shm_lock.is_held());
    if (r->linked) {
        g_names.remove(&r->entry);
        r->linked = false;
    }
    if (r->creator_link.is_linked())
        r->creator_link.unlink();
    shm_quota_release(r->quota_bytes); // nobody else holds r: no state_lock needed
    r->quota_bytes = 0;
    g_all_regions.remove(r);
    g_live_regions--;
}
} // namespace

void shm_init(u64 total_ram_pages)
{
    if (g_names.init(SHM_MAX_REGIONS).is_error())
        panic("shm: no memory for the name table");
    g_quota_total = page_round_down(total_ram_pages * PAGE_SIZE / 100 * SHM_QUOTA_PERCENT);
}

u64 shm_quota_used() { return g_quota_used.load(MemoryOrder::Relaxed); }

u64 shm_quota_total() { return g_quota_total; }

Result<void> shm_quota_charge(u64 bytes)
{
    u64 used = g_quota_used.load(MemoryOrder::Relaxed);
    do {
        if (bytes > g_quota_total - used)
            return Error(ERR_NOMEM);
    } while (!g_quota_used.compare_exchange(used, used + bytes, MemoryOrder::Relaxed));
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
    kassert(g_shm_lock.is_held());
    if (how.size > SHM_MAX_REGION_SIZE)
        return Error(ERR_INVAL);
    u64 size = page_round_up(how.size);
    if (name.length() > SHM_NAME_MAX)
        return Error(ERR_INVAL);
    u64 hash = NameTable::hash_name(name); // once: for the lookup, the entry and the insert
    if (g_names.find(name, hash))
        return Error(ERR_EXIST);
    // Unlinked regions still count: the limit is on live objects.
    if (g_live_regions >= SHM_MAX_REGIONS)
        return Error(ERR_NOMEM);
    // A file-backed region's pages are the file's page cache: not charged.
    u64 charge = how.backing ? 0 : size;
    TRY(shm_quota_charge(charge));
    SharedRegion* r = how.memory && !how.backing ? how.memory->take(size) : nullptr;
    if (!r)
        r = new_region(size, how.backing);
    if (!r) {
        shm_quota_release(charge);
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
        r->creator_ref = true;
        r->creator = me;
        refs++;
        r->creator_link.insert_before(&me->shm_created);
    }
    r->refs.store(refs, MemoryOrder::Relaxed); // published by the insert, under the lock
    MUST(g_names.insert(&r->entry)); // checked above: the name is free and the table has room
    r->linked = true;
    g_all_regions.push_back(r);
    g_live_regions++;
    return RegionRef::adopt(r); // the caller's transient reference, counted above
}

SharedRegion* shm_lookup_locked(StringView name)
{
    kassert(g_shm_lock.is_held());
    NameEntry* e = g_names.find(name);
    return e ? region_of(e) : nullptr;
}

RegionRef shm_find_locked(StringView name)
{
    SharedRegion* r = shm_lookup_locked(name);
    return r ? RegionRef::take_locked(r) : RegionRef();
}

void shm_ref_locked(SharedRegion* r)
{
    kassert(g_shm_lock.is_held());
    r->refs.fetch_add(1, MemoryOrder::Relaxed); // a region in the table has refs > 0
}

void shm_ref(SharedRegion* r)
{
    u32 before = r->refs.fetch_add(1, MemoryOrder::Relaxed);
    kassert(before > 0); // the caller's reference keeps r alive
}

void shm_unref_locked(SharedRegion* r, bool* must_free)
{
    kassert(g_shm_lock.is_held());
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
        SpinlockGuard guard(g_shm_lock);
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
    kassert(g_shm_lock.is_held());
    if (r->linked) {
        g_names.remove(&r->entry);
        r->linked = false;
    }
    bool must_free = false;
    if (r->name_ref) {
        r->name_ref = false;
        shm_unref_locked(r, &must_free);
    }
    if (r->creator_ref) {
        r->creator_ref = false;
        r->creator = nullptr;
        r->creator_link.unlink();
        shm_unref_locked(r, &must_free);
    }
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
    // Collect the regions first: dropping a reference may free a region,
    // which must happen outside g_shm_lock.
    for (;;) {
        SharedRegion* r = nullptr;
        bool must_free = false;
        {
            SpinlockGuard guard(g_shm_lock);
            if (!p->shm_created.is_linked())
                return;
            r = container_of(p->shm_created.next, SharedRegion, creator_link);
            r->creator_link.unlink();
            r->creator_ref = false;
            r->creator = nullptr;
            shm_unref_locked(r, &must_free);
        }
        if (must_free)
            shm_free(r);
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
    SpinlockGuard guard(g_shm_lock);
    info->shm_regions = g_live_regions;
    info->shm_quota_used = shm_quota_used();
    info->shm_quota_total = g_quota_total;
}

void shm_for_each_locked(bool (*fn)(SharedRegion*, void*), void* context)
{
    kassert(g_shm_lock.is_held());
    for (SharedRegion* r : g_all_regions)
        if (!fn(r, context))
            return;
}
