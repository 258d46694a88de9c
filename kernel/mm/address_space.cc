/*
 * AddressSpace: regions, fork, teardown and the break. Page faults are in
 * fault.cc, the mmap family of system calls in vm_syscalls.cc.
 *
 * TLB discipline: without ASIDs, a hart's TLB may hold entries of the last
 * space it ran. Loading a different space writes satp and flushes; a
 * process that comes back to a hart after running elsewhere flushes too
 * (see sched.cc). Within a running process, changes to its own page table
 * flush only the local hart, which is the only one that may use them.
 */
#include "address_space.h"
#include "../cpu/cpu.h"
#include "../console/printk.h"
#include "kmalloc.h"
#include "mem_store.h"
#include "page_alloc.h"
#include "phys.h"
#include "../fs/fs_glue.h"
#include "../lib/kstring.h"


void lock_rule_broken(const char* lock) { panic("called without holding %s, which it needs", lock); }


Result<AddressSpace*> AddressSpace::create()
{
    void* mem = kmalloc(sizeof(AddressSpace));
    if (!mem)
        return Error(ERR_NOMEM);
    auto* as = new (mem) AddressSpace();
    auto table = PageTable::create_user(arch::kernel_page_table());
    if (table.is_error()) {
        as->~AddressSpace();
        kfree(as);
        return table.error();
    }
    as->m_table = table.release_value();
    return as;
}

void AddressSpace::activate(AddressSpace* as, bool flush_even_if_loaded)
{
    Cpu* cpu = this_cpu();
    u64 bit = u64(1) << cpu->id;
    if (cpu->loaded_space == as) {
        if (flush_even_if_loaded)
            arch::flush_tlb_all();
        return;
    }
    if (as)
        as->m_loaded_on.fetch_or(bit);
    arch::set_page_table(as ? as->root() : arch::kernel_page_table());
    if (cpu->loaded_space)
        cpu->loaded_space->m_loaded_on.fetch_and(~bit);
    cpu->loaded_space = as;
}

void AddressSpace::destroy(AddressSpace* as)
{
    {
        InterruptsDisabled no_migration;
        if (this_cpu()->loaded_space == as)
            activate(nullptr, false);
    }
    as->m_lock.lock();
    while (MemRegion* r = as->m_regions.front())
        as->remove_region(r);
    as->m_lock.unlock();
    as->put();
}

void AddressSpace::put()
{
    if (m_users.fetch_sub(1) == 1)
        free_now();
}

void AddressSpace::free_now()
{
    // Another hart may still hold this table in satp for a moment (it ran
    // this process earlier and is between two processes); it lets go at its
    // next switch or when it goes idle.
    while (m_loaded_on.load() != 0)
        arch::cpu_relax();
    m_table.destroy();
    this->~AddressSpace();
    kfree(this);
}

MemRegion* AddressSpace::find_region(vaddr_t va)
{
    if (m_last_hit && m_last_hit->contains(va))
        return m_last_hit;
    for (MemRegion* r : m_regions) {
        if (r->contains(va)) {
            m_last_hit = r;
            return r;
        }
        if (r->start > va)
            break;
    }
    return nullptr;
}

bool AddressSpace::range_is_free(vaddr_t start, u64 length)
{
    vaddr_t end = start + length;
    for (MemRegion* r : m_regions)
        if (r->start < end && start < r->end)
            return false;
    return true;
}

namespace {
// What `to` views, as `from` does `skip` bytes further in: its rights, its
// kind, its store or file and where in it.
void copy_source(MemRegion* to, const MemRegion& from, u64 skip)
{
    to->prot = from.prot;
    to->max_prot = from.max_prot;
    to->shared = from.shared;
    to->kind = from.kind;
    to->store = from.store;
    to->store_offset = from.store_offset + skip;
    to->file = from.file;
    to->file_offset = from.file_offset + skip;
    to->file_bytes = from.file_bytes > skip ? from.file_bytes - skip : 0;
}

// A region that copies another's source takes references of its own.
void take_source_references(MemRegion* r)
{
    if (r->store)
        r->store->ref();
    if (r->file)
        MUST(fs_program_ref(r->file)); // the other region's reference already keeps writers out
}
} // namespace

void AddressSpace::attach(MemRegion* r)
{
    insert_sorted(r);
    if (r->store)
        r->store->on_view_added(this, r);
}

void AddressSpace::insert_sorted(MemRegion* region)
{
    assert_locked();
    MemRegion* at = m_regions.front();
    while (at && at->start < region->start)
        at = m_regions.next(at);
    m_regions.insert_before(at, region);
    m_region_count++;
}

Result<vaddr_t> AddressSpace::find_free(u64 length)
{
    // First fit in the mmap area, in address order.
    vaddr_t candidate = USER_MMAP_BASE;
    for (MemRegion* r : m_regions) {
        if (r->end <= candidate)
            continue;
        if (r->start >= candidate + length)
            break;
        candidate = r->end;
    }
    if (candidate + length > USER_MMAP_END || candidate + length < candidate)
        return Error(ERR_NOMEM);
    return candidate;
}

Result<MemRegion*> AddressSpace::add_region(vaddr_t hint, u64 length, bool fixed, const MemRegion& shape)
{
    assert_locked();
    if (length == 0 || !is_aligned(length, PAGE_SIZE))
        return Error(ERR_INVAL);
    if (m_region_count >= MAX_REGIONS_PER_PROCESS)
        return Error(ERR_NOMEM);
    vaddr_t start;
    if (fixed) {
        u64 end;
        if (!is_aligned(hint, PAGE_SIZE) || add_overflows(hint, length, &end))
            return Error(ERR_INVAL);
        if (hint < USER_BASE || end > USER_VA_END)
            return Error(ERR_INVAL);
        if (!range_is_free(hint, length))
            return Error(ERR_NOMEM);
        start = hint;
    } else {
        start = TRY(find_free(length));
    }
    MemRegion* r = make<MemRegion>();
    if (!r)
        return Error(ERR_NOMEM);
    r->start = start;
    r->end = start + length;
    copy_source(r, shape, 0); // the shape's references become the region's
    r->space = this;
    r->mapping_id = m_next_mapping_id++;
    attach(r);
    return r;
}

namespace {
// Up to this many pages are flushed from the TLB one by one; more, and the
// whole TLB goes.
constexpr u64 FLUSH_ONE_BY_ONE = 8;

struct UnmapContext {
    u64 unmapped = 0;
    vaddr_t pages[FLUSH_ONE_BY_ONE]; // the first ones unmapped
};

MappingChange unmap_one(const PageMapping& m, void* context)
{
    auto* ctx = static_cast<UnmapContext*>(context);
    page_put(m.pa);
    if (ctx->unmapped < FLUSH_ONE_BY_ONE)
        ctx->pages[ctx->unmapped] = m.va;
    ctx->unmapped++;
    return MappingChange::remove();
}
} // namespace

void AddressSpace::unmap_pages(vaddr_t start, vaddr_t end)
{
    UnmapContext ctx;
    m_table.update_mappings(start, end, unmap_one, &ctx);
    m_resident -= ctx.unmapped;
    if (ctx.unmapped) {
        InterruptsDisabled no_migration;
        if (this_cpu()->loaded_space == this) {
            // Flush the pages that were mapped, not every page of the range:
            // a huge range holding a few pages (a 128 GiB mapping with three
            // pages touched) took 32 million flushes, with interrupts off,
            // tens of seconds in which the process could not be killed and,
            // on one hart, nothing else ran.
            if (ctx.unmapped <= FLUSH_ONE_BY_ONE)
                for (u64 i = 0; i < ctx.unmapped; i++)
                    arch::flush_tlb_page(ctx.pages[i]);
            else
                arch::flush_tlb_all();
        }
    }
}

void AddressSpace::release_region(MemRegion* r)
{
    unmap_pages(r->start, r->end);
    if (r->store) {
        r->store->on_view_removed(this, r);
        r->store->unref();
    }
    if (r->file)
        fs_program_unref(r->file);
    ::destroy(r);
}

void AddressSpace::remove_region(MemRegion* r)
{
    assert_locked();
    if (m_last_hit == r)
        m_last_hit = nullptr;
    m_regions.remove(r);
    m_region_count--;
    release_region(r);
}

Result<MemRegion*> AddressSpace::split(MemRegion* r, vaddr_t at)
{
    assert_locked();
    // r keeps [start, at); the new region takes [at, end).
    if (m_region_count >= MAX_REGIONS_PER_PROCESS)
        return Error(ERR_NOMEM);
    MemRegion* upper = make<MemRegion>();
    if (!upper)
        return Error(ERR_NOMEM);
    u64 delta = at - r->start;
    upper->start = at;
    upper->end = r->end;
    copy_source(upper, *r, delta);
    upper->space = this;
    upper->mapping_id = r->mapping_id;
    take_source_references(upper);
    // The store learns of the upper piece before r shrinks, so a file
    // store's write-back, which walks its views from another process,
    // never finds a page of the view covered by neither piece.
    attach(upper);
    r->end = at;
    r->file_bytes = min(r->file_bytes, delta);
    return upper;
}

Result<void> AddressSpace::split_at_edges(vaddr_t start, vaddr_t end)
{
    assert_locked();
    const vaddr_t edges[] = {start, end};
    for (vaddr_t at : edges) {
        MemRegion* r = find_region(at);
        if (r && r->start != at)
            TRY(split(r, at));
    }
    return {};
}

Result<void> AddressSpace::remove_range(vaddr_t start, u64 length)
{
    assert_locked();
    vaddr_t end = start + length;
    TRY(split_at_edges(start, end));
    MemRegion* r = m_regions.front();
    while (r) {
        MemRegion* next = m_regions.next(r);
        if (r->start >= start && r->end <= end)
            remove_region(r);
        r = next;
    }
    return {};
}

namespace {
struct ProtectContext {
    u32 perms;
    bool shared;
    u32 prot;
    bool tracked; // a shared view of a store that tracks writes (a file)
};

MappingChange protect_one(const PageMapping& m, void* context)
{
    auto* ctx = static_cast<ProtectContext*>(context);
    u32 perms = ctx->perms;
    // A private page shared copy-on-write must stay read-only until its
    // first write copies it; so must a private page still owned by a store.
    if (!ctx->shared && (perms & PERM_WRITE) && page_refcount(m.pa) > 1)
        perms &= ~PERM_WRITE;
    // A file page becomes writable only through a write fault, which marks
    // it dirty (mem_store.h).
    if (ctx->tracked)
        perms &= ~PERM_WRITE;
    return MappingChange::set_perms(perms);
}
} // namespace

Result<void> AddressSpace::protect_range(vaddr_t start, u64 length, u32 prot)
{
    assert_locked();
    vaddr_t end = start + length;
    // Every page of the range must belong to some region.
    vaddr_t cursor = start;
    for (MemRegion* r : m_regions) {
        if (r->end <= cursor)
            continue;
        if (r->start > cursor)
            break;
        cursor = r->end;
        if (cursor >= end)
            break;
    }
    if (cursor < end)
        return Error(ERR_NOMEM);
    // Rights can only be granted up to what the region's source allows (a
    // view of a read-only handle stays read-only).
    for (MemRegion* r : m_regions)
        if (r->start < end && start < r->end && (prot & ~r->max_prot))
            return Error(ERR_ACCESS);
    TRY(split_at_edges(start, end));
    for (MemRegion* r : m_regions) {
        if (r->start < start || r->end > end)
            continue;
        r->prot = prot;
        ProtectContext ctx{prot_to_perms(prot), r->shared, prot, r->tracks_writes()};
        m_table.update_mappings(r->start, r->end, protect_one, &ctx);
    }
    InterruptsDisabled no_migration;
    if (this_cpu()->loaded_space == this)
        arch::flush_tlb_all();
    return {};
}

// The break moves only the heap, and only at its top. munmap, mprotect and
// MAP_FIXED may have cut the heap into pieces or put other mappings where
// it was; those are left alone. Growing extends the heap piece that ends at
// the old break (if it is still plain read-write heap) or adds a new piece
// there, and fails if anything is mapped in the way, as Linux's brk does.
// Shrinking unmaps the heap pieces above the new break and nothing else.
Result<u64> AddressSpace::change_break(i64 delta)
{
    assert_locked();
    u64 old = brk;
    u64 now;
    if (delta >= 0) {
        if (add_overflows(brk, u64(delta), &now) || now > USER_MMAP_BASE)
            return Error(ERR_NOMEM);
        // Lazy pages cost nothing until touched, but a heap bigger than the
        // machine's memory could never be backed: refuse it now rather than
        // kill the process at a touch (Linux's overcommit heuristic).
        if (page_round_up(now) - heap_start > total_page_count() * PAGE_SIZE)
            return Error(ERR_NOMEM);
    } else {
        u64 shrink = u64(0) - u64(delta); // no overflow for INT64_MIN
        if (shrink > brk - heap_start)
            return Error(ERR_INVAL);
        now = brk - shrink;
    }
    vaddr_t old_end = page_round_up(old), new_end = page_round_up(now);
    if (new_end > old_end)
        TRY(grow_heap(old_end, new_end));
    else if (new_end < old_end)
        TRY(shrink_heap(new_end, old_end));
    brk = now;
    return old;
}

Result<void> AddressSpace::grow_heap(vaddr_t old_end, vaddr_t new_end)
{
    if (!range_is_free(old_end, new_end - old_end))
        return Error(ERR_NOMEM); // something was mapped in the way
    MemRegion* top = old_end > heap_start ? find_region(old_end - 1) : nullptr;
    if (top && top->kind == RegionKind::Heap && top->prot == HEAP_PROT) {
        top->end = new_end;
        return {};
    }
    MemRegion shape;
    shape.prot = HEAP_PROT;
    shape.kind = RegionKind::Heap;
    TRY(add_region(old_end, new_end - old_end, true, shape));
    return {};
}

Result<void> AddressSpace::shrink_heap(vaddr_t new_end, vaddr_t old_end)
{
    // A heap piece that straddles the new break keeps its lower part.
    MemRegion* straddler = find_region(new_end);
    if (straddler && straddler->kind == RegionKind::Heap && straddler->start < new_end)
        TRY(split(straddler, new_end));
    MemRegion* r = m_regions.front();
    while (r && r->start < old_end) {
        MemRegion* next = m_regions.next(r);
        if (r->kind == RegionKind::Heap && r->start >= new_end)
            remove_region(r);
        r = next;
    }
    return {};
}

namespace {
struct ForkContext {
    AddressSpace* child;
    MemRegion* region;
    bool failed;
    u64 copied;
    bool tracked; // a shared view of a store that tracks writes (a file)
};

MappingChange fork_one(const PageMapping& m, void* context)
{
    auto* ctx = static_cast<ForkContext*>(context);
    if (ctx->failed)
        return MappingChange::keep();
    u32 perms = m.perms;
    MappingChange parent = MappingChange::keep();
    // LAB(cow) begin: fork_copies_private_pages
    if (!ctx->region->shared && (perms & PERM_WRITE)) {
        // Copy-on-write: both sides read-only until one of them writes.
        perms &= ~PERM_WRITE;
        parent = MappingChange::set_perms(perms);
    }
    // LAB(cow) end
    // The child's first write to a file page faults and marks it dirty
    // (mem_store.h); copying a writable PTE could race with a write-back.
    if (ctx->tracked)
        perms &= ~PERM_WRITE;
    if (ctx->child->page_table().map_page(m.va, m.pa, perms).is_error()) {
        ctx->failed = true;
        return parent;
    }
    page_get(m.pa);
    ctx->copied++;
    return parent;
}
} // namespace

Result<AddressSpace*> AddressSpace::fork_copy()
{
    AddressSpace* child = TRY(AddressSpace::create());
    SleepLockGuard guard(m_lock);
    child->m_lock.lock(); // nobody else can see it yet; taken for form
    child->heap_start = heap_start;
    child->brk = brk;
    child->m_next_mapping_id = m_next_mapping_id;
    bool failed = false;
    for (MemRegion* r : m_regions) {
        MemRegion* copy = make<MemRegion>();
        if (!copy) {
            failed = true;
            break;
        }
        copy->start = r->start;
        copy->end = r->end;
        copy_source(copy, *r, 0);
        copy->space = child;
        copy->mapping_id = r->mapping_id;
        take_source_references(copy);
        child->attach(copy);
        ForkContext ctx{child, r, false, 0, r->tracks_writes()};
        m_table.update_mappings(r->start, r->end, fork_one, &ctx);
        child->m_resident += ctx.copied;
        if (ctx.failed) {
            failed = true;
            break;
        }
    }
    // LAB(cow) begin
    // The parent's writable private pages just became read-only.
    arch::flush_tlb_all();
    // LAB(cow) end
    child->m_lock.unlock();
    if (failed) {
        AddressSpace::destroy(child);
        return Error(ERR_NOMEM);
    }
    return child;
}
