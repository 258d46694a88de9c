/*
 * The platform-level interrupt controller (RISC-V PLIC specification).
 * Register layout: source priorities at base + 4*source; the enable bits of
 * context c at base + 0x2000 + 0x80*c; its priority threshold at
 * base + 0x200000 + 0x1000*c and its claim/complete register 4 bytes after.
 *
 * Each hart's S-mode context comes from the device tree (HartInfo), never
 * from a formula: on QEMU virt it is 2*hart+1, on the VisionFive 2 it is
 * different, because hart 0 there has no S-mode.
 */
#include "../kernel/board.h"
#include "../kernel/mm/phys.h"
#include "arch.h"

namespace {
constexpr int MAX_CONTEXTS = 16;
// The PLIC specification allows sources 1..1023; the JH7110 of the
// VisionFive 2 has 136, more than a 128-bit map would hold.
constexpr u32 MAX_SOURCES = 1024;
volatile u32* g_plic = nullptr;
u32 g_ndev = 0;
struct HartContext {
    u32 hart_id;
    int context;
};
HartContext g_contexts[MAX_CONTEXTS];
int g_context_count = 0;
u32 g_enabled[MAX_SOURCES / 32]; // sources enabled so far (bitmap), replayed on late harts

volatile u32* reg(u64 offset) { return g_plic + offset / 4; }

int context_of(u32 hart_id)
{
    for (int i = 0; i < g_context_count; i++)
        if (g_contexts[i].hart_id == hart_id)
            return g_contexts[i].context;
    return -1;
}

void enable_on_context(int ctx, u32 irq)
{
    volatile u32* word = reg(0x2000 + 0x80 * u64(ctx) + 4 * (irq / 32));
    *word = *word | (1u << (irq % 32));
}
} // namespace

void arch::plic_init(const BoardInfo& board)
{
    if (!board.plic.present)
        return;
    g_plic = phys_to_ptr<volatile u32>(board.plic.base);
    g_ndev = board.plic.ndev;
    for (int i = 0; i < board.hart_count && g_context_count < MAX_CONTEXTS; i++) {
        const HartInfo& h = board.harts[i];
        if (h.usable && h.plic_s_context >= 0)
            g_contexts[g_context_count++] = HartContext{h.hart_id, h.plic_s_context};
    }
}

void arch::plic_init_hart(u32 hart_id)
{
    int ctx = context_of(hart_id);
    if (!g_plic || ctx < 0)
        return;
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

void arch::plic_enable(u32 irq)
{
    if (!g_plic || irq == 0 || irq >= MAX_SOURCES || (g_ndev && irq > g_ndev))
        return;
    *reg(4 * u64(irq)) = 1;
    g_enabled[irq / 32] |= 1u << (irq % 32);
    // Any hart may take the interrupt; the claim register arbitrates.
    for (int i = 0; i < g_context_count; i++)
        enable_on_context(g_contexts[i].context, irq);
}

u32 arch::plic_claim(u32 hart_id)
{
    int ctx = context_of(hart_id);
    if (!g_plic || ctx < 0)
        return 0;
    return *reg(0x200004 + 0x1000 * u64(ctx));
}

void arch::plic_complete(u32 hart_id, u32 irq)
{
    int ctx = context_of(hart_id);
    if (g_plic && ctx >= 0)
        *reg(0x200004 + 0x1000 * u64(ctx)) = irq;
}
