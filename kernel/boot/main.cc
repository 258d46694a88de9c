/*
 * The boot hart's path from entry.S to the scheduler.
 *
 * Order matters: the device tree must be read before memory can be
 * managed, memory before the kernel page table can be built, the page
 * table before any device can be touched, and the console before the
 * banner.
 */
#include "../../riscv/arch.h"
#include "boot.h"
#include "../console/console.h"
#include "../cpu/cpu.h"
#include "../drivers/uart.h"
#include "../fs/fs.h"
#include "../mm/page_alloc.h"
#include "../mm/file_store.h"
#include "../mm/phys.h"
#include "../mm/vm_check.h"
#include "../lib/params.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "../proc/sched.h"
#include "../shm/shared_region.h"
#include "../trap/interrupts.h"

BoardInfo g_board;


namespace {

// Says which harts of the tree the kernel does not use, grouped by reason.
void print_harts_left_out(const BoardInfo& board)
{
    static const HartUnusable reasons[] = {HartUnusable::Disabled, HartUnusable::NoMmu,
                                           HartUnusable::NoInterruptContext};
    for (HartUnusable why : reasons) {
        int n = 0;
        for (int i = 0; i < board.hart_count; i++)
            n += board.harts[i].why_unusable == why;
        if (!n)
            continue;
        kprintf("harts left out, %s: %d (hart ids", hart_unusable_reason(why), n);
        for (int i = 0; i < board.hart_count; i++)
            if (board.harts[i].why_unusable == why)
                kprintf(" %u", board.harts[i].hart_id);
        kprintf(")\n");
    }
    if (board.cpu_nodes > board.hart_count)
        kprintf("harts left out, beyond the %d cpu nodes recorded (BOARD_MAX_HARTS): %d\n", board.hart_count,
                board.cpu_nodes - board.hart_count);
}

void print_banner(const BoardInfo& board)
{
    u64 ram = 0;
    for (int i = 0; i < board.memory_count; i++)
        ram += board.memory[i].size;
    kprintf("\nTandem %s (RISC-V Sv39) on %s\n", TANDEM_VERSION, board.model[0] ? board.model : "unknown board");
    kprintf("harts online: %d (hart ids", g_cpu_count);
    for (int i = 0; i < g_cpu_count; i++)
        kprintf(" %u", g_cpus[i].hart_id);
    kprintf(")\n");
    print_harts_left_out(board);
    PageStats stats = page_stats();
    kprintf("memory: %lu MiB, %lu pages free of %lu\n", ram >> 20, stats.free_pages, stats.total_pages);
    kprintf("timebase: %lu Hz, timer: %s\n", board.timebase_hz, arch::timer_uses_sstc() ? "sstc" : "sbi");
    const char* uart = console_driver() ? console_driver()->name : "sbi";
    kprintf("devices: console %s @ %p irq %u", uart, reinterpret_cast<void*>(board.uart.base), board.uart.irq);
    kprintf(", %s @ %p", irqchip_name(board.irqchip.kind), reinterpret_cast<void*>(board.irqchip.base));
    kprintf(", %d virtio-mmio", board.virtio_count);
    if (board.power.kind == PowerKind::SifiveTest)
        kprintf(", test finisher @ %p", reinterpret_cast<void*>(board.power.base));
    if (board.initrd_end)
        kprintf(", initrd %lu KiB", (board.initrd_end - board.initrd_start) >> 10);
    kprintf("\n");
    if (board.bootargs[0])
        kprintf("bootargs: %s\n", board.bootargs);
}

} // namespace

extern "C" [[noreturn]] void boot_main(u64 hart_id, paddr_t dtb, paddr_t load_address)
{
    run_global_constructors();
    Cpu* cpu = &g_cpus[0];
    cpu->id = 0;
    cpu->hart_id = u32(hart_id);
    arch::set_cpu_local(cpu);
    arch::set_kernel_load_address(load_address);

    auto fdt = Fdt::from_blob(phys_to_virt(dtb), FDT_MAX_SIZE);
    if (fdt.is_error())
        panic("no valid device tree at %p", reinterpret_cast<void*>(dtb));
    if (board_from_fdt(fdt.value(), &g_board, u32(hart_id)).is_error())
        panic("device tree lacks memory or timebase");

    settle_memory_map(&g_board);
    arch::early_map_ram(g_board);
    init_physical_memory(g_board, dtb, fdt.value().total_size());
    if (arch::build_kernel_map(g_board).is_error())
        panic("out of memory building the kernel page table");
    arch::activate_kernel_map();

    arch::trap_init_hart();
    // Before anything can panic for want of a device: a panic powers off
    // through the test finisher, which gives QEMU a failure status.
    arch::power_init(g_board);
    if (!arch::irqchip_init(g_board))
        panic("no interrupt controller with S-mode contexts in the device tree (a PLIC: riscv,plic0, "
              "sifive,plic-1.0.0, thead,c900-plic; or an AIA APLIC: riscv,aplic, with riscv,imsics): the disk "
              "and the console could never interrupt");
    if (!arch::irqchip_init_hart(0, u32(hart_id)))
        kprintf("the boot hart (%lu) has no S-mode interrupt context: it takes no device interrupts\n", hart_id);
    console_init(g_board);
    arch::timer_init(g_board);
    start_timer_on_this_cpu();
    cpu->online.store(true);

    start_secondary_harts();
    print_banner(g_board);
    arch::irq_enable();

    if (bootarg_flag("ktest_panic"))
        trigger_test_panic();
    if (bootarg_flag("ktest")) {
        int failed = run_kernel_tests();
        arch::power_off(failed ? 1 : 0);
    }
    shm_init(total_page_count());
    vm_check_init(bootarg_flag("vmcheck"));
    set_page_reclaimer(file_cache_reclaim);
    probe_block_devices();
    create_init_process();
    release_secondaries_to_scheduler();
    scheduler_loop();
}
