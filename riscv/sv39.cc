/*
 * Sv39 page-table editing. Callers serialise edits of one table (the
 * AddressSpace lock); the hardware walker may read concurrently, which is
 * safe because each entry is written with a single aligned store.
 */
#include "sv39.h"
#include "../kernel/lib/kstring.h"
#include "../kernel/mm/page_alloc.h"
#include "../kernel/mm/phys.h"

using namespace sv39;

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

u64 PageTable::flags_for(u32 perms)
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

u32 PageTable::perms_for(Pte pte)
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

Pte* PageTable::leaf_slot(vaddr_t va, bool create) const { return walk(m_root, va, 0, create); }

Result<void> PageTable::map_page(vaddr_t va, paddr_t pa, u32 perms)
{
    Pte* slot = walk(m_root, va, 0, true);
    if (!slot)
        return Error(ERR_NOMEM);
    *slot = make_pte(pa, flags_for(perms));
    if ((perms & (PERM_EXEC | PERM_USER)) == (PERM_EXEC | PERM_USER))
        sync_instruction_fetch();
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
    if (!slot || !(*slot & PTE_V))
        return false;
    *pa = pte_address(*slot);
    *perms = perms_for(*slot);
    return true;
}

bool PageTable::protect_page(vaddr_t va, u32 perms)
{
    Pte* slot = walk(m_root, va, 0, false);
    if (!slot || !(*slot & PTE_V))
        return false;
    *slot = make_pte(pte_address(*slot), flags_for(perms));
    return true;
}

namespace {
void visit_leaves(paddr_t table_pa, int level, vaddr_t base, vaddr_t start, vaddr_t end,
                  PageTable::LeafVisitor fn, void* context)
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
            fn(va, &table[i], context);
        } else if (!is_leaf(e)) {
            visit_leaves(pte_address(e), level - 1, va, start, end, fn, context);
        }
    }
}
} // namespace

void PageTable::for_each_leaf(vaddr_t start, vaddr_t end, LeafVisitor fn, void* context) const
{
    if (m_root && start < end)
        visit_leaves(m_root, LEVELS - 1, 0, start, end, fn, context);
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
        fn(va, level, i, e, context);
        if (level > 0 && !is_leaf(e))
            visit_entries(pte_address(e), level - 1, va, 0, ENTRIES, fn, context);
    }
}
} // namespace

void PageTable::for_each_entry(u64 first_root, u64 end_root, EntryVisitor fn, void* context) const
{
    if (m_root && first_root < end_root && end_root <= ENTRIES)
        visit_entries(m_root, LEVELS - 1, 0, first_root, end_root, fn, context);
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
