/*
 * The drivers behind arch::irqchip_*: one table of operations per kind of
 * interrupt controller (riscv/plic.cc, riscv/aplic.cc). irqchip.cc picks
 * the table the board needs and translates CPU numbers into routes.
 *
 * A "route" is what HartInfo::irq_context holds for a hart: its PLIC
 * context, its APLIC IDC index, or its IMSIC hart index. init_hart and
 * claim run on the hart that owns the route (the IMSIC is reached through
 * that hart's own CSRs).
 */
#pragma once

#include "../kernel/board/board.h"

struct IrqChipOps {
    void (*init)(const IrqChipInfo& chip);
    // Prepares the calling hart's route to receive device interrupts.
    void (*init_hart)(int route);
    // Lets source `irq` interrupt; a controller that delivers each source
    // to one hart (the APLIC) sends it to `target_route`.
    void (*enable)(u32 irq, int target_route);
    // The next pending source for the calling hart, 0 if none.
    u32 (*claim)(int route);
    void (*complete)(int route, u32 irq);
};

extern const IrqChipOps g_plic_ops;
extern const IrqChipOps g_aplic_direct_ops;
extern const IrqChipOps g_aplic_msi_ops;
