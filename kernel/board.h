/*
 * BoardInfo: everything the kernel learns about the machine from the device
 * tree. Nothing outside the board fallback in riscv/ may hard-code an MMIO
 * address; drivers get theirs from here.
 *
 * board_from_fdt() is portable and unit-tested on the host against the trees
 * of QEMU virt, QEMU sifive_u and a VisionFive 2-like layout.
 */
#pragma once

#include "fdt.h"

constexpr int BOARD_MAX_MEMORY = 8;
constexpr int BOARD_MAX_RESERVED = 16;
constexpr int BOARD_MAX_HARTS = 16;
constexpr int BOARD_MAX_VIRTIO = 8;
constexpr size_t BOARD_BOOTARGS_MAX = 256;

struct MemRange {
    u64 base = 0;
    u64 size = 0;
    u64 end() const { return base + size; }
};

struct HartInfo {
    u32 hart_id = 0;
    bool usable = false;       // enabled and has an MMU
    bool has_sstc = false;     // the supervisor timer compare extension
    u32 intc_phandle = 0;      // its local interrupt controller
    int plic_s_context = -1;   // PLIC context of its S-mode external interrupt
};

enum class UartKind { None, Ns16550, SifiveUart };

struct UartInfo {
    UartKind kind = UartKind::None;
    u64 base = 0;
    u64 size = 0;
    u32 reg_shift = 0;      // register i is at base + (i << reg_shift)
    u32 reg_io_width = 1;   // access width in bytes (1 or 4)
    u32 irq = 0;            // PLIC source, 0 if none
    u32 clock_hz = 0;
    bool designware = false; // snps,dw-apb-uart: has the busy-detect interrupt
};

struct PlicInfo {
    bool present = false;
    u64 base = 0;
    u64 size = 0;
    u32 ndev = 0;
};

struct VirtioMmioInfo {
    u64 base = 0;
    u64 size = 0;
    u32 irq = 0;
};

enum class PowerKind { None, SifiveTest };

struct PowerInfo {
    PowerKind kind = PowerKind::None;
    u64 base = 0;
    u64 size = 0;
};

struct BoardInfo {
    char model[64] = {};
    MemRange memory[BOARD_MAX_MEMORY];
    int memory_count = 0;
    // Ranges never handed out: /memreserve/ entries and /reserved-memory children.
    MemRange reserved[BOARD_MAX_RESERVED];
    bool reserved_no_map[BOARD_MAX_RESERVED] = {};
    int reserved_count = 0;
    char bootargs[BOARD_BOOTARGS_MAX] = {};
    u64 initrd_start = 0;
    u64 initrd_end = 0;
    u64 timebase_hz = 0;
    HartInfo harts[BOARD_MAX_HARTS];
    int hart_count = 0;
    UartInfo uart;
    PlicInfo plic;
    VirtioMmioInfo virtio[BOARD_MAX_VIRTIO];
    int virtio_count = 0;
    PowerInfo power;

    int usable_hart_count() const;
    const HartInfo* find_hart(u32 hart_id) const;
};

// Fills *board from the device tree. Fails only if the tree is unusable
// (no memory or no timebase); a missing device just stays absent.
Result<void> board_from_fdt(const Fdt& fdt, BoardInfo* board);
