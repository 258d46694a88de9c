/*
 * Device interrupts, whatever the controller: the PLIC, or the Advanced
 * Interrupt Architecture's APLIC in direct mode or sending MSIs to IMSICs
 * (QEMU virt,aia=aplic and aia=aplic-imsic). The kernel sees only
 * arch::irqchip_*; this file picks the driver the device tree calls for
 * and keeps each CPU's route (HartInfo::irq_context).
 *
 * The routes are written once per CPU as it comes up (before it takes
 * interrupts) and only read afterwards.
 */
#include "../kernel/cpu/cpu.h"
#include "../kernel/console/printk.h"
#include "arch.h"
#include "irqchip.h"

namespace {
const IrqChipOps* g_ops = nullptr;
const BoardInfo* g_board_info = nullptr;
int g_route[MAX_CPUS];
u32 g_sources = 0;

int route_of_hart(u32 hart_id)
{
    const HartInfo* hart = g_board_info->find_hart(hart_id);
    return hart ? hart->irq_context : -1;
}
} // namespace

bool arch::irqchip_init(const BoardInfo& board)
{
    for (int& route : g_route)
        route = -1;
    g_board_info = &board;
    g_sources = board.irqchip.sources;
    switch (board.irqchip.kind) {
    case IrqChipKind::Plic: g_ops = &g_plic_ops; break;
    case IrqChipKind::Aplic: g_ops = &g_aplic_direct_ops; break;
    case IrqChipKind::AplicMsi: g_ops = &g_aplic_msi_ops; break;
    case IrqChipKind::None: g_ops = nullptr; return false;
    }
    g_ops->init(board.irqchip);
    return true;
}

bool arch::irqchip_init_hart(u32 cpu, u32 hart_id)
{
    int route = g_ops && cpu < u32(MAX_CPUS) ? route_of_hart(hart_id) : -1;
    if (route < 0)
        return false;
    g_route[cpu] = route;
    g_ops->init_hart(route);
    return true;
}

void arch::irqchip_enable(u32 cpu, u32 irq)
{
    if (!g_ops || irq == 0 || (g_sources && irq > g_sources))
        return;
    // Where a controller delivers each source to one hart, it is the hart
    // that asks (drivers register at boot, on the boot hart), or, if that
    // hart has no route, the first usable hart that has one.
    int target = cpu < u32(MAX_CPUS) ? g_route[cpu] : -1;
    for (int i = 0; i < g_board_info->hart_count && target < 0; i++)
        if (g_board_info->harts[i].usable)
            target = g_board_info->harts[i].irq_context;
    g_ops->enable(irq, target);
}

u32 arch::irqchip_claim(u32 cpu)
{
    int route = cpu < u32(MAX_CPUS) ? g_route[cpu] : -1;
    return route >= 0 ? g_ops->claim(route) : 0;
}

void arch::irqchip_complete(u32 cpu, u32 irq)
{
    int route = cpu < u32(MAX_CPUS) ? g_route[cpu] : -1;
    if (route >= 0)
        g_ops->complete(route, irq);
}
