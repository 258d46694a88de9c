/*
 * Page faults: demand paging and copy-on-write.
 *
 * A fault is legitimate when its address lies in a region whose
 * protections allow the access. Then:
 *   - no page yet: shared views map the store's page; private views of a
 *     store map the store's page read-only (a write copies it); program
 *     segments read their bytes from the file; anonymous memory gets a
 *     zero-filled page;
 *   - a write to a present read-only page of a writable private region is a
 *     copy-on-write: copy the page unless we hold its only reference;
 *   - shared views of a store that tracks writes (a file) map a page
 *     read-only until it is written: the write fault marks it dirty and
 *     makes it writable (mem_store.h), which is how write-back knows what
 *     to write.
 * A fault that maps a store's page also maps the neighbours that the store
 * already holds in memory (fault-around, map_around below), so that
 * touching a view page by page takes one fault per FAULT_AROUND_PAGES
 * pages, not one per page.
 * Anything else is the process's fault, reported as ERR_FAULT; running out
 * of memory is ERR_NOMEM. A store may refuse a page too (a file's page past
 * its end): ERR_RANGE, the process's fault as well. The caller decides
 * whom to kill.
 */
#include "../cpu/cpu.h"
#include "../fs/fs_glue.h"
#include "../lib/kstring.h"
#include "address_space.h"
#include "mem_store.h"
#include "page_alloc.h"
#include "phys.h"

namespace {
bool access_allowed(u32 prot, Access access)
{
    switch (access) {
    case Access::Read: return prot & (PROT_READ | PROT_WRITE);
    case Access::Write: return prot & PROT_WRITE;
    case Access::Execute: return prot & PROT_EXEC;
    }
    return false;
}

void flush_local(AddressSpace* as, vaddr_t va)
{
    InterruptsDisabled no_migration;
    if (this_cpu()->loaded_space == as)
        arch::flush_tlb_page(va);
}

u64 store_index(const MemRegion* r, vaddr_t page) { return (r->store_offset + (page - r->start)) / PAGE_SIZE; }

// The first write to a present page of a write-tracked view: mark the page
// dirty and make the PTE writable, atomically with respect to write-back.
Result<void> note_first_write(AddressSpace* as, MemRegion* r, vaddr_t page)
{
    {
        PageWriteGuard writing = TRY(r->store->begin_write(store_index(r, page)));
        as->page_table().protect_page(page, prot_to_perms(r->prot));
    }
    flush_local(as, page);
    return {};
}
} // namespace

Result<void> AddressSpace::handle_fault(vaddr_t va, Access access)
{
    SleepLockGuard guard(m_lock);
    return fault_locked(va, access);
}

Result<void> AddressSpace::fault_locked(vaddr_t va, Access access)
{
    assert_locked();
    MemRegion* r = find_region(va);
    if (!r || !access_allowed(r->prot, access))
        return Error(ERR_FAULT);
    vaddr_t page = page_round_down(va);
    // One walk for the whole fault: the entry is read, and then written
    // (with its neighbours'), through the leaf table found here.
    LeafTable leaf = m_table.leaf_table(page, PageTable::Walk::Find);
    paddr_t pa;
    u32 perms;
    if (!leaf || !leaf.lookup(page, &pa, &perms))
        return map_new_page(r, page, access, leaf);
    if (access == Access::Write && !(perms & PERM_WRITE)) {
        if (r->tracks_writes())
            return note_first_write(this, r, page);
        if (r->shared)
            return Error(ERR_FAULT); // cannot happen: shared PTEs carry the region's rights
        return break_cow(r, page, pa);
    }
    // Already mapped as needed: a stale TLB entry on this hart.
    flush_local(this, page);
    return {};
}

// The leaf table that will hold page's entry: `leaf` if the fault found
// one, else made now (only for the faulting page, never for a neighbour).
static LeafTable table_for(PageTable& table, LeafTable leaf, vaddr_t page)
{
    return leaf ? leaf : table.leaf_table(page, PageTable::Walk::Create);
}

Result<void> AddressSpace::map_new_page(MemRegion* r, vaddr_t page, Access access, LeafTable leaf)
{
    u32 perms = prot_to_perms(r->prot);
    u64 offset = page - r->start;
    paddr_t pa;
    if (r->store) {
        // The store's page, with a reference of ours: the PTE's, or held
        // while we copy it.
        paddr_t store_page = TRY(r->store->get_page(store_index(r, page)));
        bool tracked = r->tracks_writes();
        if (tracked && access == Access::Write) {
            // A first write: dirty and writable in one step.
            leaf = table_for(m_table, leaf, page);
            if (!leaf) {
                page_put(store_page);
                return Error(ERR_NOMEM);
            }
            {
                auto writing = r->store->begin_write(store_index(r, page));
                if (writing.is_error()) {
                    page_put(store_page);
                    return writing.error();
                }
                leaf.map(page, store_page, perms);
            }
            m_resident++;
            map_around(r, page, leaf);
            return {};
        }
        if (r->shared || access != Access::Write) {
            // Map the store's own page; a private view maps it read-only so
            // that its first write makes a copy, and so does a write-tracked
            // view, so that its first write marks the page dirty.
            if (!r->shared || tracked)
                perms &= ~PERM_WRITE;
            pa = store_page;
        } else {
            pa = alloc_page(PageUse::User);
            if (pa)
                memcpy(phys_to_virt(pa), phys_to_virt(store_page), PAGE_SIZE);
            page_put(store_page);
            if (!pa)
                return Error(ERR_NOMEM);
        }
    } else {
        pa = alloc_page_zeroed(PageUse::User);
        if (!pa)
            return Error(ERR_NOMEM);
        if (r->file && offset < r->file_bytes) {
            size_t n = size_t(min(PAGE_SIZE, r->file_bytes - offset));
            auto read = fs_read_inode(r->file, phys_to_virt(pa), r->file_offset + offset, n);
            if (read.is_error() || read.value() != n) {
                page_put(pa);
                return Error(ERR_FAULT); // the program file is shorter than its headers say
            }
        }
    }
    leaf = table_for(m_table, leaf, page);
    if (!leaf) {
        page_put(pa);
        return Error(ERR_NOMEM);
    }
    leaf.map(page, pa, perms);
    m_resident++;
    if (r->store)
        map_around(r, page, leaf);
    return {};
}

// Fault-around: maps the pages of the aligned FAULT_AROUND_PAGES window
// around `page` that lie in r, map nothing yet and are already in r's
// store, as a read fault on each would map them: a shared view of a store
// that tracks no writes with the region's rights; a write-tracked view
// read-only, so that a first write still marks the page dirty; a private
// view read-only, so that a write still copies. A store page costs nothing
// to map when it is resident, while each fault avoided saves a trap
// (which, under emulation, costs several system calls' worth) and the
// path to here; so a process touching a view page by page takes one fault
// per window. Pages not resident stay unmapped: fault-around never
// allocates a page or reads a file, and never a page table, since the
// window lies inside the leaf table of `page` (it is aligned and divides
// it), which is walked once for the whole window rather than once per
// page.
void AddressSpace::map_around(MemRegion* r, vaddr_t page, LeafTable leaf)
{
    static_assert(FAULT_AROUND_PAGES <= 64 && LEAF_TABLE_PAGES % FAULT_AROUND_PAGES == 0);
    constexpr u64 WINDOW = FAULT_AROUND_PAGES * PAGE_SIZE;
    vaddr_t first = max(page & ~(WINDOW - 1), r->start);
    vaddr_t end = min((page & ~(WINDOW - 1)) + WINDOW, r->end);
    u32 count = u32((end - first) / PAGE_SIZE);
    u64 want = leaf.empty_mask(first, count);
    if (!want)
        return;
    paddr_t pages[FAULT_AROUND_PAGES];
    u64 got = r->store->get_resident_pages(store_index(r, first), count, want, pages);
    if (!got)
        return;
    u32 perms = prot_to_perms(r->prot);
    if (!r->shared || r->tracks_writes())
        perms &= ~PERM_WRITE;
    leaf.map_pages(first, count, pages, got, perms);
    for (u64 left = got; left; left &= left - 1) // no popcount instruction to count on
        m_resident++;
    // No TLB flush, as for the faulting page: should a hart have cached an
    // entry as empty, its access faults again and finds the page mapped
    // (fault_locked's stale-TLB case), which flushes it.
}

// LAB(cow) begin: break_cow_always_copies
Result<void> AddressSpace::break_cow(MemRegion* r, vaddr_t page, paddr_t old)
{
    u32 perms = prot_to_perms(r->prot);
    if (page_refcount(old) == 1) {
        // Nobody else holds it any more: just make it writable.
        m_table.protect_page(page, perms);
    } else {
        paddr_t copy = alloc_page(PageUse::User);
        if (!copy)
            return Error(ERR_NOMEM);
        memcpy(phys_to_virt(copy), phys_to_virt(old), PAGE_SIZE);
        if (m_table.map_page(page, copy, perms).is_error()) {
            page_put(copy);
            return Error(ERR_NOMEM);
        }
        page_put(old);
    }
    flush_local(this, page);
    return {};
}
// LAB(cow) end

Result<void> AddressSpace::write_bytes(vaddr_t va, const void* src, size_t n)
{
    SleepLockGuard guard(m_lock);
    const u8* from = static_cast<const u8*>(src);
    while (n > 0) {
        vaddr_t page = page_round_down(va);
        paddr_t pa;
        u32 perms;
        if (!m_table.lookup(page, &pa, &perms) || !(perms & PERM_WRITE)) {
            TRY(fault_locked(va, Access::Write));
            if (!m_table.lookup(page, &pa, &perms))
                return Error(ERR_FAULT);
        }
        size_t chunk = min(n, size_t(page + PAGE_SIZE - va));
        memcpy(static_cast<u8*>(phys_to_virt(pa)) + (va - page), from, chunk);
        va += chunk;
        from += chunk;
        n -= chunk;
    }
    return {};
}
