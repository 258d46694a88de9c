/*
 * MemStore: where the pages of a mapping come from when they are not a
 * process's private memory: the store of a named shared region, or (later)
 * a file. A store owns a page cache keyed by page index, so every view of
 * it in every process maps the same physical pages.
 *
 * The cache holds one reference on each of its pages; every PTE that maps
 * one holds another (page_get), so a page outlives the store while some
 * process still maps it, and the store can be torn down at any time.
 *
 * Stores are reference counted: each MemRegion that uses one holds a
 * reference. on_view_added/removed let the owner (a SharedRegion) count
 * views per process, which its lifetime rules depend on.
 *
 * Stores whose pages are written back somewhere (a file's store,
 * kernel/mm/file_store.h) track writes: their shared views map a page
 * read-only until its first write, and the fault handler then marks the
 * page dirty and makes it writable while it holds the PageWriteGuard that
 * begin_write returns, so that a write-back, which cleans pages and
 * revokes write access under the same lock, never misses a store. The
 * other stores ignore all of this.
 */
#pragma once

#include "../lib/atomic.h"
#include "../lib/result.h"

struct AddressSpace;
struct MemRegion;
class MemStore;

// A page of a write-tracked store marked dirty, with the store's lock held
// until the guard goes (MemStore::begin_write). Empty for a store that
// tracks nothing. It cannot be dropped by mistake, and no early return
// between the two halves can leave the lock held.
class [[nodiscard]] PageWriteGuard {
public:
    PageWriteGuard() = default;
    explicit PageWriteGuard(MemStore* locked_store) : m_store(locked_store) {}
    PageWriteGuard(PageWriteGuard&& other) : m_store(other.m_store) { other.m_store = nullptr; }
    PageWriteGuard& operator=(PageWriteGuard&& other);
    PageWriteGuard(const PageWriteGuard&) = delete;
    PageWriteGuard& operator=(const PageWriteGuard&) = delete;
    ~PageWriteGuard();

private:
    MemStore* m_store = nullptr;
};

class MemStore {
public:
    virtual ~MemStore() = default;

    // The page at `index`, allocated and zero-filled on a miss, with a
    // reference for the caller (taken under the store's lock, so that a
    // file cache cannot evict the page meanwhile): the caller hands it to a
    // PTE or puts it. The store keeps its own reference.
    // ERR_RANGE if index is beyond the store's size.
    virtual Result<paddr_t> get_page(u64 index) = 0;
    // Fault-around (kernel/mm/fault.cc): for each bit i of `want` (count
    // <= 64), page first + i if it is in memory already, with a reference
    // for the caller taken as get_page takes it, in pages[i]. Never
    // allocates, reads or sleeps: a page that is not resident, or past the
    // store's end, is simply left out. Returns the bits it filled. A store
    // that cannot answer cheaply fills none.
    virtual u64 get_resident_pages(u64 first, u32 count, u64 want, paddr_t* pages) { return 0; }
    // The store whose pages these really are: a store that forwards to
    // another (a file-backed named region) answers with that one, so that
    // futexes on the same page meet through either.
    virtual const MemStore* identity() const { return this; }
    // Current size in pages, and how many of them are in memory.
    virtual u64 page_count() const = 0;
    virtual u64 resident_pages() const = 0;

    // A region of `as` started (or stopped) viewing this store. Called with
    // the address space's lock held.
    virtual void on_view_added(AddressSpace* as, MemRegion* region) {}
    virtual void on_view_removed(AddressSpace* as, MemRegion* region) {}

    // ---- write tracking (see the top of the file) ----------------------
    // Fixed for the store's life, so a field: every fault asks.
    bool tracks_writes() const { return m_tracks_writes; }
    // Marks page `index` dirty and returns holding the store's lock, under
    // which the caller makes its PTE writable; the guard releases it.
    // ERR_INVAL if the page is no longer part of the store.
    virtual Result<PageWriteGuard> begin_write(u64 index) { return PageWriteGuard(); }
    // Marks page `index` dirty again (after a store the kernel made into it
    // through a page it had pinned: the futex hand-over).
    Result<void> mark_dirty(u64 index)
    {
        TRY(begin_write(index)); // the guard lets go at once
        return {};
    }
    // Writes the dirty pages among [first, end) back (may sleep; the caller
    // holds no spin lock).
    virtual Result<void> write_back(u64 first, u64 end) { return {}; }
    // Dirty pages among [first, end), for introspection.
    virtual u64 dirty_pages(u64 first, u64 end) { return 0; }
    // For the invariant checker (vm_check.cc): calls check(dirty, context)
    // with the store's lock held, where `dirty` says whether page `index`
    // is dirty, so that no write-back (which cleans a page and revokes
    // write access under that lock) runs between looking at the page and
    // at a PTE of it. A store that tracks no writes passes true.
    using DirtyCheck = bool (*)(bool dirty, void* context);
    virtual bool with_dirty_state(u64 index, DirtyCheck check, void* context) { return check(true, context); }

    void ref() { m_refs.fetch_add(1, MemoryOrder::Relaxed); }
    // Drops a reference; the last one destroys the store.
    void unref()
    {
        if (m_refs.fetch_sub(1, MemoryOrder::AcqRel) == 1)
            release();
    }

protected:
    enum class Writes : u8 { Untracked, Tracked };
    explicit MemStore(Writes writes = Writes::Untracked) : m_tracks_writes(writes == Writes::Tracked) {}
    // Frees the store (its page cache and itself). Called once.
    virtual void release() = 0;

private:
    friend class PageWriteGuard;
    // The end of begin_write: releases the store's lock.
    virtual void end_write() {}

    Atomic<u32> m_refs{1};
    bool m_tracks_writes;
};

inline PageWriteGuard::~PageWriteGuard()
{
    if (m_store)
        m_store->end_write();
}

inline PageWriteGuard& PageWriteGuard::operator=(PageWriteGuard&& other)
{
    if (this != &other) {
        if (m_store)
            m_store->end_write();
        m_store = other.m_store;
        other.m_store = nullptr;
    }
    return *this;
}
