/*
 * SharedRegion: a named shared-memory region, the kernel object behind both
 * the original interface (createSharedRegion & co.) and the handle
 * interface (shm_open & co.). See docs/shm.md.
 *
 * A region has a name, a size, a store (its page cache) and references:
 *   - one per view (mapping) in any process, private views included,
 *   - one per open handle (File),
 *   - the creator's (createSharedRegion), dropped when the creator
 *     destroys the region, unlinks it or exits,
 *   - the name's, for persistent regions, dropped by destroy/unlink,
 *   - transient ones held by system calls in progress.
 * The name is findable until destroy/unlink or until the last reference
 * goes; the memory lives until the last reference goes.
 *
 * Locks (lock_order.h), outermost first:
 *   the table lock (rank ShmTable): the name table is kept in parts, by
 *   the hash of the name, each with its own lock, shm_table_lock(name) or
 *   shm_table_lock(region). It guards that part's names and regions and,
 *   for each of them, `linked` and `name_ref`; a region's last reference
 *   is dropped under it (below).
 *   g_shm_creators_lock (rank ShmCreators) guards the creator links: each
 *   process's list of the regions it created (Proc::shm_created),
 *   creator_ref and creator.
 *   SharedRegion::state_lock (rank RegionState) guards one region's size,
 *   quota charge, views, handles and mappings in progress.
 *   SharedRegion::lock_guard (rank Region) guards the region lock's state.
 * The split is for speed on several harts: what a process does to a region
 * it already holds (ftruncate, mmap, munmap, close) takes only that
 * region's lock, and processes creating and unlinking names of their own
 * take the locks of different table parts (most of the time).
 * All four are spin locks: nothing here sleeps while holding them except
 * through WaitQueue::wait, which releases them.
 *
 * References are counted in an atomic (refs). Taking one needs either a
 * reference already held (a view's, a handle's, the caller's) or the table
 * lock of the region's part, under which every region in it is alive: the
 * last reference is dropped only under that lock, which retires the region
 * (takes it out of the table) in the same critical section. Dropping any
 * other reference is a lock-free decrement (shm_unref).
 *
 * Set at creation, before the region is in the table, and not changed
 * after: the name, store, file, persistent, the read-only flags,
 * creator_pid and had_creator_ref; anyone holding a reference may read
 * them.
 */
#pragma once

#include "../sync/wait_queue.h"
#include "name_table.h"
#include "region_store.h"

struct Proc;
struct AddressSpace;
struct MemRegion;
struct SharedRegion;

struct Inode;

struct SharedRegion {
    NameEntry entry;        // name and table link
    ListNode all_link;      // on its table part's list of live regions (its table lock)
    RegionStore* store = nullptr;
    Inode* file = nullptr;  // the backing file, referenced, or null (sys_shm_file.cc)

    // ---- set at creation ------------------------------------------------
    bool persistent = false;
    bool readonly_ceiling = false; // openers other than the creator get read-only
    bool readonly_file = false;    // over a file opened read-only: read-only for everyone
    int creator_pid = 0;
    bool had_creator_ref = false;  // made with one (the original interface)

    // ---- guarded by the table lock of its part ---------------------------
    bool name_ref = false;
    bool linked = false;    // the name is in the table

    // ---- guarded by g_shm_creators_lock ------------------------------------
    bool creator_ref = false;
    Proc* creator = nullptr;   // valid while creator_ref
    ListNode creator_link;     // on the creator's list of regions it holds

    // ---- atomic; the last one goes under the table lock (see the top) -----
    Atomic<u32> refs{0};

    // ---- guarded by state_lock ------------------------------------------
    Spinlock state_lock{"shm_region", LockRank::RegionState};
    u64 size = 0;           // bytes, a multiple of PAGE_SIZE
    u64 quota_bytes = 0;    // charged to the global quota (0 for file-backed regions)
    u32 views = 0;
    u32 handles = 0;
    ListNode views_list;       // MemRegion::store_link of every view
    u32 mappings_in_progress = 0; // createMapping/mmap calls between lookup and view
    WaitQueue views_gone;      // destroySharedRegion waits here for views == 0
                               // and mappings_in_progress == 0

    // ---- guarded by lock_guard: the region lock of the original interface
    Spinlock lock_guard{"region_lock", LockRank::Region};
    Proc* lock_owner = nullptr;
    int lock_owner_pid = 0;
    u32 lock_depth = 0;
    bool lock_abandoned = false; // the next owner gets ERR_ABANDONED
    WaitQueue lock_waiters;      // FIFO

    StringView name() const { return entry.view(); }
};

// The table lock of the part of the name table that holds `name`, or r's
// name (which never changes).
Spinlock& shm_table_lock(StringView name);
Spinlock& shm_table_lock(const SharedRegion* r);
extern Spinlock g_shm_creators_lock;

// Whether process `pid` may open or map r for writing: within the
// creator's ceiling, and never a region over a file opened read-only.
inline bool shm_may_write(const SharedRegion* r, int pid)
{
    return !r->readonly_file && (!r->readonly_ceiling || r->creator_pid == pid);
}

// One-time setup: the name table and the quota (a share of RAM).
void shm_init(u64 total_ram_pages);

// Takes a reference to a region found in the table (caller holds its table
// lock), or one more to a region the caller holds a reference to.
void shm_ref_locked(SharedRegion* r);
void shm_ref(SharedRegion* r);
// Drops a reference. It may be the last, which frees the region, so it must
// happen without the table lock held; RegionRef below does it for the caller.
void shm_unref(SharedRegion* r);

// A transient reference to a region, dropped when the holder goes. The
// drop may take the table lock, so a holder must go after any guard of it:
// declare it before the guard, and leaving the scope (a return included)
// releases the lock first, then the reference.
class [[nodiscard]] RegionRef {
public:
    RegionRef() = default;
    RegionRef(const RegionRef&) = delete;
    RegionRef& operator=(const RegionRef&) = delete;
    RegionRef(RegionRef&& other) : m_region(other.m_region) { other.m_region = nullptr; }
    RegionRef& operator=(RegionRef&& other)
    {
        if (this != &other) {
            reset();
            m_region = other.m_region;
            other.m_region = nullptr;
        }
        return *this;
    }
    ~RegionRef() { reset(); }

    // Holds a reference that `r` already carries for us.
    static RegionRef adopt(SharedRegion* r)
    {
        RegionRef ref;
        ref.m_region = r;
        return ref;
    }
    // Takes a new reference to r. Caller holds r's table lock.
    static RegionRef take_locked(SharedRegion* r)
    {
        shm_ref_locked(r);
        return adopt(r);
    }
    // Takes a new reference to r, which something the caller holds (a view,
    // a handle) already references.
    static RegionRef take(SharedRegion* r)
    {
        shm_ref(r);
        return adopt(r);
    }

    SharedRegion* get() const { return m_region; }
    SharedRegion* operator->() const { return m_region; }
    explicit operator bool() const { return m_region != nullptr; }
    // Drops the reference now (without the table lock held).
    void reset()
    {
        if (m_region)
            shm_unref(m_region);
        m_region = nullptr;
    }

private:
    SharedRegion* m_region = nullptr;
};

// The memory a new region of its own pages needs (the region and its
// store), allocated before the table lock is taken, so that lock is not
// held across the allocators: harts creating regions at once queued on it
// while one of them was in kmalloc.
// Whatever shm_create_locked does not use goes back when this does.
class ShmRegionMemory {
public:
    ShmRegionMemory() = default;
    ~ShmRegionMemory();
    ShmRegionMemory(const ShmRegionMemory&) = delete;
    ShmRegionMemory& operator=(const ShmRegionMemory&) = delete;

    // For a region of `size` bytes; does nothing (shm_create_locked will
    // allocate, or refuse the size) when out of memory or the size is too
    // large.
    void prepare(u64 size);
    // The region with its store, if made for `size` bytes; else nullptr.
    SharedRegion* take(u64 size);

private:
    u64 m_size = 0;
    SharedRegion* m_region = nullptr; // with its store
};

// Creates a region named `name` of `size` bytes and inserts it in the
// table. ERR_EXIST, ERR_NOMEM (table, quota or memory), ERR_INVAL (size).
// The new region comes with a transient reference for the caller.
struct ShmCreate {
    u64 size = 0;
    bool persistent = false;
    bool creator_ref = false;      // original interface: the creator keeps it alive
    bool readonly_ceiling = false;
    // A region backed by a file: its store and inode, whose references the
    // region takes over on success. Not charged to the quota.
    MemStore* backing = nullptr;
    Inode* file = nullptr;
    bool readonly_file = false;
    // A region of its own pages: its memory, made before the lock (optional).
    ShmRegionMemory* memory = nullptr;
};
// Caller holds shm_table_lock(name).
Result<RegionRef> shm_create_locked(StringView name, const ShmCreate& how);

// Looks up a live name; the region with a transient reference, or an empty
// holder. Caller holds shm_table_lock(name).
RegionRef shm_find_locked(StringView name);
// The same without a reference: valid only while the caller holds
// shm_table_lock(name).
SharedRegion* shm_lookup_locked(StringView name);

// Drops a reference with r's table lock held. Dropping the last retires the
// region (its name leaves the table) and sets *must_free; the caller then
// frees it with shm_free once it has released the lock.
void shm_unref_locked(SharedRegion* r, bool* must_free);
void shm_free(SharedRegion* r);

// A createMapping or mmap between finding the region and adding its view
// (mappings_in_progress, which ftruncate and destroySharedRegion respect).
// Caller holds r->state_lock to begin (and the table lock too, if it found r
// by name, so that a destroyer that unlinks the name after the lookup sees
// the mapping coming); end takes it.
void shm_begin_mapping_locked(SharedRegion* r);
void shm_end_mapping(SharedRegion* r);

// Removes the name from the table (if still there) and drops the name's
// and the creator's references. Caller holds r's table lock; true if that was
// the last reference (the caller held none), and the caller must then
// shm_free(r) once it has released the lock.
[[nodiscard]] bool shm_unlink_locked(SharedRegion* r);

// Handles (Files of kind SharedRegion). Opening takes the handle's own
// reference (the caller holds one already); the last close drops it.
void shm_handle_opened(SharedRegion* r);
void shm_handle_closed(SharedRegion* r);

// Visits every live region, named or unlinked, one table part at a time,
// holding that part's lock; stops when fn returns false.
void shm_for_each(bool (*fn)(SharedRegion*, void* context), void* context);

// Called at exit: drops the creator references `p` still holds.
void shm_process_exit(Proc* p);

// True if `as` has a view of r. Caller holds r->state_lock.
bool shm_space_has_view_locked(SharedRegion* r, AddressSpace* as);
// The region of the view containing addr in the current process, or nullptr.
SharedRegion* shm_region_of_view(AddressSpace* as, u64 addr);

// The region lock: see region_lock.cc.
Result<void> region_lock_acquire(SharedRegion* r);
Result<void> region_lock_release(SharedRegion* r);
// Releases the lock if `owner` holds it, marking it abandoned.
void region_lock_abandon(SharedRegion* r, Proc* owner);

// The shared-memory lines of meminfo (regions, quota).
struct meminfo;
void shm_fill_meminfo(struct meminfo* info);

// The quota: an atomic count, charged and released without a lock.
u64 shm_quota_used();
u64 shm_quota_total();
Result<void> shm_quota_charge(u64 bytes);
void shm_quota_release(u64 bytes);

// What the descriptor calls do with a region's handle (sys_shm_handle.cc):
// File::object is the region, holding the handle's reference.
struct FileOps;
extern const FileOps g_shm_file_ops;
// ftruncate of a file-backed region's handle (sys_shm_file.cc).
Result<void> shm_file_region_resize(SharedRegion* r, u64 size);
