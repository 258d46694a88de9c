/*
 * Starting harts, inter-processor interrupts, remote TLB flushes and
 * power-off.
 *
 * Power-off prefers the sifive,test0 finisher when the device tree has one,
 * because it lets a test run end QEMU with an exit code (write 0x5555 for
 * success, or 0x3333 | code << 16 for failure); otherwise it uses the SBI
 * system-reset extension.
 */
#include "../kernel/board/board.h"
#include "../kernel/cpu/cpu.h"
#include "../kernel/mm/phys.h"
#include "arch.h"
#include "sbi.h"

extern "C" char _start[];
extern "C" void secondary_entry();

namespace {
paddr_t g_load_address = 0;
volatile u32* g_finisher = nullptr;
} // namespace

void arch::set_kernel_load_address(paddr_t pa) { g_load_address = pa; }

paddr_t arch::kernel_load_address() { return g_load_address; }

paddr_t arch::kernel_phys(const void* symbol) { return uptr(symbol) - uptr(_start) + g_load_address; }

bool arch::start_hart(u32 hart_id, u64 stack_top)
{
    return sbi_hart_start(hart_id, kernel_phys(reinterpret_cast<const void*>(&secondary_entry)), stack_top) == 0;
}

void arch::firmware_putchar(char c) { sbi_console_putchar(c); }

void arch::send_ipi(u32 hart_id) { sbi_send_ipi(1, hart_id); }

void arch::clear_ipi() { csr_clear(sip, SIE_SSIE); }

void arch::flush_tlb_remote(u64 cpu_mask, vaddr_t va, u64 size)
{
    // SBI names harts by a 64-bit mask above a base hart id; hart ids may
    // be anything, so gather them in windows of 64 from the lowest one
    // still pending, one call per window (one call in all on most boards).
    while (cpu_mask) {
        u32 base = ~0u;
        for (int cpu = 0; cpu < MAX_CPUS; cpu++)
            if (cpu_mask & (u64(1) << cpu))
                base = min(base, g_cpus[cpu].hart_id);
        u64 harts = 0;
        for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
            u32 offset = g_cpus[cpu].hart_id - base;
            if ((cpu_mask & (u64(1) << cpu)) && offset < 64) {
                harts |= u64(1) << offset;
                cpu_mask &= ~(u64(1) << cpu);
            }
        }
        sbi_remote_sfence_vma(harts, base, va, size);
    }
}

void arch::power_init(const BoardInfo& board)
{
    sbi_check_firmware();
    if (board.power.kind == PowerKind::SifiveTest)
        g_finisher = phys_to_ptr<volatile u32>(board.power.base);
}

void arch::power_off(int exit_code)
{
    if (g_finisher) {
        *g_finisher = exit_code == 0 ? 0x5555 : (0x3333 | (u32(exit_code & 0xffff) << 16));
    }
    u32 reason = exit_code == 0 ? SBI_RESET_REASON_NONE : SBI_RESET_REASON_FAILURE;
    sbi_system_reset(SBI_RESET_SHUTDOWN, reason);
    // Some boards (QEMU sifive_u) have no power-off device but can reset;
    // QEMU run with -no-reboot then exits.
    sbi_system_reset(SBI_RESET_COLD_REBOOT, reason);
    for (;;)
        arch::wait_for_interrupt();
}
