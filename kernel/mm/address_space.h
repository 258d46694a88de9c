/*
 * AddressSpace and MemRegion: a process's virtual memory.
 *
 * An AddressSpace is a page table plus an ordered list of MemRegions. A
 * region is a range [start, end) with protections, shared or private, and a
 * source for its pages:
 *   - a MemStore (shared views see the store's pages; private views copy
 *     them on first write),
 *   - a file extent (program segments: file bytes, then zeros),
 *   - nothing (anonymous memory: zero-filled pages).
 * Pages appear on first touch (demand paging); private pages are shared
 * copy-on-write after fork.
 *
 * User layout (Sv39, lower half):
 *   0x10000 ..            program segments, then the heap (sbrk)
 *   USER_MMAP_BASE ..     mmap and shared-memory views (kernel-chosen)
 *   .. USER_STACK_TOP     the stack, USER_STACK_SIZE, lazily grown, with an
 *                         unmapped guard gap below it
 * The heap may not grow into the mmap area, and the mmap area ends a guard
 * gap below the stack, so views never collide with heap growth or the stack.
 *
 * Locking: AddressSpace::lock (a sleep lock) serialises every change to the
 * region list and the page table, and page faults. It is taken before any
 * store's or shared region's spin lock. Every mutator asserts that the
 * caller holds it.
 */
#pragma once

#include "../../riscv/arch.h"
#include "../lib/atomic.h"
#include "../lib/list.h"
#include "../sync/sleeplock.h"
#include "access.h"
#include "mem_store.h"
#include "../uapi/mman.h"
#include "../uapi/shm.h"

class MemStore;
struct Inode;

// Panics: a function that needs `lock` was called without it.
[[noreturn]] void lock_rule_broken(const char* lock);

constexpr vaddr_t USER_BASE = 0x10000;
constexpr vaddr_t USER_MMAP_BASE = 0x1000000000;   // 64 GiB
constexpr vaddr_t USER_STACK_TOP = USER_VA_END - PAGE_SIZE;
constexpr u64 USER_STACK_SIZE = 1 << 20;           // 1 MiB
constexpr u64 USER_STACK_GUARD = 1 << 30;          // gap between views and the stack
constexpr vaddr_t USER_MMAP_END = USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD;
constexpr u32 HEAP_PROT = PROT_READ | PROT_WRITE;
constexpr int MAX_REGIONS_PER_PROCESS = SHM_MAX_VIEWS_PER_PROCESS; // every mapping counts
// A fault on a store's page also maps the store's resident pages among the
// aligned window of this many pages around it (fault.cc, map_around).
constexpr u32 FAULT_AROUND_PAGES = 16;

enum class RegionKind : u8 { Program, Heap, Stack, Anonymous, SharedView, FileView };

struct MemRegion {
    ListNode link; // in AddressSpace::m_regions, sorted by start
    vaddr_t start = 0;
    vaddr_t end = 0;
    u32 prot = 0; // PROT_READ | PROT_WRITE | PROT_EXEC
    u32 max_prot = PROT_READ | PROT_WRITE | PROT_EXEC; // what mprotect may grant
    bool shared = false;
    RegionKind kind = RegionKind::Anonymous;
    MemStore* store = nullptr; // referenced
    u64 store_offset = 0;      // bytes into the store of `start`
    Inode* file = nullptr;     // program segment source, referenced
    u64 file_offset = 0;       // file offset of `start`
    u64 file_bytes = 0;        // bytes of file content from `start`; zeros after
    ListNode store_link;       // on the store owner's list of views (guarded by its lock)
    ListNode file_link;        // on a file store's list of views, for write tracking (file_store.h)
    u64 mapping_id = 0;        // shared by the pieces of one mapping after splits
    struct AddressSpace* space = nullptr; // the address space this region belongs to

    u64 length() const { return end - start; }
    bool contains(vaddr_t va) const { return va >= start && va < end; }
    // A shared view of a store that tracks writes (a file): its pages are
    // mapped read-only until a write fault marks them dirty (mem_store.h).
    bool tracks_writes() const { return shared && store && store->tracks_writes(); }
};

struct AddressSpace {
    static Result<AddressSpace*> create();
    // Frees every region and page, then (once unpinned) the page table.
    static void destroy(AddressSpace* as);
    // Frees the page table and the object; the last put() calls it.
    void free_now();

    // A copy for fork(): private pages become copy-on-write, shared views
    // stay shared. Takes this space's lock.
    Result<AddressSpace*> fork_copy();

    // Resolves a fault at va (demand paging, copy-on-write). ERR_FAULT if
    // va is in no region or the access is not allowed, ERR_NOMEM if out of
    // memory. Takes the lock.
    Result<void> handle_fault(vaddr_t va, Access access);

    // Adds a region. With `fixed`, exactly at hint (ERR_NOMEM if anything is
    // there); otherwise the kernel picks a free range in the mmap area.
    // Caller holds the lock. The region takes over the store/file references.
    Result<MemRegion*> add_region(vaddr_t hint, u64 length, bool fixed, const MemRegion& shape);
    // Unmaps [start, start+length), splitting regions as needed. Caller holds the lock.
    Result<void> remove_range(vaddr_t start, u64 length);
    // Removes one whole region. Caller holds the lock.
    void remove_region(MemRegion* region);
    // Changes protections of [start, start+length); every page must be mapped.
    Result<void> protect_range(vaddr_t start, u64 length, u32 prot);
    MemRegion* find_region(vaddr_t va);
    bool range_is_free(vaddr_t start, u64 length);

    // sbrk: moves the break by delta; returns the old break. Only the heap
    // piece at the break grows or shrinks (see address_space.cc).
    Result<u64> change_break(i64 delta);

    // Writes kernel bytes into this (possibly inactive) space, faulting
    // pages in: used by exec to build the new stack.
    Result<void> write_bytes(vaddr_t va, const void* src, size_t n);

    PageTable& page_table() { return m_table; }
    paddr_t root() const { return m_table.root(); }
    SleepLock& lock() { return m_lock; }
    u64 resident_pages() const { return m_resident; }
    // The CPUs whose satp may hold this table (whose TLBs may cache its
    // entries), a bit per CPU number: for a store that changes the PTEs of
    // a space other than the caller's.
    u64 loaded_cpu_mask() const { return m_loaded_on.load(); }
    int region_count() const { return m_region_count; }

    // Iteration over regions (caller holds the lock).
    MemRegion* first_region() { return m_regions.front(); }
    MemRegion* next_region(MemRegion* r) { return m_regions.next(r); }

    vaddr_t heap_start = 0;
    u64 brk = 0;
    struct Proc* owner = nullptr; // the process running in this space

    // Users other than the owner (introspection) pin the space with get/put;
    // the last put after destroy() frees it.
    void get() { m_users.fetch_add(1); }
    void put();

    // Loads this space into satp on the calling hart (or the kernel's table
    // for nullptr), keeping track of which harts hold which table so that a
    // table is never freed while some hart's satp still points at it.
    static void activate(AddressSpace* as, bool flush_even_if_loaded);

private:
    AddressSpace() : m_lock("address_space") {}
    // Inline: the fault path asserts it on every fault.
    void assert_locked() const
    {
        if (!m_lock.is_held_by_current())
            lock_rule_broken(m_lock.name());
    }
    Result<void> fault_locked(vaddr_t va, Access access);
    Result<void> map_new_page(MemRegion* r, vaddr_t page, Access access, LeafTable leaf);
    void map_around(MemRegion* r, vaddr_t page, LeafTable leaf);
    Result<void> break_cow(MemRegion* r, vaddr_t page, paddr_t old);
    void unmap_pages(vaddr_t start, vaddr_t end);
    Result<MemRegion*> split(MemRegion* r, vaddr_t at);
    // Splits the regions that straddle start or end, so that every region
    // is wholly inside [start, end) or wholly outside it.
    Result<void> split_at_edges(vaddr_t start, vaddr_t end);
    Result<void> grow_heap(vaddr_t old_end, vaddr_t new_end);
    Result<void> shrink_heap(vaddr_t new_end, vaddr_t old_end);
    // Puts r on the list and tells its store of the new view.
    void attach(MemRegion* r);
    void insert_sorted(MemRegion* r);
    Result<vaddr_t> find_free(u64 length);
    void release_region(MemRegion* r);

    SleepLock m_lock;
    PageTable m_table;
    IntrusiveList<MemRegion, &MemRegion::link> m_regions;
    int m_region_count = 0;
    u64 m_resident = 0;
    MemRegion* m_last_hit = nullptr;
    u64 m_next_mapping_id = 1;
    Atomic<u64> m_loaded_on{0}; // bit per CPU whose satp holds this table
    Atomic<u32> m_users{1};     // the owner's reference plus pins
};

// The PTE permissions that protections give (inline: every fault asks).
inline u32 prot_to_perms(u32 prot)
{
    // PROT_NONE keeps its pages (their contents must survive a later
    // mprotect) in PTEs the user cannot use: supervisor-only, read-only.
    if (prot == PROT_NONE)
        return PERM_READ;
    u32 perms = PERM_USER;
    if (prot & PROT_READ)
        perms |= PERM_READ;
    // Sv39 has no write-only page (W without R is a reserved encoding that
    // faults on every access, so the fault handler would map the page again
    // and again): write permission brings read with it, as on Linux.
    if (prot & PROT_WRITE)
        perms |= PERM_WRITE | PERM_READ;
    if (prot & PROT_EXEC)
        perms |= PERM_EXEC;
    return perms;
}

// A pin (AddressSpace::get) held for as long as the holder lives: a space
// that introspection reads stays valid should its process exit meanwhile.
class [[nodiscard]] SpacePin {
public:
    explicit SpacePin(AddressSpace* pinned) : m_space(pinned) {}
    ~SpacePin()
    {
        if (m_space)
            m_space->put();
    }
    SpacePin(SpacePin&& other) : m_space(other.m_space) { other.m_space = nullptr; }
    SpacePin(const SpacePin&) = delete;
    SpacePin& operator=(const SpacePin&) = delete;
    AddressSpace* operator->() const { return m_space; }
    explicit operator bool() const { return m_space != nullptr; }

private:
    AddressSpace* m_space;
};
