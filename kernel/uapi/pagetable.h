/*
 * vm_pagetable(): a process's page table as the hardware sees it, for the
 * `vm` tool and for teaching (docs/debugging.md). Shared by the kernel
 * (kernel/mm/sys_pagetable.cc) and user programs.
 *
 * The records come in the order of a depth-first walk of the Sv39 tree:
 * each table entry (an entry that points to the next level) just before
 * the entries of the table it points to. Neighbouring leaves that map
 * neighbouring physical pages with the same flags, level and reference
 * count are coalesced into one record.
 */
#ifndef TANDEM_UAPI_PAGETABLE_H
#define TANDEM_UAPI_PAGETABLE_H

#include <stdint.h>

/* The Sv39 PTE flag bits, as they appear in pt_range.pte_flags. */
#define PTE_FLAG_V 0x01 /* valid */
#define PTE_FLAG_R 0x02 /* readable */
#define PTE_FLAG_W 0x04 /* writable */
#define PTE_FLAG_X 0x08 /* executable */
#define PTE_FLAG_U 0x10 /* user mode may use it */
#define PTE_FLAG_G 0x20 /* global: in every address space */
#define PTE_FLAG_A 0x40 /* accessed */
#define PTE_FLAG_D 0x80 /* dirty */

/* pt_range.kind */
#define PT_RANGE_TABLE 1 /* an entry pointing to a next-level table at pa */
#define PT_RANGE_LEAF 2  /* leaves mapping [va_start, va_end) to pa.. */

/* vm_pagetable() flags */
#define PT_USER_HALF 0x1   /* the user half (root slots 0-255) */
#define PT_KERNEL_HALF 0x2 /* the kernel half (256-511), the same in every process */

struct pt_range {
    uint64_t va_start;  /* the first virtual address (sign-extended) */
    uint64_t va_end;    /* one past the last */
    uint64_t pa;        /* physical address of va_start, or of the next table */
    uint32_t pte_flags; /* the entry's low 8 bits: PTE_FLAG_* */
    uint32_t pages;     /* entries in the range (1 for a table entry) */
    uint32_t refs;      /* leaves of user pages: each page's reference count
                           (how many mappings and caches share it); 0 otherwise */
    uint16_t index;     /* slot of the (first) entry in its table, 0-511 */
    uint8_t level;      /* 2: root table (1 GiB per slot), 1: 2 MiB, 0: 4 KiB */
    uint8_t kind;       /* PT_RANGE_* */
};

#endif
