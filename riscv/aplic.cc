/*
 * The Advanced Interrupt Architecture (RISC-V AIA 1.0): the APLIC
 * supervisor domain, delivering either directly to each hart's interrupt
 * delivery control (IDC) or as MSIs into each hart's IMSIC interrupt file.
 *
 * APLIC domain registers: domaincfg at 0 (IE bit 8, DM bit 2 = MSI mode);
 * sourcecfg[i] at 4*i; setipnum_le at 0x2000 and setienum at 0x1edc;
 * clrie[] at 0x1f00; target[i] at 0x3000 + 4*i (hart index in bits 31:18,
 * then the priority in direct mode or the MSI's identity (EIID) in MSI
 * mode); IDC k at 0x4000 + 32*k (idelivery, iforce, ithreshold, and claimi
 * at 0x1c, which returns the source in bits 25:16 and claims it).
 *
 * The supervisor IMSIC is reached through the hart's own CSRs: siselect
 * and sireg for its registers (eidelivery, eithreshold, the eie enable
 * bits), stopei to claim the highest pending identity.
 *
 * The machine-level domain (which delegates sources to ours, and tells the
 * APLIC where each hart's IMSIC is) belongs to the firmware. Each source
 * goes to one hart (see irqchip.cc) as the identity equal to its source
 * number, and is taken as level-high, as QEMU's and most SoCs' devices
 * are. In MSI mode a level source that stays asserted is not sent again
 * by itself: completing an interrupt re-arms it through setipnum_le if
 * its line is still high (AIA 4.9.2). The spec has setipnum_le check the
 * line itself, but QEMU 7.2 sets the pending bit regardless (a storm of
 * MSIs), so the driver reads the line (in_clrip) first.
 */
#include "../kernel/mm/phys.h"
#include "arch.h"
#include "irqchip.h"

namespace {
constexpr u32 DOMAINCFG = 0x0000, DOMAINCFG_IE = 1u << 8, DOMAINCFG_DM_MSI = 1u << 2;
constexpr u32 IN_CLRIP = 0x1d00, SETIENUM = 0x1edc, CLRIE = 0x1f00, SETIPNUM_LE = 0x2000;
constexpr u32 IDC = 0x4000, IDC_SIZE = 32, IDELIVERY = 0x00, IFORCE = 0x04, ITHRESHOLD = 0x08, CLAIMI = 0x1c;
constexpr u32 SOURCE_LEVEL_HIGH = 6;
constexpr u32 TARGET_HART_SHIFT = 18;
constexpr u32 MAX_SOURCES = 1023;

// Indirect IMSIC registers, reached through siselect (CSR 0x150) and sireg (0x151).
constexpr u64 IMSIC_EIDELIVERY = 0x70, IMSIC_EITHRESHOLD = 0x72, IMSIC_EIE0 = 0xc0;

volatile u32* g_aplic = nullptr;
u32 g_sources = 0;
u32 g_msi_ids = 0;

volatile u32& reg(u32 offset) { return g_aplic[offset / 4]; }
volatile u32& sourcecfg(u32 irq) { return reg(4 * irq); }
volatile u32& target(u32 irq) { return reg(0x3000 + 4 * irq); }

void imsic_write(u64 select, u64 value)
{
    asm volatile("csrw 0x150, %0\n\tcsrw 0x151, %1" ::"r"(select), "r"(value) : "memory");
}

// Takes the domain down, makes every source inactive and disabled, then
// brings it up in the given delivery mode.
void aplic_reset(const IrqChipInfo& chip, u32 mode)
{
    g_aplic = phys_to_ptr<volatile u32>(chip.base);
    g_sources = chip.sources && chip.sources <= MAX_SOURCES ? chip.sources : MAX_SOURCES;
    reg(DOMAINCFG) = 0;
    for (u32 irq = 1; irq <= g_sources; irq++)
        sourcecfg(irq) = 0;
    for (u32 word = 0; word <= g_sources / 32; word++)
        reg(CLRIE + 4 * word) = ~0u;
    reg(DOMAINCFG) = DOMAINCFG_IE | mode;
}

// Sets a level source pending again if its line is still high.
void retrigger_if_asserted(u32 irq)
{
    if (reg(IN_CLRIP + 4 * (irq / 32)) & (1u << (irq % 32)))
        reg(SETIPNUM_LE) = irq;
}

void enable_source(u32 irq, u32 target_value)
{
    sourcecfg(irq) = SOURCE_LEVEL_HIGH;
    target(irq) = target_value;
    reg(SETIENUM) = irq;
}

// ---- direct mode: an IDC per hart -------------------------------------------------

volatile u32& idc(int route, u32 offset) { return reg(IDC + IDC_SIZE * u32(route) + offset); }

void direct_init(const IrqChipInfo& chip) { aplic_reset(chip, 0); }

void direct_init_hart(int route)
{
    idc(route, ITHRESHOLD) = 0; // no priority is masked
    idc(route, IFORCE) = 0;
    idc(route, IDELIVERY) = 1;
}

void direct_enable(u32 irq, int target_route)
{
    if (irq > g_sources || target_route < 0)
        return;
    enable_source(irq, u32(target_route) << TARGET_HART_SHIFT | 1); // priority 1
}

u32 direct_claim(int route) { return idc(route, CLAIMI) >> 16; }

void direct_complete(int, u32) {}

// ---- MSI mode: the APLIC writes into each hart's IMSIC -----------------------------

void msi_init(const IrqChipInfo& chip)
{
    g_msi_ids = chip.msi_ids;
    aplic_reset(chip, DOMAINCFG_DM_MSI);
}

void msi_init_hart(int)
{
    // Every identity is enabled in the file: the APLIC sends only those of
    // enabled sources, each to one hart.
    imsic_write(IMSIC_EIDELIVERY, 0);
    imsic_write(IMSIC_EITHRESHOLD, 0);
    for (u64 k = 0; k <= g_msi_ids / 64; k++)
        imsic_write(IMSIC_EIE0 + 2 * k, ~u64(0)); // RV64: only the even eie registers exist
    imsic_write(IMSIC_EIDELIVERY, 1);
}

void msi_enable(u32 irq, int target_route)
{
    if (irq > g_sources || irq >= g_msi_ids || target_route < 0)
        return;
    enable_source(irq, u32(target_route) << TARGET_HART_SHIFT | irq);
    retrigger_if_asserted(irq); // the line may be high already
}

u32 msi_claim(int)
{
    u64 top;
    asm volatile("csrrw %0, 0x15c, zero" : "=r"(top)::"memory"); // stopei: read and claim
    return u32(top >> 16) & 0x7ff;
}

void msi_complete(int, u32 irq)
{
    if (irq <= g_sources)
        retrigger_if_asserted(irq);
}
} // namespace

const IrqChipOps g_aplic_direct_ops = {direct_init, direct_init_hart, direct_enable, direct_claim, direct_complete};
const IrqChipOps g_aplic_msi_ops = {msi_init, msi_init_hart, msi_enable, msi_claim, msi_complete};
