/*
 * The Sv39 page-table format (RISC-V privileged specification, "Sv39:
 * Page-Based 39-bit Virtual-Memory System"), behind the PageTable class of
 * arch.h, which the VM layer uses to edit one. Only riscv/ (and its unit
 * test) sees this header.
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

#include "arch.h"

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

// PagePerm bits to the leaf flags they need, with V, A and D set (and R
// with W: W without R is a reserved encoding), and back.
u64 flags_for(u32 perms);
u32 perms_for(Pte pte);

// The slot of va's 4 KiB leaf in `table`, creating the tables on the way
// if `create`; nullptr when out of memory or a huge leaf is in the way.
Pte* leaf_slot(const PageTable& table, vaddr_t va, bool create);

} // namespace sv39
