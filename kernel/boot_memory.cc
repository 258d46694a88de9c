/*
 * Bringing up physical memory at boot.
 *
 * Taken out of RAM, never to be handed out: the kernel image (from its load
 * address to _end, bss included), the device tree, the initrd, every
 * /memreserve/ and /reserved-memory range (OpenSBI protects its own memory
 * there), and the page descriptor array itself, which is carved from the
 * first free piece big enough to hold it.
 */
#include "../riscv/arch.h"
#include "boot.h"
#include "mm/memory_map.h"
#include "mm/page_alloc.h"
#include "mm/phys.h"
#include "printk.h"

extern "C" char _start[], _end[];

void init_physical_memory(const BoardInfo& board, paddr_t dtb, size_t dtb_size)
{
    MemRange holes[BOARD_MAX_RESERVED + 4];
    int hole_count = 0;
    for (int i = 0; i < board.reserved_count; i++)
        holes[hole_count++] = board.reserved[i];
    paddr_t load = arch::kernel_load_address();
    holes[hole_count++] = MemRange{load, u64(_end - _start)};
    holes[hole_count++] = MemRange{page_round_down(dtb), page_round_up(dtb + dtb_size) - page_round_down(dtb)};
    if (board.initrd_end > board.initrd_start)
        holes[hole_count++] = MemRange{page_round_down(board.initrd_start),
                                       page_round_up(board.initrd_end) - page_round_down(board.initrd_start)};

    MemRange free_ranges[MEMORY_MAP_MAX_RANGES];
    int n = subtract_ranges(board.memory, board.memory_count, holes, hole_count, free_ranges,
                            MEMORY_MAP_MAX_RANGES);

    paddr_t lowest = ~paddr_t(0), highest = 0;
    for (int i = 0; i < board.memory_count; i++) {
        lowest = min(lowest, board.memory[i].base);
        highest = max(highest, min(board.memory[i].end(), u64(DIRECT_MAP_SIZE)));
    }
    size_t bytes = page_round_up(page_descriptor_count(lowest, highest) * sizeof(Page));

    // Carve the descriptor array from the first piece that holds it.
    paddr_t descriptors = 0;
    for (int i = 0; i < n && !descriptors; i++) {
        u64 start = page_round_up(free_ranges[i].base);
        if (start + bytes <= free_ranges[i].end()) {
            descriptors = start;
            u64 end = free_ranges[i].end();
            free_ranges[i] = MemRange{start + bytes, end - (start + bytes)};
        }
    }
    if (!descriptors)
        panic("no room for %zu bytes of page descriptors", bytes);

    page_alloc_init(lowest, highest, phys_to_ptr<Page>(descriptors));
    for (int i = 0; i < n; i++)
        page_add_free_range(free_ranges[i].base, min(free_ranges[i].end(), u64(DIRECT_MAP_SIZE)));
}
