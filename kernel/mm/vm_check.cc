/*
 * The address-space invariant checker (vm_check.h).
 *
 * Rules, checked in this order, with the space's lock held:
 *   1. regions are sorted, disjoint, page-aligned, non-empty and inside
 *      user space; each belongs to this space; the count is right; no
 *      region's protection exceeds its rights (max_prot: the view's and
 *      the handle's, which the region's ceiling already bounds);
 *   2. the heap is between its start and the break: every Heap region lies
 *      in [heap_start, page_round_up(brk));
 *   3. every valid user leaf PTE lies inside a region, and grants no more
 *      than that region's protection (prot_to_perms);
 *   4. in a shared view of a store that tracks writes (a file), a writable
 *      PTE names a dirty page (else write-back could miss a store);
 *   5. the resident count is the number of leaf PTEs, and every page's
 *      reference count is at least the number of PTEs of this space that
 *      name it (other processes, caches and pins hold the rest).
 *
 * It touches no user memory and sleeps on nothing but the space's lock,
 * so it may run at the end of any system call. It is slow (a walk of the
 * whole page table each time): for test runs only.
 */
#include "vm_check.h"
#include "../mm/kmalloc.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "address_space.h"
#include "mem_store.h"
#include "page_alloc.h"

namespace {

bool broken(VmViolation* v, const char* what, vaddr_t va, const MemRegion* r, u64 detail = 0)
{
    *v = VmViolation{what, va, r, detail};
    return false;
}

bool check_regions(AddressSpace* as, VmViolation* v)
{
    vaddr_t prev_end = 0;
    int count = 0;
    for (MemRegion* r = as->first_region(); r; r = as->next_region(r)) {
        count++;
        if (r->start >= r->end || !is_aligned(r->start, PAGE_SIZE) || !is_aligned(r->end, PAGE_SIZE))
            return broken(v, "region empty or not page-aligned", r->start, r, r->end);
        if (r->start < USER_BASE || r->end > USER_VA_END)
            return broken(v, "region outside user space", r->start, r, r->end);
        if (r->start < prev_end)
            return broken(v, "regions overlap or are out of order", r->start, r, prev_end);
        if (r->space != as)
            return broken(v, "region belongs to another address space", r->start, r);
        if (r->prot & ~r->max_prot)
            return broken(v, "region protection exceeds its rights", r->start, r, r->max_prot);
        if (r->kind == RegionKind::Heap && (r->start < as->heap_start || r->end > page_round_up(as->brk)))
            return broken(v, "heap region outside [heap start, break)", r->start, r, as->brk);
        prev_end = r->end;
    }
    if (count != as->region_count())
        return broken(v, "region count is wrong", 0, nullptr, u64(count));
    if (as->brk < as->heap_start)
        return broken(v, "break below the heap start", as->brk, nullptr, as->heap_start);
    return true;
}

struct LeafWalk {
    AddressSpace* as;
    MemRegion* region; // the first region not wholly below the last leaf
    VmViolation* violation;
    bool failed = false;
    u64 leaves = 0;
    paddr_t* pages = nullptr; // the pages the leaves name, if there was room
    u64 capacity = 0;
};

// The mapping as it is now, under the store's lock (a write-back may have
// revoked write access since the walk saw it).
struct TrackedMapping {
    const PageTable* table;
    vaddr_t va;
};

bool dirty_or_read_only(bool dirty, void* context)
{
    auto* m = static_cast<TrackedMapping*>(context);
    paddr_t pa;
    u32 perms;
    return dirty || !m->table->lookup(m->va, &pa, &perms) || !(perms & PERM_WRITE);
}

void check_mapping(const PageMapping& m, void* context)
{
    auto* w = static_cast<LeafWalk*>(context);
    if (w->failed)
        return;
    vaddr_t va = m.va;
    if (w->pages && w->leaves < w->capacity)
        w->pages[w->leaves] = m.pa;
    w->leaves++;
    while (w->region && w->region->end <= va)
        w->region = w->as->next_region(w->region);
    MemRegion* r = w->region;
    if (!r || !r->contains(va)) {
        w->failed = !broken(w->violation, "valid user PTE outside every region", va, r, m.pa);
        return;
    }
    if (m.perms & ~prot_to_perms(r->prot)) {
        w->failed = !broken(w->violation, "PTE grants more than its region", va, r, m.perms);
        return;
    }
    if ((m.perms & PERM_WRITE) && r->tracks_writes()) {
        u64 index = (r->store_offset + (va - r->start)) / PAGE_SIZE;
        TrackedMapping tracked{&w->as->page_table(), va};
        if (!r->store->with_dirty_state(index, dirty_or_read_only, &tracked))
            w->failed = !broken(w->violation, "writable PTE of a clean page in a write-tracked view", va, r, m.pa);
    }
}

// Heapsort: no recursion, no allocation, O(n log n) on any input.
void sort_pages(paddr_t* a, u64 n)
{
    auto sift = [a](u64 root, u64 end) {
        while (2 * root + 1 < end) {
            u64 child = 2 * root + 1;
            if (child + 1 < end && a[child] < a[child + 1])
                child++;
            if (a[root] >= a[child])
                return;
            swap(a[root], a[child]);
            root = child;
        }
    };
    for (u64 i = n / 2; i-- > 0;)
        sift(i, n);
    for (u64 end = n; end-- > 1;) {
        swap(a[0], a[end]);
        sift(0, end);
    }
}

bool check_refcounts(paddr_t* pages, u64 n, VmViolation* v)
{
    sort_pages(pages, n);
    for (u64 i = 0; i < n;) {
        u64 j = i;
        while (j < n && pages[j] == pages[i])
            j++;
        u32 refs = page_refcount(pages[i]);
        if (refs < j - i)
            return broken(v, "page reference count below the PTEs naming it", pages[i], nullptr, refs);
        i = j;
    }
    return true;
}

// Spaces with more resident pages than this get rule 5's reference counts
// checked only against a single PTE each (the buffer would be too big).
constexpr u64 MAX_SORTED_PAGES = 1 << 16;

} // namespace

bool vm_check_space(AddressSpace* as, VmViolation* v)
{
    kassert(as->lock().is_held_by_current());
    if (!check_regions(as, v))
        return false;
    LeafWalk walk{as, as->first_region(), v};
    u64 resident = as->resident_pages();
    if (resident <= MAX_SORTED_PAGES) {
        walk.pages = static_cast<paddr_t*>(kmalloc(sizeof(paddr_t) * max(resident, u64(1))));
        walk.capacity = walk.pages ? resident : 0;
    }
    as->page_table().for_each_mapping(USER_BASE, USER_VA_END, check_mapping, &walk);
    bool ok = !walk.failed;
    if (ok && walk.leaves != resident)
        ok = broken(v, "resident page count differs from the PTEs", 0, nullptr, walk.leaves);
    if (ok && walk.pages)
        ok = check_refcounts(walk.pages, walk.leaves, v);
    kfree(walk.pages);
    return ok;
}

void vm_check_init(bool enabled)
{
    g_vm_check_enabled = enabled;
    if (enabled)
        kprintf("vmcheck: address spaces are checked after every system call and page fault\n");
}

void vm_check_current(const char* event, u64 address)
{
    Proc* p = current_proc();
    AddressSpace* as = p->address_space;
    if (!as)
        return;
    VmViolation v;
    bool ok;
    {
        SleepLockGuard guard(as->lock());
        ok = vm_check_space(as, &v);
    }
    if (ok)
        return;
    const MemRegion* r = v.region;
    panic("vmcheck: pid %d (%s) after %s (%p): %s at %p (%#lx); region %s[%p, %p) prot %#x max %#x kind %d%s",
          p->pid, p->name, event, reinterpret_cast<void*>(address), v.what, reinterpret_cast<void*>(v.va), v.detail,
          r ? "" : "none ", reinterpret_cast<void*>(r ? r->start : 0), reinterpret_cast<void*>(r ? r->end : 0),
          r ? r->prot : 0, r ? r->max_prot : 0, r ? int(r->kind) : -1, r && r->shared ? " shared" : "");
}
