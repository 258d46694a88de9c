/*
 * The platform-level interrupt controller (RISC-V PLIC specification).
 * Register layout: source priorities at base + 4*source; the enable bits of
 * context c at base + 0x2000 + 0x80*c; its priority threshold at
 * base + 0x200000 + 0x1000*c and its claim/complete register 4 bytes after.
 *
 * Each hart's S-mode context comes from the device tree (HartInfo), never
 * from a formula: on QEMU virt it is 2*hart+1, on the VisionFive 2 it is
 * different, because hart 0 there has no S-mode. Every source is enabled
 * on every context; the claim register decides which hart takes it. The
 * T-Head C900 PLIC (Allwinner D1, TH1520) has the same registers.
 */
#include "../kernel/cpu/cpu.h"
#include "../kernel/mm/phys.h"
#include "arch.h"
#include "irqchip.h"

namespace {
// The PLIC specification allows sources 1..1023; the JH7110 of the
// VisionFive 2 has 136, more than a 128-bit map would hold.
constexpr u32 MAX_SOURCES = 1024;
volatile u32* g_plic = nullptr;
u32 g_ndev = 0;
int g_contexts[MAX_CPUS]; // the contexts set up so far
int g_context_count = 0;
u32 g_enabled[MAX_SOURCES / 32]; // sources enabled so far (bitmap), replayed on late harts

volatile u32* reg(u64 offset) { return g_plic + offset / 4; }

void enable_on_context(int ctx, u32 irq)
{
    volatile u32* word = reg(0x2000 + 0x80 * u64(ctx) + 4 * (irq / 32));
    *word = *word | (1u << (irq % 32));
}

void plic_init(const IrqChipInfo& chip)
{
    g_plic = phys_to_ptr<volatile u32>(chip.base);
    g_ndev = chip.sources;
}

void plic_init_hart(int ctx)
{
    if (g_context_count < MAX_CPUS)
        g_contexts[g_context_count++] = ctx;
    *reg(0x200000 + 0x1000 * u64(ctx)) = 0; // accept every priority
    // Firmware may have left sources enabled on this context; a source no
    // driver registered would then interrupt with no one to handle it.
    u32 last = g_ndev && g_ndev < MAX_SOURCES ? g_ndev : MAX_SOURCES - 1;
    for (u32 word = 0; word <= last / 32; word++)
        *reg(0x2000 + 0x80 * u64(ctx) + 4 * word) = 0;
    for (u32 irq = 1; irq < MAX_SOURCES; irq++)
        if (g_enabled[irq / 32] & (1u << (irq % 32)))
            enable_on_context(ctx, irq);
}

void plic_enable(u32 irq, int)
{
    if (irq >= MAX_SOURCES)
        return;
    *reg(4 * u64(irq)) = 1;
    g_enabled[irq / 32] |= 1u << (irq % 32);
    // Any hart may take the interrupt; the claim register arbitrates.
    for (int i = 0; i < g_context_count; i++)
        enable_on_context(g_contexts[i], irq);
}

u32 plic_claim(int ctx) { return *reg(0x200004 + 0x1000 * u64(ctx)); }

void plic_complete(int ctx, u32 irq) { *reg(0x200004 + 0x1000 * u64(ctx)) = irq; }
} // namespace

const IrqChipOps g_plic_ops = {plic_init, plic_init_hart, plic_enable, plic_claim, plic_complete};
