/*
 * Turning a device tree into a BoardInfo.
 *
 * One recursive walk visits every node with the #address-cells/#size-cells
 * of its parent, so "reg" is decoded correctly at any depth. Bus "ranges"
 * are assumed to be identity maps, which holds for every board Tandem
 * supports (QEMU virt and sifive_u, the VisionFive 2).
 *
 * PLIC contexts are resolved after the walk: the PLIC's
 * "interrupts-extended" lists (interrupt-controller phandle, cause) pairs,
 * one per context, and the S-mode external interrupt is cause 9 on the
 * hart whose local controller has that phandle.
 */
#include "board.h"

namespace {

constexpr u32 MAX_DEPTH = 16;
constexpr u32 IRQ_S_EXTERNAL = 9;

struct Walker {
    const Fdt& fdt;
    BoardInfo* board;
    Fdt::Node plic_node{};
    bool have_plic = false;
    StringView stdout_path;
    bool uart_from_stdout = false;

    // Reads the first (base, size) pair of "reg".
    bool first_reg(Fdt::Node node, u32 addr_cells, u32 size_cells, u64* base, u64* size)
    {
        Span<const u8> reg;
        u32 bytes = (addr_cells + size_cells) * 4;
        if (addr_cells == 0 || addr_cells > 2 || size_cells > 2 || !fdt.property(node, "reg", &reg) ||
            reg.size() < bytes)
            return false;
        *base = Fdt::read_cells(reg.data(), addr_cells);
        *size = size_cells ? Fdt::read_cells(reg.data() + addr_cells * 4, size_cells) : 0;
        return true;
    }

    void add_reserved(u64 base, u64 size, bool no_map)
    {
        if (size == 0 || board->reserved_count >= BOARD_MAX_RESERVED)
            return;
        board->reserved_no_map[board->reserved_count] = no_map;
        board->reserved[board->reserved_count++] = MemRange{base, size};
    }

    void visit_memory(Fdt::Node node, u32 ac, u32 sc)
    {
        Span<const u8> reg;
        if (!fdt.property(node, "reg", &reg) || ac == 0 || ac > 2 || sc == 0 || sc > 2)
            return;
        u32 bytes = (ac + sc) * 4;
        for (size_t off = 0; off + bytes <= reg.size(); off += bytes) {
            u64 base = Fdt::read_cells(reg.data() + off, ac);
            u64 size = Fdt::read_cells(reg.data() + off + ac * 4, sc);
            if (size && board->memory_count < BOARD_MAX_MEMORY)
                board->memory[board->memory_count++] = MemRange{base, size};
        }
    }

    void visit_cpu(Fdt::Node node)
    {
        if (board->hart_count >= BOARD_MAX_HARTS)
            return;
        HartInfo& hart = board->harts[board->hart_count++];
        hart.hart_id = fdt.property_u32(node, "reg", 0);
        StringView mmu = fdt.property_string(node, "mmu-type");
        hart.usable = fdt.is_enabled(node) && !mmu.is_empty() && !(mmu == "riscv,none");
        hart.has_sstc = isa_has_sstc(node);
        if (board->timebase_hz == 0)
            board->timebase_hz = fdt.property_u32(node, "timebase-frequency", 0);
        Fdt::Node child;
        for (bool ok = fdt.first_child(node, &child); ok; ok = fdt.next_sibling(child, &child))
            if (fdt.is_compatible(child, "riscv,cpu-intc"))
                hart.intc_phandle = fdt.property_u32(child, "phandle", 0);
    }

    bool isa_has_sstc(Fdt::Node node)
    {
        // Newer trees list extensions one per string; older ones append
        // "_sstc" to the single riscv,isa string.
        Span<const u8> list;
        if (fdt.property(node, "riscv,isa-extensions", &list)) {
            size_t i = 0;
            while (i < list.size()) {
                const char* s = reinterpret_cast<const char*>(list.data() + i);
                size_t n = strnlen(s, list.size() - i);
                if (StringView(s, n) == "sstc")
                    return true;
                i += n + 1;
            }
        }
        StringView isa = fdt.property_string(node, "riscv,isa");
        for (size_t i = 0; i + 5 <= isa.length(); i++)
            if (isa.substring(i, 5) == "_sstc" && (i + 5 == isa.length() || isa[i + 5] == '_'))
                return true;
        return false;
    }

    void visit_uart(Fdt::Node node, u32 ac, u32 sc, UartKind kind, StringView path)
    {
        // Prefer the UART that /chosen/stdout-path names; otherwise the first.
        bool is_stdout = !stdout_path.is_empty() && stdout_path.starts_with(path) &&
                         (stdout_path.length() == path.length() || stdout_path[path.length()] == ':');
        if (board->uart.kind != UartKind::None && (uart_from_stdout || !is_stdout))
            return;
        UartInfo uart;
        uart.kind = kind;
        if (!first_reg(node, ac, sc, &uart.base, &uart.size))
            return;
        uart.reg_shift = fdt.property_u32(node, "reg-shift", 0);
        uart.reg_io_width = fdt.property_u32(node, "reg-io-width", 1);
        uart.irq = fdt.property_u32(node, "interrupts", 0);
        uart.clock_hz = fdt.property_u32(node, "clock-frequency", 0);
        uart.designware = fdt.is_compatible(node, "snps,dw-apb-uart");
        if (uart.reg_shift > 4 || (uart.reg_io_width != 1 && uart.reg_io_width != 4))
            return;
        board->uart = uart;
        uart_from_stdout = is_stdout;
    }

    void visit_device(Fdt::Node node, u32 ac, u32 sc, StringView path)
    {
        if (!fdt.is_enabled(node))
            return;
        u64 base, size;
        if (fdt.is_compatible(node, "ns16550a") || fdt.is_compatible(node, "ns16550") ||
            fdt.is_compatible(node, "snps,dw-apb-uart")) {
            visit_uart(node, ac, sc, UartKind::Ns16550, path);
        } else if (fdt.is_compatible(node, "sifive,uart0")) {
            visit_uart(node, ac, sc, UartKind::SifiveUart, path);
        } else if (fdt.is_compatible(node, "riscv,plic0") || fdt.is_compatible(node, "sifive,plic-1.0.0")) {
            if (first_reg(node, ac, sc, &base, &size)) {
                board->plic.present = true;
                board->plic.base = base;
                board->plic.size = size;
                board->plic.ndev = fdt.property_u32(node, "riscv,ndev", 0);
                plic_node = node;
                have_plic = true;
            }
        } else if (fdt.is_compatible(node, "virtio,mmio")) {
            if (board->virtio_count < BOARD_MAX_VIRTIO && first_reg(node, ac, sc, &base, &size)) {
                VirtioMmioInfo& v = board->virtio[board->virtio_count++];
                v.base = base;
                v.size = size;
                v.irq = fdt.property_u32(node, "interrupts", 0);
            }
        } else if (fdt.is_compatible(node, "sifive,test0")) {
            if (first_reg(node, ac, sc, &base, &size)) {
                board->power.kind = PowerKind::SifiveTest;
                board->power.base = base;
                board->power.size = size;
            }
        }
    }

    void visit_chosen(Fdt::Node node)
    {
        StringView args = fdt.property_string(node, "bootargs");
        size_t n = min(args.length(), BOARD_BOOTARGS_MAX - 1);
        if (n)
            memcpy(board->bootargs, args.data(), n);
        board->bootargs[n] = 0;
        Span<const u8> v;
        // initrd bounds may be one or two cells.
        if (fdt.property(node, "linux,initrd-start", &v) && (v.size() == 4 || v.size() == 8))
            board->initrd_start = Fdt::read_cells(v.data(), u32(v.size() / 4));
        if (fdt.property(node, "linux,initrd-end", &v) && (v.size() == 4 || v.size() == 8))
            board->initrd_end = Fdt::read_cells(v.data(), u32(v.size() / 4));
        if (board->initrd_end <= board->initrd_start)
            board->initrd_start = board->initrd_end = 0;
    }

    // Visits `node` whose parent has the given cell sizes; `path` is its
    // absolute path, built in `path_buf`.
    void visit(Fdt::Node node, u32 ac, u32 sc, char* path_buf, size_t path_len, u32 depth)
    {
        if (depth > MAX_DEPTH)
            return;
        StringView name = fdt.name(node);
        StringView path(path_buf, path_len);
        StringView device_type = fdt.property_string(node, "device_type");
        if (device_type == "memory")
            visit_memory(node, ac, sc);
        else if (device_type == "cpu")
            visit_cpu(node);
        else if (depth == 1 && name == "chosen")
            visit_chosen(node);
        else
            visit_device(node, ac, sc, path);

        bool reserved_parent = depth == 1 && name == "reserved-memory";
        u32 child_ac = fdt.property_u32(node, "#address-cells", 2);
        u32 child_sc = fdt.property_u32(node, "#size-cells", 1);
        if (depth == 1 && name == "cpus")
            board->timebase_hz = fdt.property_u32(node, "timebase-frequency", u32(board->timebase_hz));

        Fdt::Node child;
        for (bool ok = fdt.first_child(node, &child); ok; ok = fdt.next_sibling(child, &child)) {
            StringView cname = fdt.name(child);
            size_t len = path_len;
            if (len + 1 + cname.length() < 256) {
                if (len == 0 || path_buf[len - 1] != '/')
                    path_buf[len++] = '/';
                memcpy(path_buf + len, cname.data(), cname.length());
                len += cname.length();
            }
            if (reserved_parent) {
                u64 base, size;
                Span<const u8> dummy;
                if (first_reg(child, child_ac, child_sc, &base, &size))
                    add_reserved(base, size, fdt.property(child, "no-map", &dummy));
            }
            visit(child, child_ac, child_sc, path_buf, len, depth + 1);
        }
    }

    void resolve_plic_contexts()
    {
        Span<const u8> ext;
        if (!have_plic || !fdt.property(plic_node, "interrupts-extended", &ext))
            return;
        // Each context is a (phandle, cause) pair of one cell each: the
        // local interrupt controllers have #interrupt-cells = 1.
        for (size_t ctx = 0; (ctx + 1) * 8 <= ext.size(); ctx++) {
            u32 phandle = Fdt::be32(ext.data() + ctx * 8);
            u32 cause = Fdt::be32(ext.data() + ctx * 8 + 4);
            if (cause != IRQ_S_EXTERNAL)
                continue;
            for (int h = 0; h < board->hart_count; h++)
                if (board->harts[h].intc_phandle == phandle && board->harts[h].intc_phandle != 0)
                    board->harts[h].plic_s_context = int(ctx);
        }
    }
};

} // namespace

int BoardInfo::usable_hart_count() const
{
    int n = 0;
    for (int i = 0; i < hart_count; i++)
        n += harts[i].usable;
    return n;
}

const HartInfo* BoardInfo::find_hart(u32 hart_id) const
{
    for (int i = 0; i < hart_count; i++)
        if (harts[i].hart_id == hart_id)
            return &harts[i];
    return nullptr;
}

Result<void> board_from_fdt(const Fdt& fdt, BoardInfo* board)
{
    *board = BoardInfo();
    Walker w{fdt, board, Fdt::Node{}, false, StringView(), false};
    Fdt::Node chosen;
    if (fdt.find_path("/chosen", &chosen))
        w.stdout_path = fdt.property_string(chosen, "stdout-path");
    // "serial0:115200n8" names an alias (U-Boot's trees); resolve it to a path.
    if (!w.stdout_path.is_empty() && w.stdout_path[0] != '/') {
        long colon = w.stdout_path.find(':');
        StringView alias = colon < 0 ? w.stdout_path : w.stdout_path.substring(0, size_t(colon));
        Fdt::Node aliases;
        if (fdt.find_path("/aliases", &aliases))
            w.stdout_path = fdt.property_string(aliases, alias);
    }

    StringView model = fdt.property_string(fdt.root(), "model");
    size_t n = min(model.length(), sizeof(board->model) - 1);
    if (n)
        memcpy(board->model, model.data(), n);

    for (size_t i = 0;; i++) {
        u64 base, size;
        if (!fdt.reservation(i, &base, &size))
            break;
        w.add_reserved(base, size, false);
    }

    char path[256] = "/";
    u32 ac = fdt.property_u32(fdt.root(), "#address-cells", 2);
    u32 sc = fdt.property_u32(fdt.root(), "#size-cells", 1);
    // The root's own properties hold the cells for its children; the root
    // itself has no "reg".
    Fdt::Node child;
    for (bool ok = fdt.first_child(fdt.root(), &child); ok; ok = fdt.next_sibling(child, &child)) {
        StringView cname = fdt.name(child);
        size_t len = 1 + min(cname.length(), size_t(250));
        memcpy(path + 1, cname.data(), len - 1);
        w.visit(child, ac, sc, path, len, 1);
    }
    w.resolve_plic_contexts();

    if (board->memory_count == 0 || board->timebase_hz == 0)
        return Error(ERR_INVAL);
    return {};
}
