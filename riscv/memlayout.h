/*
 * The Sv39 virtual address layout. Usable from C++ and from assembly.
 *
 *   0x0000_0000_0000_0000  user space (lower half, 256 GiB)
 *   0x0000_0040_0000_0000  -- non-canonical hole --
 *   0xFFFF_FFC0_0000_0000  direct map: va = pa + DIRECT_MAP_BASE, for RAM
 *                          and for the MMIO ranges the device tree names
 *   0xFFFF_FFFF_8000_0000  the kernel image, wherever it was loaded
 *
 * The kernel half is identical in every address space, so a trap never has
 * to switch page tables.
 */
#pragma once

#define KERNEL_VBASE 0xFFFFFFFF80000000
#define DIRECT_MAP_BASE 0xFFFFFFC000000000
#define DIRECT_MAP_SIZE 0x2000000000 /* 128 GiB of physical space */
#define USER_VA_END 0x4000000000     /* first address above user space */

/* Linux Image header: the kernel expects to sit 2 MiB into a RAM bank. */
#define IMAGE_TEXT_OFFSET 0x200000
/* The root page-table slot of the kernel image (VPN[2] of KERNEL_VBASE). */
#define KERNEL_ROOT_SLOT 510
/* The first root page-table slot of the direct map (VPN[2] of DIRECT_MAP_BASE). */
#define DIRECT_MAP_ROOT_SLOT 256
