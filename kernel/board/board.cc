/*
 * Turning a device tree into a BoardInfo.
 *
 * One recursive walk visits every node with the #address-cells/#size-cells
 * of its parent, so "reg" is decoded correctly at any depth. Bus "ranges"
 * are assumed to be identity maps, which holds for every board Tandem
 * supports (QEMU virt and sifive_u, the VisionFive 2).
 *
 * Interrupt routes are resolved after the walk. An interrupt controller's
 * "interrupts-extended" lists (interrupt-controller phandle, cause) pairs,
 * one per context; the S-mode external interrupt is cause 9 on the hart
 * whose local controller has that phandle (firmware rewrites the M-mode
 * pairs, cause 11, to 0xffffffff or leaves them: either way they are not
 * ours). For a PLIC the pair's position is the context number; for an
 * APLIC domain in direct mode it is the IDC index; an APLIC domain in MSI
 * mode names its IMSICs through "msi-parent", and the position in the
 * IMSIC's list is the hart index the APLIC targets. Of several controllers
 * (QEMU's AIA has an M-mode and an S-mode APLIC domain) the kernel drives
 * the one with S-mode routes.
 *
 * A hart is usable when it is enabled, has an MMU, and (if there is an
 * interrupt controller at all) has an S-mode route: a monitor core marked
 * "okay" with an mmu-type (StarFive's U-Boot tree does this for the
 * VisionFive 2's S7) is still left out, because it has no S-mode.
 */
#include "board.h"
#include "../../riscv/arch.h"

namespace {

constexpr u32 MAX_DEPTH = 16;
constexpr int MAX_CONTROLLER_NODES = 4;

// An interrupt controller node seen during the walk.
struct ControllerNode {
    Fdt::Node node;
    u64 base;
    u64 size;
};

struct ControllerList {
    ControllerNode nodes[MAX_CONTROLLER_NODES];
    int count = 0;

    void add(Fdt::Node node, u64 base, u64 size)
    {
        if (count < MAX_CONTROLLER_NODES)
            nodes[count++] = ControllerNode{node, base, size};
    }
};

struct Walker {
    const Fdt& fdt;
    BoardInfo* board;
    u32 boot_hart;
    StringView stdout_path = {};
    bool uart_from_stdout = false;
    bool boot_hart_recorded = false;
    ControllerList plics = {}, aplics = {}, imsics = {};
    // Per recorded hart, from its node; turned into usable/why_unusable
    // once the interrupt routes are known.
    bool enabled[BOARD_MAX_HARTS] = {};
    bool has_mmu[BOARD_MAX_HARTS] = {};

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

    void visit_cpu(Fdt::Node node, u32 ac)
    {
        board->cpu_nodes++;
        Span<const u8> reg;
        if (ac == 0 || ac > 2 || !fdt.property(node, "reg", &reg) || reg.size() < ac * 4)
            return;
        u32 hart_id = u32(Fdt::read_cells(reg.data(), ac));
        int slot;
        if (board->hart_count < BOARD_MAX_HARTS) {
            slot = board->hart_count++;
        } else if (hart_id == boot_hart && !boot_hart_recorded) {
            // The table is full, but the kernel must know the hart it runs
            // on: it takes the last recorded hart's place.
            slot = BOARD_MAX_HARTS - 1;
        } else {
            return;
        }
        boot_hart_recorded |= hart_id == boot_hart;
        HartInfo& hart = board->harts[slot];
        hart = HartInfo();
        hart.hart_id = hart_id;
        StringView mmu = fdt.property_string(node, "mmu-type");
        enabled[slot] = fdt.is_enabled(node);
        has_mmu[slot] = !mmu.is_empty() && !(mmu == "riscv,none");
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
        uart.irq = fdt.property_u32(node, "interrupts", 0);
        uart.clock_hz = fdt.property_u32(node, "clock-frequency", 0);
        // LAB(port) begin
        // The register layout: register i at base + (i << reg-shift),
        // accessed reg-io-width bytes at a time. A UART laid out in a way
        // the driver cannot honour is not used rather than guessed at.
        uart.reg_shift = fdt.property_u32(node, "reg-shift", 0);
        uart.reg_io_width = fdt.property_u32(node, "reg-io-width", 1);
        uart.designware = fdt.is_compatible(node, "snps,dw-apb-uart");
        if (uart.reg_shift > 4 || (uart.reg_io_width != 1 && uart.reg_io_width != 4))
            return;
        // LAB(port) end
        board->uart = uart;
        uart_from_stdout = is_stdout;
    }

    // The UARTs the 16550 driver runs.
    bool is_16550(Fdt::Node node)
    {
        // LAB(port) begin: no_designware_match
        return fdt.is_compatible(node, "ns16550a") || fdt.is_compatible(node, "ns16550") ||
               fdt.is_compatible(node, "snps,dw-apb-uart");
        // LAB(port) end
    }

    void visit_device(Fdt::Node node, u32 ac, u32 sc, StringView path)
    {
        if (!fdt.is_enabled(node))
            return;
        u64 base, size;
        if (is_16550(node)) {
            visit_uart(node, ac, sc, UartKind::Ns16550, path);
        } else if (fdt.is_compatible(node, "sifive,uart0")) {
            visit_uart(node, ac, sc, UartKind::SifiveUart, path);
        } else if (fdt.is_compatible(node, "riscv,plic0") || fdt.is_compatible(node, "sifive,plic-1.0.0") ||
                   fdt.is_compatible(node, "thead,c900-plic")) {
            if (first_reg(node, ac, sc, &base, &size))
                plics.add(node, base, size);
        } else if (fdt.is_compatible(node, "riscv,aplic")) {
            if (first_reg(node, ac, sc, &base, &size))
                aplics.add(node, base, size);
        } else if (fdt.is_compatible(node, "riscv,imsics")) {
            if (first_reg(node, ac, sc, &base, &size))
                imsics.add(node, base, size);
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
            visit_cpu(node, ac);
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

    // Counts the S-mode routes in `node`'s interrupts-extended and, if
    // `record`, gives each hart the position of its pair.
    int s_mode_routes(Fdt::Node node, bool record)
    {
        Span<const u8> ext;
        if (!fdt.property(node, "interrupts-extended", &ext))
            return 0;
        // Each context is a (phandle, cause) pair of one cell each: the
        // local interrupt controllers have #interrupt-cells = 1.
        int routes = 0;
        for (size_t ctx = 0; (ctx + 1) * 8 <= ext.size(); ctx++) {
            u32 phandle = Fdt::be32(ext.data() + ctx * 8);
            u32 cause = Fdt::be32(ext.data() + ctx * 8 + 4);
            if (cause != arch::SUPERVISOR_EXTERNAL_INTERRUPT || phandle == 0)
                continue;
            for (int h = 0; h < board->hart_count; h++) {
                if (board->harts[h].intc_phandle != phandle)
                    continue;
                routes++;
                if (record)
                    board->harts[h].irq_context = int(ctx);
            }
        }
        return routes;
    }

    // The IMSIC that an APLIC domain in MSI mode delivers to.
    const ControllerNode* msi_parent(Fdt::Node aplic)
    {
        u32 phandle = fdt.property_u32(aplic, "msi-parent", 0);
        for (int i = 0; i < imsics.count && phandle; i++)
            if (fdt.property_u32(imsics.nodes[i].node, "phandle", 0) == phandle)
                return &imsics.nodes[i];
        return nullptr;
    }

    void use_controller(IrqChipKind kind, const ControllerNode& c, u32 sources, Fdt::Node routes)
    {
        board->irqchip.kind = kind;
        board->irqchip.base = c.base;
        board->irqchip.size = c.size;
        board->irqchip.sources = sources;
        s_mode_routes(routes, true);
    }

    void resolve_interrupt_routes()
    {
        for (int i = 0; i < plics.count; i++) {
            if (s_mode_routes(plics.nodes[i].node, false)) {
                const ControllerNode& c = plics.nodes[i];
                use_controller(IrqChipKind::Plic, c, fdt.property_u32(c.node, "riscv,ndev", 0), c.node);
                return;
            }
        }
        for (int i = 0; i < aplics.count; i++) {
            const ControllerNode& c = aplics.nodes[i];
            u32 sources = fdt.property_u32(c.node, "riscv,num-sources", 0);
            if (s_mode_routes(c.node, false)) {
                use_controller(IrqChipKind::Aplic, c, sources, c.node);
                return;
            }
            const ControllerNode* imsic = msi_parent(c.node);
            if (imsic && s_mode_routes(imsic->node, false)) {
                use_controller(IrqChipKind::AplicMsi, c, sources, imsic->node);
                board->irqchip.msi_ids = fdt.property_u32(imsic->node, "riscv,num-ids", 0);
                return;
            }
        }
    }

    void decide_usable_harts()
    {
        for (int h = 0; h < board->hart_count; h++) {
            HartInfo& hart = board->harts[h];
            if (!enabled[h])
                hart.why_unusable = HartUnusable::Disabled;
            else if (!has_mmu[h])
                hart.why_unusable = HartUnusable::NoMmu;
            else if (board->irqchip.kind != IrqChipKind::None && hart.irq_context < 0)
                hart.why_unusable = HartUnusable::NoInterruptContext;
            else
                hart.why_unusable = HartUnusable::No;
            hart.usable = hart.why_unusable == HartUnusable::No;
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

const char* hart_unusable_reason(HartUnusable why)
{
    switch (why) {
    case HartUnusable::No: return "usable";
    case HartUnusable::Disabled: return "disabled in the device tree";
    case HartUnusable::NoMmu: return "no MMU (a monitor core)";
    case HartUnusable::NoInterruptContext: return "no S-mode interrupt context";
    }
    return "?";
}

const char* irqchip_name(IrqChipKind kind)
{
    switch (kind) {
    case IrqChipKind::None: return "none";
    case IrqChipKind::Plic: return "plic";
    case IrqChipKind::Aplic: return "aplic";
    case IrqChipKind::AplicMsi: return "aplic+imsic";
    }
    return "?";
}

Result<void> board_from_fdt(const Fdt& fdt, BoardInfo* board, u32 boot_hart)
{
    *board = BoardInfo();
    Walker w{fdt, board, boot_hart};
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
    w.resolve_interrupt_routes();
    w.decide_usable_harts();

    if (board->memory_count == 0 || board->timebase_hz == 0)
        return Error(ERR_INVAL);
    return {};
}
