// LAB(mmap) file: file_store_stub
/*
 * FileStore (see file_store.h): the page index, filling pages from the
 * file, dirty tracking with its reverse map and TLB shootdown, write-back,
 * and the hooks the file system calls (inode.h).
 *
 * The index is a growing PageIndex (page_index.h): an entry is the page's
 * physical address with DIRTY in bit 0, or 0 for a page not in memory.
 * Every access to it holds m_lock.
 */
#include "file_store.h"
#include "../cpu/cpu.h"
#include "../fs/inode.h"
#include "../fs/log.h"
#include "../lib/kstring.h"
#include "../console/printk.h"
#include "../fs/fs_glue.h"
#include "kmalloc.h"
#include "page_alloc.h"
#include "phys.h"

namespace {
// Makes sure no TLB still holds a PTE whose write permission was revoked:
// `cpus` has a bit per CPU number (AddressSpace::loaded_cpu_mask).
void shoot_down(u64 cpus)
{
    if (!cpus)
        return;
    {
        InterruptsDisabled no_migration;
        u64 me = u64(1) << this_cpu()->id;
        if (cpus & me)
            arch::flush_tlb_all();
        cpus &= ~me;
    }
    // Synchronous: when it returns, those harts have flushed, and any store
    // they made through the old entry is in the page.
    arch::flush_tlb_remote(cpus, 0, ~u64(0));
}

// Pages one write-back transaction may carry. Each page may need its data
// block and a second-level indirect block; the transaction may also change
// the single-indirect block, the double-indirect top, the free map and the
// inode.
u64 pages_per_transaction()
{
    u32 bitmap = min(fs_superblock().bitmap_blocks, FS_MAX_BITMAP_BLOCKS);
    u32 room = FS_MAX_OP_BLOCKS - 1 - 2 - bitmap;
    return max(u64(room / 2), u64(1));
}
} // namespace

// ---- every store, for reclaim ------------------------------------------------------
// Reclaim walks this list holding its lock, and takes each store's lock
// under it (rank FileCaches before FileStore); a store leaves the list
// first thing when released, so none is freed under the walk.

namespace {
Spinlock g_stores_lock("file_caches", LockRank::FileCaches);
IntrusiveList<FileStore, &FileStore::all_link> g_stores;
} // namespace

u64 file_cache_reclaim(u64 want)
{
    // Only where the caller holds no spin lock and could have slept: an
    // allocation under a store's lock (or in an interrupt) simply fails.
    if (!arch::irq_enabled() || this_cpu()->irq_off_depth != 0)
        return 0;
    // Evict a little more than asked, so that the next allocations find
    // pages too instead of each walking the caches again.
    want = max(want, u64(32));
    u64 freed = 0;
    SpinlockGuard guard(g_stores_lock);
    for (FileStore* s : g_stores) {
        if (freed >= want)
            break;
        freed += s->evict_clean(want - freed);
    }
    return freed;
}

u64 FileStore::evict_clean(u64 want)
{
    constexpr u64 BATCH = 64;
    paddr_t batch[BATCH];
    u64 n = 0;
    {
        SpinlockGuard guard(m_lock);
        for (u64 i = 0; i < m_index.end() && n < min(want, BATCH);) {
            u64* e = entry_locked(i);
            if (!e) {
                i = PageIndex::next_leaf(i);
                continue;
            }
            // Only the cache's own reference: no PTE maps the page and
            // nobody is copying it (they all take theirs under m_lock).
            // A clean page is what the disk holds.
            if (*e && !(*e & DIRTY) && page_refcount(*e) == 1) {
                batch[n++] = *e;
                *e = 0;
                m_resident.fetch_sub(1, MemoryOrder::Relaxed);
            }
            i++;
        }
    }
    for (u64 i = 0; i < n; i++)
        page_put(batch[i]);
    return n;
}

Result<FileStore*> FileStore::get(Inode* ip)
{
    if (!ip->cache) {
        FileStore* store = make<FileStore>(ip, ip->inum);
        if (!store)
            return Error(ERR_NOMEM);
        store->m_size = ip->size;
        ip->cache = store; // the inode's reference: the one the store is born with
        SpinlockGuard guard(g_stores_lock);
        g_stores.push_back(store);
    }
    ip->cache->ref();
    return ip->cache;
}

// ---- the index ------------------------------------------------------------

void FileStore::assert_locked() const { kassert(m_lock.is_held()); }

u64* FileStore::entry_locked(u64 index) const
{
    assert_locked();
    return m_index.find(index);
}

Result<u64*> FileStore::make_entry_locked(u64 index)
{
    assert_locked();
    return m_index.make(index);
}

void FileStore::free_from_locked(u64 first)
{
    assert_locked();
    m_index.remove_from(first, [this](u64 entry) {
        page_put(entry & ~DIRTY);
        m_resident.fetch_sub(1, MemoryOrder::Relaxed);
    });
}

u64 FileStore::page_count() const
{
    SpinlockGuard guard(m_lock);
    return pages_locked();
}

// ---- pages for faults ---------------------------------------------------------

Result<paddr_t> FileStore::get_page(u64 index)
{
    {
        SpinlockGuard guard(m_lock);
        if (!m_inode || index >= pages_locked())
            return Error(ERR_RANGE); // past the end of the file
        if (u64* e = entry_locked(index); e && *e)
            return referenced_locked(*e & ~DIRTY);
    }
    // A miss: read the page under the inode's lock, which also keeps
    // write() and size changes out until the page is in the index.
    Inode* ip = m_inode;
    inode_lock(ip);
    auto filled = fill(index);
    inode_unlock(ip);
    return filled;
}

u64 FileStore::get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages)
{
    // Under m_lock, as get_page's hits: reclaim evicts only pages whose
    // one reference is the cache's, so a page referenced here stays.
    SpinlockGuard guard(m_lock);
    if (!m_inode)
        return 0;
    u64 limit = pages_locked(); // pages wholly past the end are refused, as get_page refuses them
    u64 got = 0;
    for (u32 i = 0; i < count && first + i < limit; i++) {
        if (!(want & (u64(1) << i)))
            continue;
        u64* e = entry_locked(first + i);
        if (!e || !*e)
            continue;
        pages[i] = referenced_locked(*e & ~DIRTY);
        got |= u64(1) << i;
    }
    return got;
}

// Reads page `index` from the file into the cache. Caller holds the inode's lock.
Result<paddr_t> FileStore::fill(u64 index)
{
    {
        SpinlockGuard guard(m_lock);
        if (index >= pages_locked())
            return Error(ERR_RANGE);
        if (u64* e = entry_locked(index); e && *e)
            return referenced_locked(*e & ~DIRTY); // another fault filled it meanwhile
    }
    paddr_t pa = alloc_page(PageUse::FileCache);
    if (!pa)
        return Error(ERR_NOMEM);
    u8* data = static_cast<u8*>(phys_to_virt(pa));
    // Not resident, so inode_read goes to the disk; holes and the bytes past
    // the end of the file come back as zeros.
    auto n = inode_read(m_inode, Space::Kernel, u64(data), index * PAGE_SIZE, PAGE_SIZE);
    if (n.is_error()) {
        page_put(pa);
        return n.error();
    }
    memset(data + n.value(), 0, PAGE_SIZE - n.value());
    SpinlockGuard guard(m_lock);
    auto e = make_entry_locked(index);
    if (e.is_error()) {
        page_put(pa);
        return e.error();
    }
    *e.value() = pa;
    m_resident.fetch_add(1, MemoryOrder::Relaxed);
    return referenced_locked(pa);
}

// ---- views and dirty tracking -----------------------------------------------

namespace {
// A view through which the file's bytes can change holds write access to
// it, so that no program starts running from it meanwhile (inode.h).
bool view_writes_file(const MemRegion* view) { return view->shared && (view->max_prot & PROT_WRITE); }
} // namespace

void FileStore::on_view_added(AddressSpace*, MemRegion* view)
{
    {
        SpinlockGuard guard(m_lock);
        m_views.push_back(view);
    }
    inode_dup(m_inode); // the view keeps the file
    // Whatever made this view (a descriptor open for writing, a writable
    // file-backed region, the view it was split or forked from) holds
    // write access already, so this cannot fail.
    if (view_writes_file(view))
        MUST(inode_get_write_access(m_inode));
}

void FileStore::on_view_removed(AddressSpace*, MemRegion* view)
{
    {
        SpinlockGuard guard(m_lock);
        m_views.remove(view);
    }
    Inode* ip = m_inode;
    // Its pages are unmapped already. What it may have written goes to the
    // disk now (a read-only or private view wrote nothing here).
    if (view_writes_file(view)) {
        u64 first = view->store_offset / PAGE_SIZE;
        if (auto written = write_back(first, first + view->length() / PAGE_SIZE); written.is_error())
            kprintf("mmap: writing back inode %u failed (error %d); its pages stay dirty\n", ip->inum,
                    written.error_code());
    }
    if (view_writes_file(view))
        inode_put_write_access(ip);
    // Last: this may be the inode's last reference, which drops the inode's
    // store reference (the view's own keeps the store until release_region).
    fs_inode_put(ip);
}

Result<PageWriteGuard> FileStore::begin_write(u64 index)
{
    m_lock.lock();
    u64* e = entry_locked(index);
    if (!e || !*e || index >= pages_locked()) {
        m_lock.unlock();
        return Error(ERR_INVAL);
    }
    *e |= DIRTY;
    return PageWriteGuard(this); // end_write, when it goes, unlocks
}

void FileStore::end_write() { m_lock.unlock(); }

// Takes write permission away from every PTE that maps page `index` (at pa)
// writable, in any view of any process; returns the CPUs to flush. Caller
// holds m_lock, which keeps every listed view, its address space and its
// page table alive, and keeps write faults on this store waiting.
u64 FileStore::revoke_writes_locked(u64 index, paddr_t pa)
{
    assert_locked();
    u64 cpus = 0;
    u64 offset = index * PAGE_SIZE;
    for (MemRegion* v : m_views) {
        // Only shared views map the store's page writable (a private view's
        // writable pages are its own copies).
        if (!v->shared || offset < v->store_offset || offset - v->store_offset >= v->end - v->start)
            continue;
        vaddr_t va = v->start + (offset - v->store_offset);
        if (v->space->page_table().revoke_write(va, pa))
            cpus |= v->space->loaded_cpu_mask();
    }
    return cpus;
}

Result<void> FileStore::write_back(u64 first, u64 end)
{
    const u64 batch_max = pages_per_transaction();
    Result<void> result;
    u64 next = first;
    for (;;) {
        u64 indexes[FS_MAX_OP_BLOCKS];
        paddr_t pages[FS_MAX_OP_BLOCKS];
        u64 count = 0, cpus = 0;
        {
            SpinlockGuard guard(m_lock);
            u64 stop = min(end, pages_locked());
            while (next < stop && count < batch_max) {
                u64* e = entry_locked(next);
                if (!e) {
                    next = PageIndex::next_leaf(next); // an empty leaf
                    continue;
                }
                if (*e & DIRTY) {
                    // Clean from now on: a later store faults and dirties it again.
                    *e &= ~DIRTY;
                    paddr_t pa = *e;
                    cpus |= revoke_writes_locked(next, pa);
                    page_get(pa);
                    indexes[count] = next;
                    pages[count++] = pa;
                }
                next++;
            }
        }
        if (count == 0)
            return result;
        shoot_down(cpus);
        {
            FsTransaction op;
            inode_lock(m_inode);
            for (u64 i = 0; i < count; i++) {
                u64 offset = indexes[i] * PAGE_SIZE;
                if (offset >= m_inode->size || !still_cached(indexes[i], pages[i]))
                    continue; // cut by a shrink meanwhile (maybe grown again: zeros, not this page)
                size_t n = size_t(min(u64(PAGE_SIZE), m_inode->size - offset));
                auto written = inode_write_back(m_inode, phys_to_virt(pages[i]), offset, n);
                if (written.is_error() || written.value() != n) {
                    // Disk full (a hole needed a block): it stays dirty.
                    result = Error(written.is_error() ? written.error_code() : ERR_NOSPC);
                    SpinlockGuard guard(m_lock);
                    if (u64* e = entry_locked(indexes[i]); e && (*e & ~DIRTY) == pages[i])
                        *e |= DIRTY;
                }
            }
            inode_unlock(m_inode);
        }
        for (u64 i = 0; i < count; i++)
            page_put(pages[i]);
    }
}

bool FileStore::with_dirty_state(u64 index, DirtyCheck check, void* context)
{
    SpinlockGuard guard(m_lock);
    u64* e = entry_locked(index);
    return check(e && (*e & DIRTY), context);
}

// True if page `index` of the cache is still `pa`: a shrink (and a later
// grow) between a write-back's collection of a dirty page and its write
// must not bring the old bytes back. Caller holds the inode's lock, which
// keeps shrinks out from here to the write.
bool FileStore::still_cached(u64 index, paddr_t pa)
{
    SpinlockGuard guard(m_lock);
    u64* e = entry_locked(index);
    return e && (*e & ~DIRTY) == pa;
}

u64 FileStore::dirty_pages(u64 first, u64 end)
{
    SpinlockGuard guard(m_lock);
    u64 count = 0;
    for (u64 i = first; i < end && i < m_index.end();) {
        u64* e = entry_locked(i);
        if (!e) {
            i = PageIndex::next_leaf(i);
            continue;
        }
        count += (*e & DIRTY) ? 1 : 0;
        i++;
    }
    return count;
}

// ---- the file system's side (inode.h): the inode is locked ------------------------

// The resident page holding byte `pos`, with a reference (so that reclaim
// cannot take it while the caller copies), or 0.
paddr_t FileStore::resident_page(u64 pos)
{
    SpinlockGuard guard(m_lock);
    if (u64* e = entry_locked(pos / PAGE_SIZE); e && *e)
        return referenced_locked(*e & ~DIRTY);
    return 0;
}

Result<bool> FileStore::read_cached(u64 pos, Space space, u64 dst, size_t n)
{
    paddr_t pa = resident_page(pos);
    if (!pa)
        return false;
    auto copied = copy_out(space, dst, static_cast<u8*>(phys_to_virt(pa)) + pos % PAGE_SIZE, n);
    page_put(pa);
    TRY(copied);
    return true;
}

void FileStore::copy_in(u64 pos, const void* src, size_t n)
{
    if (paddr_t pa = resident_page(pos)) {
        memcpy(static_cast<u8*>(phys_to_virt(pa)) + pos % PAGE_SIZE, src, n);
        page_put(pa);
    }
}

void FileStore::zero_past(u64 old_size)
{
    if (old_size % PAGE_SIZE == 0)
        return;
    if (paddr_t pa = resident_page(old_size)) {
        memset(static_cast<u8*>(phys_to_virt(pa)) + old_size % PAGE_SIZE, 0, PAGE_SIZE - old_size % PAGE_SIZE);
        page_put(pa);
    }
}

void FileStore::set_size(u64 size)
{
    SpinlockGuard guard(m_lock);
    m_size = size;
}

bool FileStore::view_covers_locked(u64 first, u64 end)
{
    assert_locked();
    for (MemRegion* v : m_views) {
        u64 v_first = v->store_offset / PAGE_SIZE;
        u64 v_end = v_first + (v->end - v->start) / PAGE_SIZE;
        if (v_first < end && first < v_end)
            return true;
    }
    return false;
}

Result<void> FileStore::shrink(u64 size)
{
    SpinlockGuard guard(m_lock);
    u64 keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    // Pages a view could reach now and could not after: refused, so no
    // process ever maps a page that is no longer part of the file.
    if (keep < pages_locked() && view_covers_locked(keep, pages_locked()))
        return Error(ERR_BUSY);
    m_size = size;
    free_from_locked(keep);
    if (size % PAGE_SIZE) {
        if (u64* e = entry_locked(size / PAGE_SIZE); e && *e)
            memset(static_cast<u8*>(phys_to_virt(*e & ~DIRTY)) + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
    }
    return {};
}

void FileStore::detach()
{
    {
        SpinlockGuard guard(m_lock);
        m_inode = nullptr;
    }
    unref(); // the inode's reference
}

void FileStore::release()
{
    {
        SpinlockGuard guard(g_stores_lock);
        g_stores.remove(this);
    }
    // Nobody maps it and its inode let go: the dirty pages were written
    // back when the views went. What a failed write-back left is lost here.
    if (u64 dirty = dirty_pages(0, ~u64(0)))
        kprintf("mmap: inode %u: %lu dirty pages dropped (their write-back failed)\n", m_inum, dirty);
    {
        SpinlockGuard guard(m_lock); // nobody else can reach it: taken for the rule
        free_from_locked(0);
    }
    ::destroy(this); // the index frees its leaves and top array with it
}

// ---- inode.h's hooks ---------------------------------------------------------------

Result<bool> file_cache_read(FileStore* cache, u64 pos, Space space, u64 dst, size_t n)
{
    return cache->read_cached(pos, space, dst, n);
}

void file_cache_wrote(FileStore* cache, u64 pos, const void* src, size_t n) { cache->copy_in(pos, src, n); }

void file_cache_extend(FileStore* cache, u64 old_size) { cache->zero_past(old_size); }

void file_cache_resized(FileStore* cache, u64 size) { cache->set_size(size); }

Result<void> file_cache_shrink(FileStore* cache, u64 size) { return cache->shrink(size); }

void file_cache_drop(FileStore* cache) { cache->detach(); }

Result<void> file_cache_sync(Inode* ip)
{
    inode_lock(ip);
    FileStore* store = ip->cache;
    if (store)
        store->ref();
    inode_unlock(ip);
    if (!store)
        return {};
    auto synced = store->write_back_all();
    store->unref();
    return synced;
}
