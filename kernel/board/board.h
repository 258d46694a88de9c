/*
 * BoardInfo: everything the kernel learns about the machine from the device
 * tree. Nothing outside the board fallback in riscv/ may hard-code an MMIO
 * address; drivers get theirs from here.
 *
 * board_from_fdt() is portable and unit-tested on the host against the trees
 * of QEMU virt (with a PLIC, and with the AIA's APLIC and IMSIC), sifive_u
 * and microchip-icicle-kit, and against the trees real boards hand over
 * (the VisionFive 2's from Linux and from StarFive's U-Boot, the Allwinner
 * D1's, the T-Head TH1520's).
 */
#pragma once

#include "fdt.h"

constexpr int BOARD_MAX_MEMORY = 8;
constexpr int BOARD_MAX_RESERVED = 16;
// Harts recorded from the tree (the kernel runs on at most MAX_CPUS of
// them, kernel/cpu/cpu.h); the boot hart is always among them.
constexpr int BOARD_MAX_HARTS = 128;
constexpr int BOARD_MAX_VIRTIO = 8;
constexpr size_t BOARD_BOOTARGS_MAX = 256;

struct MemRange {
    u64 base = 0;
    u64 size = 0;
    u64 end() const { return base + size; }
};

// Why the kernel leaves a hart out.
enum class HartUnusable : u8 {
    No = 0,             // usable
    Disabled,           // status is not "okay"
    NoMmu,              // no mmu-type, or "riscv,none": a monitor core
    NoInterruptContext, // the interrupt controller has no S-mode context for it
};

struct HartInfo {
    u32 hart_id = 0;
    bool usable = false;       // enabled, has an MMU, and can take S-mode device interrupts
    HartUnusable why_unusable = HartUnusable::No;
    bool has_sstc = false;     // the supervisor timer compare extension
    u32 intc_phandle = 0;      // its local interrupt controller
    // Where its S-mode external interrupts come from: the PLIC context, the
    // APLIC interrupt delivery control (IDC) index in direct mode, or its
    // IMSIC hart index when the APLIC sends MSIs. -1 if none.
    int irq_context = -1;
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

// The interrupt controller the kernel drives for devices.
enum class IrqChipKind {
    None,
    Plic,     // riscv,plic0, sifive,plic-1.0.0, thead,c900-plic
    Aplic,    // riscv,aplic supervisor domain in direct mode (one IDC per hart)
    AplicMsi, // riscv,aplic supervisor domain sending MSIs to riscv,imsics files
};

struct IrqChipInfo {
    IrqChipKind kind = IrqChipKind::None;
    u64 base = 0;       // the PLIC, or the APLIC supervisor domain
    u64 size = 0;
    u32 sources = 0;    // riscv,ndev or riscv,num-sources
    u32 msi_ids = 0;    // AplicMsi: riscv,num-ids of the supervisor IMSICs
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
    int cpu_nodes = 0;      // cpu nodes in the tree: more than hart_count if some were not recorded
    UartInfo uart;
    IrqChipInfo irqchip;
    VirtioMmioInfo virtio[BOARD_MAX_VIRTIO];
    int virtio_count = 0;
    PowerInfo power;

    int usable_hart_count() const;
    const HartInfo* find_hart(u32 hart_id) const;
};

constexpr u32 BOARD_NO_HART = ~u32(0);

// Fills *board from the device tree. Fails only if the tree is unusable
// (no memory or no timebase); a missing device just stays absent. The
// boot hart (if given) is recorded even when the tree has more cpu nodes
// than BOARD_MAX_HARTS.
Result<void> board_from_fdt(const Fdt& fdt, BoardInfo* board, u32 boot_hart = BOARD_NO_HART);

const char* hart_unusable_reason(HartUnusable why);
const char* irqchip_name(IrqChipKind kind);
