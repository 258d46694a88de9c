/*
 * libFuzzer target: the device-tree reader (kernel/board/fdt.cc) and the board
 * discovery on top of it (kernel/board/board.cc), given arbitrary bytes as the
 * blob the boot loader passed in a1.
 *
 * Everything the kernel does with a tree at boot is done here: the header
 * check, a walk of every node with every property the board code reads,
 * path and phandle lookups, the reservation block, and board_from_fdt.
 * A read outside the blob is an AddressSanitizer report (the blob is copied
 * into a buffer of exactly its size); a walk that does not end is reported
 * by libFuzzer's timeout, or by the step limit below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/board/board.h"
#include "kernel/board/fdt.h"

namespace {

constexpr int MAX_STEPS = 200000; // far more nodes than any blob of this size can hold

int g_steps = 0;
volatile u8 g_sink; // keeps the reads below from being optimized away

void step()
{
    if (++g_steps > MAX_STEPS)
        __builtin_trap(); // the walk does not end: a loop in the tree reader
}

void visit(const Fdt& fdt, Fdt::Node node, int depth)
{
    step();
    StringView name = fdt.name(node);
    (void)name;
    Span<const u8> value;
    static const char* const props[] = {"compatible", "reg", "status", "#address-cells", "#size-cells",
                                        "interrupts", "interrupts-extended", "phandle", "bootargs",
                                        "stdout-path", "timebase-frequency", "mmu-type", "riscv,ndev",
                                        "linux,initrd-start", "linux,initrd-end", "reg-shift", "reg-io-width"};
    for (const char* p : props) {
        if (fdt.property(node, StringView(p), &value)) {
            // Touch every byte the kernel may read.
            u8 sum = 0;
            for (size_t i = 0; i < value.size(); i++)
                sum = u8(sum ^ value[i]);
            g_sink = sum;
        }
        (void)fdt.property_u32(node, StringView(p), 0);
        StringView s = fdt.property_string(node, StringView(p));
        if (s.length())
            g_sink = u8(s[s.length() - 1]);
    }
    (void)fdt.is_compatible(node, StringView("ns16550a"));
    (void)fdt.is_enabled(node);
    if (depth > 64)
        return;
    Fdt::Node child;
    if (fdt.first_child(node, &child)) {
        do {
            visit(fdt, child, depth + 1);
            step();
        } while (fdt.next_sibling(child, &child));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    g_steps = 0;
    // Exactly the input's size, so any over-read is caught.
    uint8_t* blob = static_cast<uint8_t*>(malloc(size ? size : 1));
    memcpy(blob, data, size);
    auto parsed = Fdt::from_blob(blob, size);
    if (parsed.ok()) {
        const Fdt& fdt = parsed.value();
        if (fdt.total_size() > size)
            __builtin_trap(); // accepted a tree larger than the memory it is in
        visit(fdt, fdt.root(), 0);
        Fdt::Node node;
        (void)fdt.find_path(StringView("/chosen"), &node);
        (void)fdt.find_path(StringView("/soc/serial@10000000"), &node);
        (void)fdt.find_path(StringView("/cpus/cpu@0/interrupt-controller"), &node);
        (void)fdt.find_phandle(1, &node);
        (void)fdt.find_phandle(0xffffffff, &node);
        size_t n = fdt.reservation_count();
        for (size_t i = 0; i < n && i < 4096; i++) {
            u64 base, len;
            (void)fdt.reservation(i, &base, &len);
        }
        auto* board = static_cast<BoardInfo*>(malloc(sizeof(BoardInfo)));
        memset(static_cast<void*>(board), 0, sizeof(BoardInfo));
        (void)board_from_fdt(fdt, board);
        free(board);
    }
    free(blob);
    return 0;
}
