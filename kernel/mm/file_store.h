/*
 * FileStore: the page cache of one regular file, the MemStore behind every
 * mapping of it (mmap of its descriptor, named regions backed by it), and
 * what read() and write() see of the pages it holds. See docs/mmap.md.
 *
 * Pages are read from the file's blocks on first touch (holes read as
 * zeros, so do the bytes past the end in the last page). Pages wholly past
 * the end of the file are refused (get_page: ERR_INVAL), so a view may
 * reach past the end but touching that part kills the toucher.
 *
 * Coherence with read() and write() (kernel/fs/inode_data.cc): a resident
 * page is the newest copy of its bytes, so inode_read takes them from it;
 * inode_write writes the disk as always and copies the same bytes into the
 * resident page. The disk lags behind only where a mapping wrote: those
 * pages are dirty until written back.
 *
 * Dirty tracking: shared views map a page read-only until the first write
 * fault, which marks it dirty and makes the PTE writable (begin_write/
 * end_write, mem_store.h). Write-back, under the store's lock, clears the
 * dirty bit and revokes write access in every view (the reverse map is the
 * views' file_link list: their page tables, then a TLB shootdown of the
 * CPUs running those spaces), and only then copies the page to the disk.
 * A store after that faults and dirties the page again: nothing is missed,
 * and only pages written since their last write-back are written.
 *
 * Write-back happens on msync, when a writable shared view goes (munmap,
 * exit, exec, destroyMapping), and when a descriptor of the file is closed,
 * through the log, a few pages per transaction.
 *
 * Lifetime: the Inode owns its store (Inode::cache holds one reference);
 * every view holds another, and an inode reference, so a mapped file stays
 * (even unlinked) and its store stays with it. The store is dropped with the
 * inode's last reference.
 *
 * Locks: m_lock (rank FileStore) guards the page index, the dirty bits,
 * the size and the view list; under it only the page allocator, kmalloc
 * and PTE updates happen. Filling a page takes the inode's sleep lock;
 * write-back takes begin_op, then the inode's lock; neither holds m_lock
 * while sleeping. Order: AddressSpace::lock -> begin_op -> inode -> m_lock.
 */
#pragma once

#include "../fs/iocopy.h"
#include "../lib/list.h"
#include "page_alloc.h"
#include "../sync/spinlock.h"
#include "address_space.h"
#include "mem_store.h"
#include "page_index.h"

struct Inode;

// Called when memory runs out (page_alloc.h's reclaimer, installed at
// boot): evicts clean, unmapped file-cache pages; returns how many it freed.
u64 file_cache_reclaim(u64 want);

class FileStore final : public MemStore {
public:
    // The store of the regular file ip, made on first use, with a reference
    // for the caller. The caller holds ip's lock.
    static Result<FileStore*> get(Inode* ip);

    Result<paddr_t> get_page(u64 index) override;
    u64 get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages) override;
    // Pages holding file data (the size rounded up to pages).
    u64 page_count() const override;

    void on_view_added(AddressSpace* as, MemRegion* view) override;
    void on_view_removed(AddressSpace* as, MemRegion* view) override;

    Result<PageWriteGuard> begin_write(u64 index) override;
    Result<void> write_back(u64 first, u64 end) override;
    u64 dirty_pages(u64 first, u64 end) override;
    bool with_dirty_state(u64 index, DirtyCheck check, void* context) override;

    // Writes back every dirty page.
    Result<void> write_back_all() { return write_back(0, ~u64(0)); }
    u64 resident_pages() const override { return m_resident.load(MemoryOrder::Relaxed); }
    // The file (valid while a view or a reference to the inode exists).
    Inode* inode() const { return m_inode; }

    // ---- for the file system (inode.h), with the inode locked ----------
    Result<bool> read_cached(u64 pos, Space space, u64 dst, size_t n);
    void copy_in(u64 pos, const void* src, size_t n);
    void zero_past(u64 old_size);
    void set_size(u64 size);
    Result<void> shrink(u64 size);
    void detach();

    // Frees up to `want` clean pages that nothing maps or holds (only the
    // cache does), lowest index first; returns how many.
    u64 evict_clean(u64 want);

    ListNode all_link; // on the list of every file store (reclaim; file_store.cc)

    FileStore(Inode* ip, u32 inum) : MemStore(Writes::Tracked), m_inode(ip), m_inum(inum) {}
    ~FileStore() override = default;

protected:
    void release() override;

private:
    void end_write() override;
    static constexpr u64 DIRTY = 1; // in a cache entry: physical address | DIRTY

    void assert_locked() const;
    u64* entry_locked(u64 index) const;
    // pa, with a reference for the caller, taken under m_lock so that
    // reclaim cannot evict the page meanwhile.
    paddr_t referenced_locked(paddr_t pa) const
    {
        assert_locked();
        page_get(pa);
        return pa;
    }
    paddr_t resident_page(u64 pos);
    bool still_cached(u64 index, paddr_t pa);
    Result<u64*> make_entry_locked(u64 index);
    Result<paddr_t> fill(u64 index);
    u64 revoke_writes_locked(u64 index, paddr_t pa);
    u64 pages_locked() const
    {
        assert_locked();
        return (m_size + PAGE_SIZE - 1) / PAGE_SIZE;
    }
    bool view_covers_locked(u64 first, u64 end);
    void free_from_locked(u64 first);

    Inode* m_inode;                // the owner; null once it let go
    u32 m_inum;                    // its number, for messages
    mutable Spinlock m_lock{"file_store", LockRank::FileStore};
    u64 m_size = 0;                // the file's size in bytes, as the cache knows it
    PageIndex m_index;             // page number -> physical address | DIRTY; grows with use
    Atomic<u64> m_resident{0};
    IntrusiveList<MemRegion, &MemRegion::file_link> m_views;
};
