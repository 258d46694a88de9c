/*
 * Bringing up physical memory at boot.
 *
 * First the memory map is settled: a mem= boot argument caps RAM (for
 * firmware whose tree claims more than the board has), and a RAM disk that
 * does not lie in RAM is refused rather than read (QEMU 7.2 writes a high
 * initrd-start as a single 32-bit cell, truncating it).
 *
 * Then the page allocator gets its descriptors, one array per memory bank
 * (plan_descriptor_spans), each carved from the first free piece of RAM big
 * enough to hold it, and every page not taken out:
 * the kernel image (from its load address to _end, bss included), the
 * device tree, the initrd, every /memreserve/ and /reserved-memory range
 * (OpenSBI protects its own memory there), and the descriptors themselves.
 */
#include "../../riscv/arch.h"
#include "boot.h"
#include "../lib/kstring.h"
#include "../mm/memory_map.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../console/printk.h"

extern "C" char _start[], _end[];

namespace {

u64 total_bytes(const MemRange* ranges, int n)
{
    u64 sum = 0;
    for (int i = 0; i < n; i++)
        sum += ranges[i].size;
    return sum;
}

void apply_memory_limit(BoardInfo* board)
{
    char text[32];
    if (!bootarg_value("mem", text, sizeof(text)))
        return;
    u64 limit;
    if (!parse_size(StringView(text), &limit) || limit < (16u << 20)) {
        kprintf("mem=%s: not a size of at least 16M (such as 512M or 2G); ignored\n", text);
        return;
    }
    MemRange capped[BOARD_MAX_MEMORY];
    memcpy(capped, board->memory, sizeof(capped));
    int n = limit_memory(capped, board->memory_count, limit);
    paddr_t load = arch::kernel_load_address();
    if (!range_inside(capped, n, load, u64(_end - _start))) {
        kprintf("mem=%s would leave out the kernel itself (loaded at %p); ignored\n", text,
                reinterpret_cast<void*>(load));
        return;
    }
    u64 before = total_bytes(board->memory, board->memory_count);
    memcpy(board->memory, capped, sizeof(capped));
    board->memory_count = n;
    kprintf("mem=%s: using %lu MiB of the %lu MiB the device tree describes\n", text,
            total_bytes(board->memory, n) >> 20, before >> 20);
}

void refuse_initrd_outside_memory(BoardInfo* board)
{
    if (!board->initrd_end)
        return;
    u64 size = board->initrd_end - board->initrd_start;
    u64 reachable_end = min(board->initrd_end, u64(DIRECT_MAP_SIZE));
    if (range_inside(board->memory, board->memory_count, board->initrd_start, size) &&
        reachable_end == board->initrd_end)
        return;
    kprintf("initrd: [%p, %p) is not in RAM; ignoring it (a loader that wrote a 64-bit address as one "
            "32-bit cell? see docs/porting.md)\n",
            reinterpret_cast<void*>(board->initrd_start), reinterpret_cast<void*>(board->initrd_end));
    board->initrd_start = board->initrd_end = 0;
}

// Takes `bytes` from the first free range that holds them (page aligned);
// returns its address, or 0.
paddr_t carve(MemRange* free_ranges, int n, size_t bytes)
{
    for (int i = 0; i < n; i++) {
        u64 start = page_round_up(free_ranges[i].base);
        u64 end = free_ranges[i].end();
        if (start + bytes <= end) {
            free_ranges[i] = MemRange{start + bytes, end - (start + bytes)};
            return start;
        }
    }
    return 0;
}

} // namespace

void settle_memory_map(BoardInfo* board)
{
    apply_memory_limit(board);
    refuse_initrd_outside_memory(board);
}

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

    MemRange spans[PAGE_MAX_SPANS];
    int span_count = plan_descriptor_spans(board.memory, board.memory_count, spans, PAGE_MAX_SPANS);
    page_alloc_reset();
    for (int s = 0; s < span_count; s++) {
        size_t bytes = page_round_up(page_span_descriptor_count(spans[s].base, spans[s].end()) * sizeof(Page));
        paddr_t descriptors = carve(free_ranges, n, bytes);
        if (!descriptors)
            panic("no room for %zu bytes of page descriptors", bytes);
        if (!page_alloc_add_span(spans[s].base, spans[s].end(), phys_to_ptr<Page>(descriptors)))
            panic("cannot describe memory [%p, %p)", reinterpret_cast<void*>(spans[s].base),
                  reinterpret_cast<void*>(spans[s].end()));
    }
    for (int i = 0; i < n; i++)
        page_add_free_range(free_ranges[i].base, min(free_ranges[i].end(), u64(DIRECT_MAP_SIZE)));
}
