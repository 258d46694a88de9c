/*
 * The supervisor timer. With the Sstc extension the kernel writes the
 * deadline straight into stimecmp (CSR 0x14D); without it, it asks the
 * firmware through the SBI TIME extension. Either way, a new deadline also
 * clears the pending timer interrupt.
 *
 * Sstc is used only if the device tree lists it for every usable hart and
 * the CSR can actually be read (the firmware must have set menvcfg.STCE;
 * otherwise the read traps and the fix-up reports "absent").
 */
#include "../kernel/board/board.h"
#include "../kernel/console/printk.h"
#include "arch.h"
#include "exception_table.h"
#include "sbi.h"

namespace {
u64 g_timebase_hz = 10000000;
bool g_use_sstc = false;

bool stimecmp_readable()
{
    u64 ok = 0;
    asm volatile("1: csrr t0, 0x14d\n"
                 "   li %0, 1\n"
                 "2:\n" EX_TABLE_ENTRY(1b, 2b)
                 : "+r"(ok)
                 :
                 : "t0");
    return ok != 0;
}
} // namespace

u64 arch::timebase_hz() { return g_timebase_hz; }
bool arch::timer_uses_sstc() { return g_use_sstc; }

void arch::timer_init(const BoardInfo& board)
{
    g_timebase_hz = board.timebase_hz;
    bool all_sstc = true;
    for (int i = 0; i < board.hart_count; i++)
        if (board.harts[i].usable && !board.harts[i].has_sstc)
            all_sstc = false;
    g_use_sstc = all_sstc && stimecmp_readable();
}

void arch::timer_init_hart(u32)
{
    csr_set(sie, SIE_STIE);
}

void arch::timer_set(u64 deadline)
{
    if (g_use_sstc)
        asm volatile("csrw 0x14d, %0" ::"r"(deadline));
    else
        sbi_set_timer(deadline);
}
