/*
 * The Sv39 page-table format (RISC-V privileged specification, "Sv39:
 * Page-Based 39-bit Virtual-Memory System") and PageTable, the interface
 * the VM layer uses to edit one.
 *
 * Three levels of 512 eight-byte entries; level 2 is the root. A valid
 * entry with none of R, W, X points to the next level; otherwise it is a
 * leaf mapping 4 KiB (level 0), 2 MiB (level 1) or 1 GiB (level 2).
 * Leaves are created with A and D already set: some cores raise a page
 * fault instead of setting them in hardware.
 *
 * This file is portable (host unit tests walk tables in fake memory); it
 * touches physical memory only through phys_to_virt().
 */
#pragma once

#include "../kernel/lib/result.h"

namespace sv39 {

using Pte = u64;

enum : u64 {
    PTE_V = 1 << 0,
    PTE_R = 1 << 1,
    PTE_W = 1 << 2,
    PTE_X = 1 << 3,
    PTE_U = 1 << 4,
    PTE_G = 1 << 5,
    PTE_A = 1 << 6,
    PTE_D = 1 << 7,
};

constexpr int LEVELS = 3;
constexpr u64 ENTRIES = 512;

constexpr u64 vpn(vaddr_t va, int level) { return (va >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1); }
constexpr u64 level_size(int level) { return PAGE_SIZE << (9 * level); }
constexpr paddr_t pte_address(Pte pte) { return ((pte >> 10) & ((u64(1) << 44) - 1)) << PAGE_SHIFT; }
constexpr Pte make_pte(paddr_t pa, u64 flags) { return ((pa >> PAGE_SHIFT) << 10) | flags; }
constexpr bool is_leaf(Pte pte) { return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X)); }

} // namespace sv39

// Architecture-neutral page permissions requested by the VM layer.
enum PagePerm : u32 {
    PERM_READ = 1,
    PERM_WRITE = 2,
    PERM_EXEC = 4,
    PERM_USER = 8,
    PERM_GLOBAL = 16,
};

class PageTable {
public:
    PageTable() = default;
    explicit PageTable(paddr_t root) : m_root(root) {}

    // A new user page table whose kernel half is copied from kernel_root.
    static Result<PageTable> create_user(paddr_t kernel_root);
    // A new, empty root (for the kernel's own table).
    static Result<PageTable> create_empty();

    paddr_t root() const { return m_root; }
    bool is_valid() const { return m_root != 0; }

    // Maps one 4 KiB page, replacing any existing 4 KiB mapping.
    Result<void> map_page(vaddr_t va, paddr_t pa, u32 perms);
    // Maps [va, va+size) to [pa, pa+size), using 2 MiB and 1 GiB leaves
    // where alignment allows. For the kernel's tables.
    Result<void> map_range(vaddr_t va, paddr_t pa, u64 size, u32 perms, bool allow_huge);
    // Removes a 4 KiB mapping; returns the physical page it mapped, or 0.
    paddr_t unmap_page(vaddr_t va);
    // Looks up a 4 KiB-level mapping of va.
    bool lookup(vaddr_t va, paddr_t* pa, u32* perms) const;
    // Changes the permissions of an existing 4 KiB mapping.
    bool protect_page(vaddr_t va, u32 perms);
    // Calls fn for every present 4 KiB leaf in [start, end), skipping empty
    // subtrees, with the leaf's slot (which fn may clear or change).
    using LeafVisitor = void (*)(vaddr_t va, sv39::Pte* slot, void* context);
    void for_each_leaf(vaddr_t start, vaddr_t end, LeafVisitor fn, void* context) const;
    // Calls fn for every valid entry under root slots [first_root, end_root)
    // (0..256 is the user half, 256..512 the kernel half), depth first: a
    // table entry comes just before the entries of the table it points to.
    // `va` is the first (canonical, sign-extended) address the entry maps,
    // `index` its slot in its table. For introspection (vm_pagetable).
    using EntryVisitor = void (*)(vaddr_t va, int level, u64 index, sv39::Pte pte, void* context);
    void for_each_entry(u64 first_root, u64 end_root, EntryVisitor fn, void* context) const;

    // Frees the table pages of the user half (not the pages they map) and
    // the root itself.
    void destroy();

    // The slot for va's 4 KiB leaf, creating tables if `create`; nullptr
    // when out of memory or a huge leaf is in the way.
    sv39::Pte* leaf_slot(vaddr_t va, bool create) const;

    static u64 flags_for(u32 perms);
    static u32 perms_for(sv39::Pte pte);

private:
    paddr_t m_root = 0;
};
