/*
 * The kernel's own page table.
 *
 * entry.S starts the kernel on a boot table that maps only the gigabytes it
 * needs to reach C++. Once the device tree is parsed, boot code widens that
 * table's direct map to all of RAM (early_map_ram) so the page allocator
 * can hand out any page, then builds the real table (build_kernel_map):
 *   - the image at KERNEL_VBASE with exact permissions (text R+X, read-only
 *     data R, data and bss R+W), 4 KiB pages;
 *   - RAM in the direct map, R+W, with the largest pages alignment allows,
 *     skipping reserved ranges marked no-map (firmware);
 *   - the MMIO ranges of the devices the device tree names, R+W.
 * All kernel mappings are global (G) and supervisor-only. The kernel half of
 * this table is copied into every user page table and never changes after
 * boot.
 */
#include "../kernel/board/board.h"
#include "../kernel/mm/memory_map.h"
#include "../kernel/console/printk.h"
#include "arch.h"
#include "sv39.h"

extern "C" char _start[], _etext[], _erodata[], _end[];
extern "C" sv39::Pte boot_root_table[];

namespace {
PageTable g_kernel_table;

Result<void> map_image(PageTable& table)
{
    paddr_t load = arch::kernel_load_address();
    auto map_part = [&](char* from, char* to, u32 perms) {
        u64 start = u64(from), end = page_round_up(u64(to));
        return table.map_range(start, load + (start - u64(_start)), end - start, perms | PERM_GLOBAL, false);
    };
    TRY(map_part(_start, _etext, PERM_READ | PERM_EXEC));
    TRY(map_part(_etext, _erodata, PERM_READ));
    TRY(map_part(_erodata, _end, PERM_READ | PERM_WRITE));
    return {};
}

Result<void> map_device(PageTable& table, u64 base, u64 size)
{
    if (size == 0)
        return {};
    // Devices are reached through the direct map, which covers the first
    // DIRECT_MAP_SIZE of physical space. Registers beyond it (the TH1520's
    // at 1 TiB) would wrap around into the user half: refuse clearly.
    if (base >= DIRECT_MAP_SIZE || size > DIRECT_MAP_SIZE - base)
        panic("device registers at %p lie beyond the %lu GiB of physical space the direct map covers "
              "(DIRECT_MAP_SIZE, riscv/memlayout.h; see docs/porting.md)",
              reinterpret_cast<void*>(base), u64(DIRECT_MAP_SIZE) >> 30);
    u64 start = page_round_down(base), end = page_round_up(base + size);
    return table.map_range(DIRECT_MAP_BASE + start, start, end - start, PERM_READ | PERM_WRITE | PERM_GLOBAL, false);
}
} // namespace

void arch::early_map_ram(const BoardInfo& board)
{
    for (int i = 0; i < board.memory_count; i++) {
        u64 first = board.memory[i].base >> 30;
        u64 last = (board.memory[i].end() - 1) >> 30;
        for (u64 g = first; g <= last && (g << 30) < DIRECT_MAP_SIZE; g++)
            boot_root_table[DIRECT_MAP_ROOT_SLOT + g] =
                sv39::make_pte(g << 30, sv39::PTE_V | sv39::PTE_R | sv39::PTE_W | sv39::PTE_A | sv39::PTE_D);
    }
    arch::flush_tlb_all();
}

Result<void> arch::build_kernel_map(const BoardInfo& board)
{
    PageTable table = TRY(PageTable::create_empty());
    TRY(map_image(table));

    // RAM minus no-map reservations.
    MemRange holes[BOARD_MAX_RESERVED];
    int hole_count = 0;
    for (int i = 0; i < board.reserved_count; i++)
        if (board.reserved_no_map[i])
            holes[hole_count++] = board.reserved[i];
    MemRange pieces[MEMORY_MAP_MAX_RANGES];
    int n = subtract_ranges(board.memory, board.memory_count, holes, hole_count, pieces, MEMORY_MAP_MAX_RANGES);
    for (int i = 0; i < n; i++) {
        u64 start = page_round_up(pieces[i].base), end = page_round_down(pieces[i].end());
        if (end > DIRECT_MAP_SIZE)
            end = DIRECT_MAP_SIZE;
        if (start < end)
            TRY(table.map_range(DIRECT_MAP_BASE + start, start, end - start, PERM_READ | PERM_WRITE | PERM_GLOBAL,
                                true));
    }

    TRY(map_device(table, board.uart.base, board.uart.size));
    TRY(map_device(table, board.irqchip.base, board.irqchip.size));
    for (int i = 0; i < board.virtio_count; i++)
        TRY(map_device(table, board.virtio[i].base, board.virtio[i].size));
    TRY(map_device(table, board.power.base, board.power.size));

    g_kernel_table = table;
    return {};
}

void arch::activate_kernel_map() { arch::set_page_table(g_kernel_table.root()); }

paddr_t arch::kernel_page_table() { return g_kernel_table.root(); }
