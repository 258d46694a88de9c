/*
 * Board discovery (kernel/board/board.cc) on the trees real boards hand over, and
 * on the interrupt controllers and hart counts QEMU's virt can have.
 *
 * The trees are in tests/trees/ (their origins in tests/trees/README.md):
 * the Icicle Kit's from Linux 6.1; the VisionFive 2's from mainline Linux
 * and as OpenSBI passes it on; the one StarFive's U-Boot builds in and
 * hands to booti; the Allwinner D1's and the T-Head TH1520's from Linux.
 * QEMU's AIA trees are dumped at build time (tests/host/host.mk). Each test
 * says what Tandem finds on the board; docs/porting.md says what the
 * kernel would still lack there.
 */
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "fdt_builder.h"
#include "host_support.h"
#include "kernel/board/board.h"
#include "kernel/board/fdt.h"
#include "kernel/mm/memory_map.h"
#include "kernel/mm/page_alloc.h"
#include "riscv/memlayout.h"

namespace {

constexpr u64 MIB = u64(1) << 20;
constexpr u64 GIB = u64(1) << 30;

// A board parsed from a tree, the blob kept in a buffer of exactly its
// size so AddressSanitizer catches a read past its end.
struct Board {
    std::unique_ptr<u8[]> bytes;
    BoardInfo info;
    bool ok = false;

    explicit Board(const std::vector<u8>& blob, u32 boot_hart = BOARD_NO_HART) : bytes(new u8[blob.size()])
    {
        REQUIRE(!blob.empty());
        memcpy(bytes.get(), blob.data(), blob.size());
        auto fdt = Fdt::from_blob(bytes.get(), blob.size());
        REQUIRE(fdt.ok());
        ok = board_from_fdt(fdt.value(), &info, boot_hart).ok();
    }
};

std::vector<u8> tree(const char* name)
{
    std::string path = host::dtb_dir() + "/" + name;
    INFO("device tree ", path, " (built by tests/host/host.mk)");
    std::vector<u8> v = host::read_file(path);
    REQUIRE(!v.empty());
    return v;
}

// Checks the harts [first, first + n) usable with S-mode contexts
// first_context, first_context + step, ...
void check_usable_harts(const BoardInfo& b, u32 first, int n, int first_context, int step)
{
    for (int i = 0; i < n; i++) {
        u32 id = first + u32(i);
        CAPTURE(id);
        const HartInfo* h = b.find_hart(id);
        REQUIRE(h != nullptr);
        CHECK(h->usable);
        CHECK(h->why_unusable == HartUnusable::No);
        CHECK(h->irq_context == first_context + i * step);
    }
}

// The VisionFive 2 as both of its firmware trees describe it to Tandem.
void check_visionfive2_core(const BoardInfo& b)
{
    CHECK(b.timebase_hz == 4000000);
    REQUIRE(b.hart_count == 5);
    CHECK(b.usable_hart_count() == 4);
    CHECK_FALSE(b.find_hart(0)->usable);
    CHECK(b.find_hart(0)->irq_context == -1);
    check_usable_harts(b, 1, 4, 2, 2); // hart 0 has only an M context: hart h's S context is 2h
    for (int h = 1; h <= 4; h++)
        CHECK_FALSE(b.find_hart(u32(h))->has_sstc);
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.base == 0xc000000);
    CHECK(b.irqchip.sources == 136);
    CHECK(b.uart.kind == UartKind::Ns16550);
    CHECK(b.uart.designware);
    CHECK(b.uart.base == 0x10000000);
    CHECK(b.uart.reg_shift == 2);
    CHECK(b.uart.reg_io_width == 4);
    CHECK(b.uart.irq == 32);
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x40000000);
    CHECK(b.memory[0].size == 4 * GIB);
    CHECK(b.power.kind == PowerKind::None); // power-off is SBI SRST
}

bool has_reservation(const BoardInfo& b, u64 base, u64 size, bool no_map)
{
    for (int i = 0; i < b.reserved_count; i++)
        if (b.reserved[i].base == base && b.reserved[i].size == size && b.reserved_no_map[i] == no_map)
            return true;
    return false;
}

} // namespace

// ---- QEMU microchip-icicle-kit with Linux 6.1's tree ---------------------------------------

TEST_CASE("boards: the Icicle Kit (Linux 6.1's tree)")
{
    Board p(tree("mpfs-icicle-kit.dtb"));
    REQUIRE(p.ok);
    const BoardInfo& b = p.info;
    CHECK(std::string(b.model) == "Microchip PolarFire-SoC Icicle Kit");
    CHECK(b.timebase_hz == 1000000);

    // Hart 0 is the E51 monitor core, disabled in the tree.
    REQUIRE(b.hart_count == 5);
    CHECK(b.cpu_nodes == 5);
    CHECK(b.find_hart(0)->why_unusable == HartUnusable::Disabled);
    check_usable_harts(b, 1, 4, 2, 2);

    // The console is MMUART1 through the alias serial1 (MMUART0 is
    // disabled): a 16550 with 32-bit registers 4 bytes apart.
    CHECK(b.uart.kind == UartKind::Ns16550);
    CHECK(b.uart.base == 0x20100000);
    CHECK(b.uart.reg_shift == 2);
    CHECK(b.uart.reg_io_width == 4);
    CHECK(b.uart.irq == 91);
    CHECK_FALSE(b.uart.designware);
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.sources == 186);
    CHECK(b.virtio_count == 0);
    CHECK(b.power.kind == PowerKind::None);

    // Two banks of 1 GiB, 62 GiB apart; the HSS payload reserved.
    REQUIRE(b.memory_count == 2);
    CHECK(b.memory[0].base == 0x80000000);
    CHECK(b.memory[0].size == GIB);
    CHECK(b.memory[1].base == 0x1040000000);
    CHECK(b.memory[1].size == GIB);
    CHECK(b.memory[1].base - b.memory[0].end() == 62 * GIB);
    CHECK(has_reservation(b, 0xbfc00000, 4 * MIB, true));

    // Descriptors for 2 GiB, one span per bank, not for the 64 GiB span.
    MemRange spans[PAGE_MAX_SPANS];
    int n = plan_descriptor_spans(b.memory, b.memory_count, spans, PAGE_MAX_SPANS);
    REQUIRE(n == 2);
    CHECK(spans[0].size + spans[1].size == 2 * GIB);
}

// ---- the VisionFive 2 -------------------------------------------------------------------------

TEST_CASE("boards: the VisionFive 2 with mainline Linux's tree, before and after OpenSBI")
{
    for (const char* name : {"jh7110-starfive-visionfive-2-v1.3b.dtb", "jh7110-starfive-visionfive-2-v1.3b-opensbi.dtb"}) {
        CAPTURE(name);
        Board p(tree(name));
        REQUIRE(p.ok);
        const BoardInfo& b = p.info;
        CHECK(std::string(b.model) == "StarFive VisionFive 2 v1.3B");
        check_visionfive2_core(b);
        // Mainline's tree disables the S7 outright.
        CHECK(b.find_hart(0)->why_unusable == HartUnusable::Disabled);
        CHECK(b.uart.clock_hz == 0); // clocks, no clock-frequency: the driver keeps the firmware's baud rate
    }
    // OpenSBI's changes: M-mode contexts rewritten (still not ours), and
    // its own memory reserved and left unmapped.
    Board after(tree("jh7110-starfive-visionfive-2-v1.3b-opensbi.dtb"));
    REQUIRE(after.info.reserved_count == 1);
    CHECK(has_reservation(after.info, 0x40000000, 0x80000, true));
}

TEST_CASE("boards: the VisionFive 2 with the tree StarFive's U-Boot hands to booti")
{
    for (const char* name : {"jh7110-starfive-u-boot-visionfive2.dtb", "jh7110-starfive-u-boot-visionfive2-handover.dtb"}) {
        CAPTURE(name);
        Board p(tree(name));
        REQUIRE(p.ok);
        const BoardInfo& b = p.info;
        CHECK(std::string(b.model) == "StarFive VisionFive V2");
        check_visionfive2_core(b);
        // This tree says the S7 is "okay" with an Sv39 MMU; it is left out
        // because the PLIC gives it no S-mode context (starting it would
        // lose it switching to S-mode, and the boot would wait for it).
        const HartInfo* s7 = b.find_hart(0);
        CHECK(s7->why_unusable == HartUnusable::NoInterruptContext);
        // stdout-path is a path with options, with no serial0 alias; the
        // UART carries clock-frequency.
        CHECK(b.uart.clock_hz == 24000000);
        // /memory is 4 GiB whatever is fitted; mem=2G makes a 2 GiB board safe.
        MemRange capped[BOARD_MAX_MEMORY];
        memcpy(capped, b.memory, sizeof(capped));
        REQUIRE(limit_memory(capped, b.memory_count, 2 * GIB) == 1);
        CHECK(capped[0].base == 0x40000000);
        CHECK(capped[0].end() == 0xc0000000);
        CHECK(has_reservation(b, 0x40000000, 0x80000, true)); // the tree's own "opensbi" node
    }
    Board handed(tree("jh7110-starfive-u-boot-visionfive2-handover.dtb"));
    const BoardInfo& b = handed.info;
    CHECK(b.reserved_count == 2); // and OpenSBI's mmode_resv0, at the same place
    CHECK(std::string(b.bootargs) == "run=usertests");
    CHECK(b.initrd_start == 0x46100000);
    CHECK(b.initrd_end == 0x47100000);
    CHECK(range_inside(b.memory, b.memory_count, b.initrd_start, b.initrd_end - b.initrd_start));
}

TEST_CASE("boards: the VisionFive 2 boots on the hart OpenSBI chose, whatever the tree says of hart 0")
{
    Board p(tree("jh7110-starfive-u-boot-visionfive2-handover.dtb"), 3);
    REQUIRE(p.ok);
    CHECK(p.info.find_hart(3)->usable);
    CHECK(p.info.usable_hart_count() == 4);
}

// ---- other boards the porting guide names ------------------------------------------------------

TEST_CASE("boards: the Allwinner D1 (Nezha), whose Linux tree has no memory until the loader adds it")
{
    Board bare(tree("sun20i-d1-nezha.dtb"));
    CHECK_FALSE(bare.ok); // "device tree lacks memory or timebase"
    CHECK(bare.info.memory_count == 0);

    Board p(tree("sun20i-d1-nezha-handover.dtb"));
    REQUIRE(p.ok);
    const BoardInfo& b = p.info;
    CHECK(std::string(b.model) == "Allwinner D1 Nezha");
    // One C906 hart with Sv39, a T-Head C900 PLIC.
    REQUIRE(b.hart_count == 1);
    check_usable_harts(b, 0, 1, 1, 0);
    CHECK_FALSE(b.harts[0].has_sstc);
    CHECK(b.timebase_hz == 24000000);
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.base == 0x10000000);
    CHECK(b.irqchip.sources == 175);
    CHECK(b.uart.designware);
    CHECK(b.uart.base == 0x2500000);
    CHECK(b.uart.reg_shift == 2);
    CHECK(b.uart.reg_io_width == 4);
    CHECK(b.uart.irq == 18);
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x40000000);
    CHECK(b.memory[0].size == GIB);
}

TEST_CASE("boards: the T-Head TH1520 (Lichee Pi 4A), whose devices lie beyond the direct map")
{
    Board p(tree("th1520-lichee-pi-4a.dtb"));
    REQUIRE(p.ok);
    const BoardInfo& b = p.info;
    CHECK(std::string(b.model) == "Sipeed Lichee Pi 4A");
    REQUIRE(b.hart_count == 4);
    check_usable_harts(b, 0, 4, 1, 2);
    CHECK(b.timebase_hz == 3000000);
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.sources == 240);
    CHECK(b.uart.designware);
    CHECK(b.uart.irq == 36);
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0); // RAM from physical 0: the kernel goes to 0x200000
    CHECK(b.memory[0].size == 8 * GIB);
    // The PLIC and the UARTs sit near 1 TiB, above the 128 GiB the direct
    // map reaches: the kernel stops with a message rather than map them
    // (riscv/kernel_map.cc). A port needs a mapping for far MMIO.
    CHECK(b.irqchip.base == 0xffd8000000);
    CHECK(b.uart.base == 0xffe7014000);
    CHECK(b.irqchip.base >= u64(DIRECT_MAP_SIZE));
    CHECK(b.uart.base >= u64(DIRECT_MAP_SIZE));
}

// ---- the Advanced Interrupt Architecture on QEMU virt -----------------------------------------

TEST_CASE("boards: QEMU virt with aia=aplic drives the supervisor APLIC domain in direct mode")
{
    Board p(tree("virt_aplic.dtb"));
    REQUIRE(p.ok);
    const BoardInfo& b = p.info;
    // Two domains: machine (0xc000000, cause 11) and supervisor (0xd000000, cause 9).
    CHECK(b.irqchip.kind == IrqChipKind::Aplic);
    CHECK(b.irqchip.base == 0xd000000);
    CHECK(b.irqchip.size == 0x8000);
    CHECK(b.irqchip.sources == 96);
    check_usable_harts(b, 0, 4, 0, 1); // IDC h for hart h
    CHECK(b.uart.irq == 10);           // the first of the two interrupt cells
}

TEST_CASE("boards: QEMU virt with aia=aplic-imsic sends MSIs to the supervisor IMSICs")
{
    Board p(tree("virt_aplic_imsic.dtb"));
    REQUIRE(p.ok);
    const BoardInfo& b = p.info;
    CHECK(b.irqchip.kind == IrqChipKind::AplicMsi);
    CHECK(b.irqchip.base == 0xd000000); // the domain whose msi-parent is the S-mode IMSIC
    CHECK(b.irqchip.sources == 96);
    CHECK(b.irqchip.msi_ids == 255);
    check_usable_harts(b, 0, 4, 0, 1); // IMSIC hart index h
    CHECK(std::string(irqchip_name(b.irqchip.kind)) == "aplic+imsic");
}

// ---- made-up trees: many harts, missing contexts, no controller ---------------------------------

namespace {

// A virt-like tree with `harts` cpu nodes (ids from 0, the first
// `disabled` of them disabled) and a PLIC giving each an M and an S
// context, except the harts in `no_s_context`.
std::vector<u8> many_harts(int harts, int disabled = 0, std::vector<int> no_s_context = {}, bool plic = true,
                           u32 cpu_address_cells = 1)
{
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("memory@80000000").prop_string("device_type", "memory").prop_cells("reg", {0, 0x80000000, 0, 0x10000000}).end();
    b.begin("cpus").prop_cells("#address-cells", {cpu_address_cells}).prop_cells("#size-cells", {0});
    b.prop_cells("timebase-frequency", {10000000});
    for (int i = 0; i < harts; i++) {
        b.begin("cpu@" + std::to_string(i)).prop_string("device_type", "cpu");
        if (cpu_address_cells == 2)
            b.prop_cells("reg", {0, u32(i)});
        else
            b.prop_cells("reg", {u32(i)});
        b.prop_string("status", i < disabled ? "disabled" : "okay").prop_string("mmu-type", "riscv,sv39");
        b.begin("interrupt-controller").prop_string("compatible", "riscv,cpu-intc").prop_cells("phandle", {u32(1000 + i)}).end();
        b.end();
    }
    b.end();
    if (plic) {
        std::vector<u32> ext;
        for (int i = 0; i < harts; i++) {
            ext.insert(ext.end(), {u32(1000 + i), 11});
            bool skip = false;
            for (int n : no_s_context)
                skip |= n == i;
            ext.insert(ext.end(), {u32(1000 + i), skip ? 0xffffffffu : 9u});
        }
        b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
        b.begin("plic@c000000").prop_string("compatible", "riscv,plic0").prop_cells("reg", {0, 0xc000000, 0, 0x4000000});
        b.prop_cells("riscv,ndev", {96}).prop_cells("interrupts-extended", ext).end();
        b.end();
    }
    b.end();
    return b.finish();
}

} // namespace

TEST_CASE("boards: 64 harts, 32 with the first 16 disabled, and hart ids beyond the table")
{
    {
        Board p(many_harts(64));
        REQUIRE(p.ok);
        CHECK(p.info.hart_count == 64);
        CHECK(p.info.usable_hart_count() == 64);
        check_usable_harts(p.info, 0, 64, 1, 2);
    }
    {
        Board p(many_harts(48, 16), 19);
        REQUIRE(p.ok);
        CHECK(p.info.usable_hart_count() == 32);
        for (u32 h = 0; h < 16; h++)
            CHECK(p.info.find_hart(h)->why_unusable == HartUnusable::Disabled);
        check_usable_harts(p.info, 16, 32, 33, 2);
    }
    {
        // More cpu nodes than the table holds: the boot hart is recorded
        // anyway, in the last slot, and the rest are counted.
        const int nodes = BOARD_MAX_HARTS + 12;
        Board p(many_harts(nodes), nodes - 1);
        REQUIRE(p.ok);
        CHECK(p.info.cpu_nodes == nodes);
        CHECK(p.info.hart_count == BOARD_MAX_HARTS);
        REQUIRE(p.info.find_hart(nodes - 1) != nullptr);
        CHECK(p.info.find_hart(nodes - 1)->usable);
        CHECK(p.info.find_hart(nodes - 1)->irq_context == 2 * (nodes - 1) + 1);
        CHECK(p.info.find_hart(BOARD_MAX_HARTS - 1) == nullptr); // its place went to the boot hart
        Board without(many_harts(nodes));
        CHECK(without.info.hart_count == BOARD_MAX_HARTS);
        CHECK(without.info.find_hart(nodes - 1) == nullptr);
    }
    {
        // Hart ids in two cells (#address-cells = 2 in /cpus).
        Board p(many_harts(4, 0, {}, true, 2), 3);
        REQUIRE(p.ok);
        check_usable_harts(p.info, 0, 4, 1, 2);
    }
}

TEST_CASE("boards: a hart without an S-mode context is left out; without any controller, none is")
{
    Board p(many_harts(4, 0, {2}));
    REQUIRE(p.ok);
    CHECK(p.info.usable_hart_count() == 3);
    CHECK(p.info.find_hart(2)->why_unusable == HartUnusable::NoInterruptContext);
    CHECK(std::string(hart_unusable_reason(HartUnusable::NoInterruptContext)) == "no S-mode interrupt context");

    // No interrupt controller at all: the harts are fine, the board has
    // nothing to drive (the kernel then stops with a message, in main.cc).
    Board none(many_harts(2, 0, {}, false));
    REQUIRE(none.ok);
    CHECK(none.info.irqchip.kind == IrqChipKind::None);
    CHECK(none.info.usable_hart_count() == 2);
    CHECK(none.info.harts[0].irq_context == -1);

    // A PLIC that gives no hart an S-mode context is no use either.
    Board m_only(many_harts(2, 0, {0, 1}));
    REQUIRE(m_only.ok);
    CHECK(m_only.info.irqchip.kind == IrqChipKind::None);
}
