/*
 * The first instructions of the kernel, and the entry of secondary harts.
 *
 * The image begins with a Linux RISC-V Image header (Documentation/arch/
 * riscv/boot-image-header in Linux) so that U-Boot's booti can load it. The
 * firmware enters at the start of the image with the MMU off, a0 = hart id
 * and a1 = the device tree's physical address. Until paging is on, the code
 * here runs at whatever physical address it was loaded to, and uses only
 * PC-relative addressing (lla), so one binary serves every board.
 *
 * It builds a boot page table that maps
 *   - the gigabyte holding the kernel at its own physical address (so the
 *     instruction after the satp write still fetches),
 *   - the same gigabyte, and the two holding the device tree, in the
 *     direct map, so early C++ can read the tree,
 *   - the kernel image at KERNEL_VBASE with 2 MiB pages,
 * then jumps to the linked (high) address and calls boot_main. The PTEs
 * have A and D set because some cores fault rather than set them.
 *
 * Two checks guard real boards. Only one hart may run the boot path: with
 * SBI HSM the firmware starts just one, but firmware without HSM, or a boot
 * loader that sends every hart to the kernel (U-Boot built with SMP does
 * where it can), starts them all here, so a lottery parks the losers (the
 * kernel later reports them as harts that did not start). And the image
 * must sit on a 2 MiB boundary, because it is mapped with 2 MiB pages;
 * booti guarantees that (start of RAM + text_offset), a raw `go` may not,
 * so a misplaced image says so on the SBI console instead of faulting
 * silently.
 */
#include "memlayout.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

    .section .text.head, "ax"
    .option norvc
    .globl _start
_start:
    /* Image header, 64 bytes. */
    j       real_start              /* code0 */
    .word   0                       /* code1 */
    .dword  IMAGE_TEXT_OFFSET       /* text_offset */
    .dword  _image_size             /* image_size, including bss */
    .dword  0                       /* flags: little endian */
    .word   2                       /* header version 0.2 */
    .word   0                       /* res1 */
    .dword  0                       /* res2 */
    .ascii  "RISCV\0\0\0"           /* magic (deprecated) */
    .ascii  "RSC\x05"               /* magic2 */
    .word   0                       /* res3 */

real_start:
    csrw    sie, zero
    csrw    sscratch, zero
    mv      s0, a0                  /* hart id */
    mv      s1, a1                  /* device tree */
    lla     s2, _start              /* where we were loaded */

    /* The first hart here wins; the word is in .data, which .bss clearing
       below does not touch. */
    lla     t0, boot_lottery
    li      t1, 1
    amoadd.w t1, t1, (t0)
    bnez    t1, park
    li      t0, 0x1fffff
    and     t0, s2, t0
    beqz    t0, 0f
    lla     a0, misaligned_message
    call    sbi_puts
    j       park
0:

    /* U-Boot's booti does not clear .bss; QEMU's ELF loader does. Do it. */
    lla     t0, __bss_start
    lla     t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    lla     s3, boot_root_table

    /* Identity map of the kernel's gigabyte. */
    mv      a0, s2
    li      a1, 0
    call    map_gigabyte
    /* Direct map of the kernel's gigabyte and of the device tree's two. */
    mv      a0, s2
    li      a1, DIRECT_MAP_ROOT_SLOT
    call    map_gigabyte
    mv      a0, s1
    li      a1, DIRECT_MAP_ROOT_SLOT
    call    map_gigabyte
    li      t0, 0x40000000
    add     a0, s1, t0
    li      a1, DIRECT_MAP_ROOT_SLOT
    call    map_gigabyte

    /* Kernel image: root slot 510 -> boot_l1_table of 2 MiB pages. */
    lla     t0, boot_l1_table
    srli    t0, t0, 12
    slli    t0, t0, 10
    ori     t0, t0, PTE_V
    li      t1, KERNEL_ROOT_SLOT * 8
    add     t1, t1, s3
    sd      t0, 0(t1)

    lla     t0, _end
    sub     t0, t0, s2              /* image size */
    li      t1, 0x200000
    add     t0, t0, t1
    srli    t0, t0, 21              /* number of 2 MiB pages, rounded up */
    lla     t2, boot_l1_table
    mv      t3, s2                  /* physical address of the next page */
3:  beqz    t0, 4f
    srli    t4, t3, 12
    slli    t4, t4, 10
    ori     t4, t4, LEAF_RWX | PTE_G
    sd      t4, 0(t2)
    addi    t2, t2, 8
    add     t3, t3, t1
    addi    t0, t0, -1
    j       3b
4:
    call    enable_boot_paging
    /* Jump to the linked address, then set up the boot stack there. */
    lla     t0, boot_high_address
    ld      t0, 0(t0)
    jr      t0

/* Harts that must not run the kernel wait here for good. */
park:
    wfi
    j       park

/* Prints the NUL-terminated string at a0 with the legacy SBI console. */
sbi_puts:
    mv      t2, a0
1:  lbu     a0, 0(t2)
    beqz    a0, 2f
    li      a7, 1                   /* legacy console_putchar */
    ecall
    addi    t2, t2, 1
    j       1b
2:  ret

/*
 * map_gigabyte(a0 = physical address, a1 = root slot base): installs a 1 GiB
 * leaf for the gigabyte containing a0 at slot a1 + (a0 >> 30). Uses s3.
 */
map_gigabyte:
    srli    t0, a0, 30
    add     t1, t0, a1
    andi    t1, t1, 511
    slli    t1, t1, 3
    add     t1, t1, s3
    slli    t0, t0, 28              /* (gigabyte base >> 12) << 10 */
    ori     t0, t0, LEAF_RWX
    sd      t0, 0(t1)
    ret

/* Loads the boot page table into satp. Callable at a physical address. */
enable_boot_paging:
    lla     t0, boot_root_table
    srli    t0, t0, 12
    li      t1, 8
    slli    t1, t1, 60              /* Sv39 */
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma
    ret

boot_high:
    lla     sp, boot_stack_top
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    li      fp, 0                   /* fp is s0: clear it last; ends backtraces */
    call    boot_main
5:  wfi
    j       5b

/*
 * Secondary harts arrive here from SBI HSM hart_start with the MMU off,
 * a0 = hart id and a1 = the opaque value: the top of their boot stack
 * (a kernel virtual address).
 */
    .globl secondary_entry
secondary_entry:
    csrw    sie, zero
    csrw    sscratch, zero
    mv      s0, a0
    mv      s1, a1
    call    enable_boot_paging
    lla     t0, secondary_high_address
    ld      t0, 0(t0)
    jr      t0

secondary_high:
    mv      sp, s1
    mv      a0, s0
    mv      a1, s1                  /* the stack top: secondary_main finds its ticket below it */
    li      fp, 0
    call    secondary_main
6:  wfi
    j       6b

    .section .data
    .balign 4
boot_lottery:
    .word   0

    .section .rodata
misaligned_message:
    .asciz  "\r\nTandem: the kernel must be loaded at a 2 MiB boundary (start of RAM + 0x200000); use booti\r\n"
    .balign 8
boot_high_address:
    .dword  boot_high
secondary_high_address:
    .dword  secondary_high

    .section .bss
    .balign 4096
    .globl boot_root_table
boot_root_table:
    .space  4096
boot_l1_table:
    .space  4096
    /* Aligned to its size like every kernel stack, whose first word names
       the running process (current_proc); here it stays 0. */
    .balign 16384
boot_stack:
    .space  16384
boot_stack_top:
