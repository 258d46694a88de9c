/*
 * Sv39 page-table editing: the PageTable class of arch.h. Callers
 * serialise edits of one table (the AddressSpace lock); the hardware
 * walker may read concurrently, which is safe because each entry is
 * written with a single aligned store. One edit comes from outside the
 * owner, revoke_write (a file's write-back, kernel/mm/file_store.cc), and
 * it is an atomic AND that cannot undo the owner's concurrent store.
 */
#include "sv39.h"
#include "../kernel/lib/kstring.h"
#include "../kernel/mm/page_alloc.h"
#include "../kernel/mm/phys.h"

using namespace sv39;

static_assert(ENTRIES == LEAF_TABLE_PAGES);

namespace {

Pte* table_at(paddr_t pa) { return phys_to_ptr<Pte>(pa); }

// A user code page was just filled (exec, a fault reading a program
// segment, a copy-on-write copy) through the data side, by this hart. On
// cores with a separate instruction cache (every real RISC-V board; not
// QEMU) instruction fetch sees those stores only after a fence.i here. The
// process may run on another hart next: AddressSpace switches there write
// satp, and arch::set_page_table does a fence.i too.
inline void sync_instruction_fetch()
{
#ifndef TANDEM_HOST
    asm volatile("fence.i" ::: "memory");
#endif
}

// After leaf entries with `perms` were written: a user code page must be
// fetchable as mapped.
inline void synced_for(u32 perms)
{
    if ((perms & (PERM_EXEC | PERM_USER)) == (PERM_EXEC | PERM_USER))
        sync_instruction_fetch();
}

// Reads a leaf slot in one load (a write-back may be revoking write access
// meanwhile): true, with the page and permissions, if it maps one.
bool read_leaf(const Pte* slot, paddr_t* pa, u32* perms)
{
    Pte pte = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (!(pte & PTE_V))
        return false;
    *pa = pte_address(pte);
    *perms = perms_for(pte);
    return true;
}

// The slot for va at `level`, creating intermediate tables if asked.
Pte* walk(paddr_t root, vaddr_t va, int level, bool create)
{
    Pte* table = table_at(root);
    for (int l = LEVELS - 1; l > level; l--) {
        Pte& entry = table[vpn(va, l)];
        if (entry & PTE_V) {
            if (is_leaf(entry))
                return nullptr;
            table = table_at(pte_address(entry));
            continue;
        }
        if (!create)
            return nullptr;
        paddr_t next = alloc_page_zeroed(PageUse::PageTable);
        if (!next)
            return nullptr;
        // Another hart may walk this tree meanwhile (a file's write-back
        // revoking write access in our views): the zeros must be visible
        // before the link to them is. A release store (fence rw,w) orders
        // them; the walker's reads through the link are ordered by their
        // address dependency (RVWMO), so they need no fence of their own.
        __atomic_store_n(&entry, make_pte(next, PTE_V), __ATOMIC_RELEASE);
        table = table_at(next);
    }
    return &table[vpn(va, level)];
}

void free_subtree(paddr_t table_pa, int level)
{
    Pte* table = table_at(table_pa);
    if (level > 0) {
        for (u64 i = 0; i < ENTRIES; i++) {
            Pte e = table[i];
            if ((e & PTE_V) && !is_leaf(e))
                free_subtree(pte_address(e), level - 1);
        }
    }
    free_pages(table_pa);
}

} // namespace

u64 sv39::flags_for(u32 perms)
{
    u64 f = PTE_V | PTE_A | PTE_D;
    if (perms & PERM_READ)
        f |= PTE_R;
    if (perms & PERM_WRITE)
        f |= PTE_W | PTE_R; // W without R is reserved
    if (perms & PERM_EXEC)
        f |= PTE_X;
    if (perms & PERM_USER)
        f |= PTE_U;
    if (perms & PERM_GLOBAL)
        f |= PTE_G;
    return f;
}

u32 sv39::perms_for(Pte pte)
{
    u32 p = 0;
    if (pte & PTE_R)
        p |= PERM_READ;
    if (pte & PTE_W)
        p |= PERM_WRITE;
    if (pte & PTE_X)
        p |= PERM_EXEC;
    if (pte & PTE_U)
        p |= PERM_USER;
    if (pte & PTE_G)
        p |= PERM_GLOBAL;
    return p;
}

Result<PageTable> PageTable::create_empty()
{
    paddr_t root = alloc_page_zeroed(PageUse::PageTable);
    if (!root)
        return Error(ERR_NOMEM);
    return PageTable(root);
}

Result<PageTable> PageTable::create_user(paddr_t kernel_root)
{
    paddr_t root = alloc_page(PageUse::PageTable);
    if (!root)
        return Error(ERR_NOMEM);
    Pte* table = table_at(root);
    memset(table, 0, PAGE_SIZE / 2);
    // The kernel half never changes after boot, so copying its root
    // entries shares every kernel mapping below them.
    memcpy(table + ENTRIES / 2, table_at(kernel_root) + ENTRIES / 2, PAGE_SIZE / 2);
    return PageTable(root);
}

Pte* sv39::leaf_slot(const PageTable& table, vaddr_t va, bool create) { return walk(table.root(), va, 0, create); }

Result<void> PageTable::map_page(vaddr_t va, paddr_t pa, u32 perms)
{
    Pte* slot = walk(m_root, va, 0, true);
    if (!slot)
        return Error(ERR_NOMEM);
    *slot = make_pte(pa, flags_for(perms));
    synced_for(perms);
    return {};
}

Result<void> PageTable::map_range(vaddr_t va, paddr_t pa, u64 size, u32 perms, bool allow_huge)
{
    u64 end = va + size;
    while (va < end) {
        int level = 0;
        if (allow_huge) {
            for (int l = LEVELS - 1; l > 0; l--) {
                u64 s = level_size(l);
                if (is_aligned(va, s) && is_aligned(pa, s) && end - va >= s) {
                    level = l;
                    break;
                }
            }
        }
        Pte* slot = walk(m_root, va, level, true);
        if (!slot)
            return Error(ERR_NOMEM);
        *slot = make_pte(pa, flags_for(perms));
        va += level_size(level);
        pa += level_size(level);
    }
    return {};
}

paddr_t PageTable::unmap_page(vaddr_t va)
{
    Pte* slot = walk(m_root, va, 0, false);
    if (!slot || !(*slot & PTE_V))
        return 0;
    paddr_t pa = pte_address(*slot);
    *slot = 0;
    return pa;
}

bool PageTable::lookup(vaddr_t va, paddr_t* pa, u32* perms) const
{
    Pte* slot = walk(m_root, va, 0, false);
    return slot && read_leaf(slot, pa, perms);
}

LeafTable PageTable::leaf_table(vaddr_t va, Walk how)
{
    vaddr_t start = va & ~(level_size(1) - 1);
    Pte* first = walk(m_root, start, 0, how == Walk::Create);
    return first ? LeafTable(first, start) : LeafTable();
}

namespace {
Pte* leaf_entry(void* entries, vaddr_t start, vaddr_t va) { return static_cast<Pte*>(entries) + (va - start) / PAGE_SIZE; }
} // namespace

bool LeafTable::lookup(vaddr_t va, paddr_t* pa, u32* perms) const
{
    return read_leaf(leaf_entry(m_entries, m_start, va), pa, perms);
}

void LeafTable::map(vaddr_t va, paddr_t pa, u32 perms)
{
    *leaf_entry(m_entries, m_start, va) = make_pte(pa, flags_for(perms));
    synced_for(perms);
}

u64 LeafTable::empty_mask(vaddr_t first, u32 count) const
{
    const Pte* e = leaf_entry(m_entries, m_start, first);
    u64 mask = 0;
    for (u32 i = 0; i < count; i++)
        if (!(e[i] & PTE_V))
            mask |= u64(1) << i;
    return mask;
}

void LeafTable::map_pages(vaddr_t first, u32 count, const paddr_t* pages, u64 mask, u32 perms)
{
    Pte* e = leaf_entry(m_entries, m_start, first);
    u64 flags = flags_for(perms);
    for (u32 i = 0; i < count; i++)
        if (mask & (u64(1) << i))
            e[i] = make_pte(pages[i], flags);
    synced_for(perms);
}

bool PageTable::protect_page(vaddr_t va, u32 perms)
{
    Pte* slot = walk(m_root, va, 0, false);
    if (!slot || !(*slot & PTE_V))
        return false;
    *slot = make_pte(pte_address(*slot), flags_for(perms));
    return true;
}

bool PageTable::revoke_write(vaddr_t va, paddr_t pa)
{
    Pte* slot = walk(m_root, va, 0, false);
    if (!slot)
        return false;
    Pte pte = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!(pte & PTE_V) || !(pte & PTE_W) || pte_address(pte) != pa)
        return false;
    // Atomic: the owner may be clearing this very entry (munmap) meanwhile.
    __atomic_fetch_and(slot, ~Pte(PTE_W), __ATOMIC_SEQ_CST);
    return true;
}

namespace {
// Calls visit(va, slot) for every valid 4 KiB leaf in [start, end). A
// template, so that each walk below inlines its step.
template <typename Visit>
void visit_leaves(paddr_t table_pa, int level, vaddr_t base, vaddr_t start, vaddr_t end, Visit& visit)
{
    Pte* table = table_at(table_pa);
    u64 span = level_size(level);
    u64 first = start > base ? (start - base) / span : 0;
    for (u64 i = first; i < ENTRIES; i++) {
        vaddr_t va = base + i * span;
        if (va >= end)
            break;
        Pte e = table[i];
        if (!(e & PTE_V))
            continue;
        if (level == 0) {
            visit(va, &table[i]);
        } else if (!is_leaf(e)) {
            visit_leaves(pte_address(e), level - 1, va, start, end, visit);
        }
    }
}

template <typename Visit> void for_each_leaf(paddr_t root, vaddr_t start, vaddr_t end, Visit visit)
{
    if (root && start < end)
        visit_leaves(root, LEVELS - 1, 0, start, end, visit);
}
} // namespace

void PageTable::update_mappings(vaddr_t start, vaddr_t end, MappingVisitor fn, void* context)
{
    for_each_leaf(m_root, start, end, [fn, context](vaddr_t va, Pte* slot) {
        Pte pte = *slot;
        MappingChange change = fn(PageMapping{va, pte_address(pte), perms_for(pte)}, context);
        if (change.kind == MappingChange::Remove)
            *slot = 0;
        else if (change.kind == MappingChange::SetPerms)
            *slot = make_pte(pte_address(pte), flags_for(change.perms));
    });
}

void PageTable::for_each_mapping(vaddr_t start, vaddr_t end, MappingReader fn, void* context) const
{
    for_each_leaf(m_root, start, end, [fn, context](vaddr_t va, Pte* slot) {
        Pte pte = __atomic_load_n(slot, __ATOMIC_RELAXED);
        fn(PageMapping{va, pte_address(pte), perms_for(pte)}, context);
    });
}

namespace {
// Sv39 addresses are 39 bits sign-extended to 64: the upper half of the
// root table maps the top of the address space.
constexpr vaddr_t canonical(vaddr_t va) { return (va & (u64(1) << 38)) ? va | ~((u64(1) << 39) - 1) : va; }

void visit_entries(paddr_t table_pa, int level, vaddr_t base, u64 first, u64 end, PageTable::EntryVisitor fn,
                   void* context)
{
    const Pte* table = table_at(table_pa);
    for (u64 i = first; i < end; i++) {
        Pte e = table[i];
        if (!(e & PTE_V))
            continue;
        vaddr_t va = canonical(base + i * level_size(level));
        bool leaf = is_leaf(e);
        fn(PageTableEntryInfo{va, level_size(level), pte_address(e), level, i, leaf, leaf ? perms_for(e) : 0,
                              u32(e & 0xff)},
           context);
        if (level > 0 && !leaf)
            visit_entries(pte_address(e), level - 1, va, 0, ENTRIES, fn, context);
    }
}
} // namespace

void PageTable::for_each_entry(Half half, EntryVisitor fn, void* context) const
{
    // The root's lower half maps user space, its upper half the kernel.
    if (!m_root)
        return;
    if (half == Half::User)
        visit_entries(m_root, LEVELS - 1, 0, 0, ENTRIES / 2, fn, context);
    else
        visit_entries(m_root, LEVELS - 1, 0, ENTRIES / 2, ENTRIES, fn, context);
}

void PageTable::destroy()
{
    if (!m_root)
        return;
    Pte* root = table_at(m_root);
    for (u64 i = 0; i < ENTRIES / 2; i++) {
        Pte e = root[i];
        if ((e & PTE_V) && !is_leaf(e))
            free_subtree(pte_address(e), LEVELS - 2);
    }
    free_pages(m_root);
    m_root = 0;
}
