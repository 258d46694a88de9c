/*
 * Unit tests of the device-tree reader (kernel/board/fdt.cc) and of board
 * discovery (kernel/board/board.cc).
 *
 * The trees are the ones the kernel really meets: dumped at build time from
 * QEMU's virt (1 and 4 harts, and one without Sstc but with an initrd and
 * boot arguments) and sifive_u boards, and tests/host/visionfive2.dts for the
 * VisionFive 2's layout, plus a second VisionFive 2 tree in the shapes of the
 * published JH7110 trees as U-Boot passes them to booti (8 GiB, hart 0
 * disabled). Trees no board has, and broken ones, are made with FdtBuilder.
 * Every blob sits in a heap buffer of exactly its size, so AddressSanitizer
 * reports any read past its end.
 */
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fdt_builder.h"
#include "host_support.h"
#include "kernel/board/board.h"
#include "kernel/board/fdt.h"
#include "kernel/lib/random.h"
#include "kernel/mm/memory_map.h"
#include "riscv/memlayout.h"

namespace {

// A blob copied into a buffer of exactly its size.
struct Blob {
    std::unique_ptr<u8[]> bytes;
    size_t size = 0;

    explicit Blob(const std::vector<u8>& v) : bytes(new u8[v.size() ? v.size() : 1]), size(v.size())
    {
        if (!v.empty())
            memcpy(bytes.get(), v.data(), v.size());
    }
};

std::vector<u8> load_dtb(const char* name)
{
    std::string path = host::dtb_dir() + "/" + name;
    std::vector<u8> v = host::read_file(path);
    INFO("device tree ", path, " (built by tests/host/host.mk)");
    REQUIRE(!v.empty());
    return v;
}

// Parses a board from a blob, requiring success.
struct ParsedBoard {
    Blob blob;
    Fdt fdt;
    BoardInfo board;

    explicit ParsedBoard(const std::vector<u8>& v) : blob(v)
    {
        auto r = Fdt::from_blob(blob.bytes.get(), blob.size);
        REQUIRE(r.ok());
        fdt = r.value();
        REQUIRE(board_from_fdt(fdt, &board).ok());
    }
};

std::string str(StringView v) { return std::string(v.data() ? v.data() : "", v.length()); }

bool has_virtio(const BoardInfo& b, u64 base, u32 irq)
{
    for (int i = 0; i < b.virtio_count; i++)
        if (b.virtio[i].base == base && b.virtio[i].irq == irq && b.virtio[i].size == 0x1000)
            return true;
    return false;
}

// A minimal valid board, for tests that change one thing about it.
FdtBuilder& minimal_board_start(FdtBuilder& b)
{
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("memory@80000000").prop_string("device_type", "memory").prop_cells("reg", {0, 0x80000000, 0, 0x8000000}).end();
    return b;
}

void add_cpus(FdtBuilder& b, int count, const char* isa = "rv64imafdc", u32 timebase = 10000000)
{
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
    if (timebase)
        b.prop_cells("timebase-frequency", {timebase});
    for (int i = 0; i < count; i++) {
        b.begin("cpu@" + std::to_string(i))
            .prop_string("device_type", "cpu")
            .prop_cells("reg", {u32(i)})
            .prop_string("status", "okay")
            .prop_string("riscv,isa", isa)
            .prop_string("mmu-type", "riscv,sv39");
        b.begin("interrupt-controller").prop_string("compatible", "riscv,cpu-intc").prop_cells("phandle", {u32(100 + i)}).end();
        b.end();
    }
    b.end();
}

} // namespace

// ---- the trees of real (emulated) boards ----------------------------------------------

TEST_CASE("board: QEMU virt with 4 harts")
{
    ParsedBoard p(load_dtb("virt.dtb"));
    const BoardInfo& b = p.board;
    CHECK(std::string(b.model) == "riscv-virtio,qemu");
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x80000000);
    CHECK(b.memory[0].size == 128ull << 20);
    CHECK(b.reserved_count == 0);
    CHECK(b.bootargs[0] == 0);
    CHECK(b.initrd_start == 0);
    CHECK(b.initrd_end == 0);
    CHECK(b.timebase_hz == 10000000);

    REQUIRE(b.hart_count == 4);
    CHECK(b.usable_hart_count() == 4);
    for (int h = 0; h < 4; h++) {
        CAPTURE(h);
        CHECK(b.harts[h].hart_id == u32(h));
        CHECK(b.harts[h].usable);
        CHECK(b.harts[h].has_sstc); // QEMU 7.2's rv64 advertises _sstc
        CHECK(b.harts[h].intc_phandle != 0);
        // Contexts come in (M, S) pairs per hart on virt.
        CHECK(b.harts[h].irq_context == 2 * h + 1);
    }
    CHECK(b.find_hart(2) == &b.harts[2]);
    CHECK(b.find_hart(4) == nullptr);

    CHECK(b.uart.kind == UartKind::Ns16550);
    CHECK(b.uart.base == 0x10000000);
    CHECK(b.uart.size == 0x100);
    CHECK(b.uart.reg_shift == 0);
    CHECK(b.uart.reg_io_width == 1);
    CHECK(b.uart.irq == 10);
    CHECK(b.uart.clock_hz == 3686400);
    CHECK_FALSE(b.uart.designware);

    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.base == 0xc000000);
    CHECK(b.irqchip.size == 0x600000);
    CHECK(b.irqchip.sources == 96);

    REQUIRE(b.virtio_count == 8);
    for (u32 i = 1; i <= 8; i++) {
        CAPTURE(i);
        CHECK(has_virtio(b, 0x10000000 + i * 0x1000, i));
    }
    CHECK(b.power.kind == PowerKind::SifiveTest);
    CHECK(b.power.base == 0x100000);
    CHECK(b.power.size == 0x1000);
}

TEST_CASE("board: QEMU virt with 1 hart")
{
    ParsedBoard p(load_dtb("virt1.dtb"));
    const BoardInfo& b = p.board;
    REQUIRE(b.hart_count == 1);
    CHECK(b.harts[0].usable);
    CHECK(b.harts[0].hart_id == 0);
    CHECK(b.harts[0].irq_context == 1);
    CHECK(b.usable_hart_count() == 1);
    CHECK(b.uart.base == 0x10000000);
    CHECK(b.virtio_count == 8);
}

TEST_CASE("board: QEMU virt without Sstc, with initrd and boot arguments")
{
    ParsedBoard p(load_dtb("virt_nosstc_initrd.dtb"));
    const BoardInfo& b = p.board;
    REQUIRE(b.hart_count == 2);
    for (int h = 0; h < 2; h++) {
        CAPTURE(h);
        CHECK(b.harts[h].usable);
        CHECK_FALSE(b.harts[h].has_sstc);
    }
    CHECK(std::string(b.bootargs) == "console=hvc0 run=usertests");
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].size == 256ull << 20);
    // QEMU loads the 100 KiB dummy initrd somewhere inside RAM.
    CHECK(b.initrd_end - b.initrd_start == 102400);
    CHECK(b.initrd_start >= b.memory[0].base);
    CHECK(b.initrd_end <= b.memory[0].end());
}

TEST_CASE("board: QEMU sifive_u with 5 harts")
{
    ParsedBoard p(load_dtb("sifive_u.dtb"));
    const BoardInfo& b = p.board;
    CHECK(std::string(b.model) == "SiFive HiFive Unleashed A00");
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x80000000);
    CHECK(b.timebase_hz == 1000000);

    REQUIRE(b.hart_count == 5);
    // Hart 0 is the E51 monitor core: no MMU, never used.
    CHECK(b.harts[0].hart_id == 0);
    CHECK_FALSE(b.harts[0].usable);
    CHECK(b.harts[0].irq_context == -1);
    CHECK(b.usable_hart_count() == 4);
    for (int h = 1; h < 5; h++) {
        CAPTURE(h);
        CHECK(b.harts[h].hart_id == u32(h));
        CHECK(b.harts[h].usable);
        CHECK_FALSE(b.harts[h].has_sstc);
        // Hart 0 has only an M context, so hart h's S context is 2h.
        CHECK(b.harts[h].irq_context == 2 * h);
    }

    CHECK(b.uart.kind == UartKind::SifiveUart);
    CHECK(b.uart.base == 0x10010000);
    CHECK(b.uart.irq == 4);
    CHECK(b.uart.reg_shift == 0);
    CHECK(b.uart.reg_io_width == 1);
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.base == 0xc000000);
    CHECK(b.irqchip.sources == 53);
    CHECK(b.virtio_count == 0);
    CHECK(b.power.kind == PowerKind::None);
}

TEST_CASE("board: VisionFive 2 layout")
{
    ParsedBoard p(load_dtb("visionfive2.dtb"));
    const BoardInfo& b = p.board;
    CHECK(std::string(b.model) == "StarFive VisionFive 2 (Tandem test layout)");

    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x40000000);
    CHECK(b.memory[0].size == 4ull << 30);

    // The /memreserve/ entry and both reserved-memory children.
    REQUIRE(b.reserved_count == 3);
    CHECK(b.reserved[0].base == 0x48000000);
    CHECK(b.reserved[0].size == 0x10000);
    CHECK_FALSE(b.reserved_no_map[0]);
    CHECK(b.reserved[1].base == 0x40000000);
    CHECK(b.reserved[1].size == 0x80000);
    CHECK(b.reserved_no_map[1]);
    CHECK(b.reserved[2].base == 0xc0000000);
    CHECK(b.reserved[2].size == 0x1000000);
    CHECK_FALSE(b.reserved_no_map[2]);

    CHECK(std::string(b.bootargs) == "console=ttyS0 run=usertests");
    CHECK(b.initrd_start == 0x46100000);
    CHECK(b.initrd_end == 0x46500000);
    CHECK(b.timebase_hz == 4000000);

    REQUIRE(b.hart_count == 5);
    CHECK_FALSE(b.harts[0].usable); // the S7 has no mmu-type
    CHECK(b.harts[0].irq_context == -1);
    CHECK(b.usable_hart_count() == 4);
    for (int h = 1; h <= 4; h++) {
        CAPTURE(h);
        CHECK(b.harts[h].hart_id == u32(h));
        CHECK(b.harts[h].usable);
        CHECK_FALSE(b.harts[h].has_sstc);
        CHECK(b.harts[h].irq_context == 2 * h);
    }

    CHECK(b.uart.kind == UartKind::Ns16550);
    CHECK(b.uart.base == 0x10000000);
    CHECK(b.uart.size == 0x10000);
    CHECK(b.uart.reg_shift == 2);
    CHECK(b.uart.reg_io_width == 4);
    CHECK(b.uart.irq == 32);
    CHECK(b.uart.clock_hz == 24000000);
    CHECK(b.uart.designware);

    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.base == 0xc000000);
    CHECK(b.irqchip.size == 0x4000000);
    CHECK(b.irqchip.sources == 136);
    CHECK(b.virtio_count == 0);
    CHECK(b.power.kind == PowerKind::None);
}

namespace {

// The VisionFive 2's tree as U-Boot hands it to booti, in the shapes the
// published JH7110 trees use where they differ from visionfive2.dts: hart 0
// carries an mmu-type but is disabled (an older upstream tree), the newer
// per-extension ISA list, "riscv,plic0", interrupt-parent inherited from the
// soc node, a UART with clocks but no clock-frequency, 8 GiB of RAM (so it
// reaches above 4 GiB), a CMA pool placed by size with no reg, OpenSBI's
// reservation, and the initrd and device tree where U-Boot's environment
// puts them (ramdisk_addr_r, fdt_addr_r).
std::vector<u8> visionfive2_from_uboot()
{
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.prop_string("model", "StarFive VisionFive 2 v1.3B").prop_strings("compatible", {"starfive,visionfive-2-v1.3b", "starfive,jh7110"});
    b.begin("aliases").prop_string("serial0", "/soc/serial@10000000").end();
    b.begin("chosen").prop_string("stdout-path", "serial0:115200n8").prop_string("bootargs", "run=shmtests");
    b.prop_u64("linux,initrd-start", 0x46100000).prop_u64("linux,initrd-end", 0x47100000).end();
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0}).prop_cells("timebase-frequency", {4000000});
    for (u32 h = 0; h < 5; h++) {
        b.begin("cpu@" + std::to_string(h)).prop_string("device_type", "cpu").prop_cells("reg", {h});
        b.prop_strings("compatible", {"sifive,u74-mc", "riscv"}).prop_string("mmu-type", "riscv,sv39");
        b.prop_string("riscv,isa", h == 0 ? "rv64imac" : "rv64imafdc");
        if (h == 0)
            b.prop_strings("riscv,isa-extensions", {"i", "m", "a", "c", "zicsr", "zifencei"});
        else
            b.prop_strings("riscv,isa-extensions", {"i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zba", "zbb"});
        b.prop_string("status", h == 0 ? "disabled" : "okay");
        b.begin("interrupt-controller").prop_string("compatible", "riscv,cpu-intc").prop_empty("interrupt-controller");
        b.prop_cells("#interrupt-cells", {1}).prop_cells("phandle", {10 + h}).end();
        b.end();
    }
    b.end();
    b.begin("memory@40000000").prop_string("device_type", "memory").prop_cells("reg", {0, 0x40000000, 2, 0}).end();
    b.begin("reserved-memory").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2}).prop_empty("ranges");
    b.begin("mmode_resv0@40000000").prop_cells("reg", {0, 0x40000000, 0, 0x40000}).prop_empty("no-map").end();
    b.begin("linux,cma").prop_string("compatible", "shared-dma-pool").prop_empty("reusable").prop_cells("size", {0, 0x20000000}).end();
    b.begin("e24@c0000000").prop_cells("reg", {0, 0xc0110000, 0, 0xf0000}).prop_empty("no-map").end();
    b.end();
    b.begin("soc").prop_string("compatible", "simple-bus").prop_cells("interrupt-parent", {1});
    b.prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2}).prop_empty("ranges");
    b.begin("clint@2000000").prop_string("compatible", "riscv,clint0").prop_cells("reg", {0, 0x2000000, 0, 0x10000}).end();
    b.begin("plic@c000000").prop_string("compatible", "riscv,plic0").prop_cells("reg", {0, 0xc000000, 0, 0x4000000});
    b.prop_empty("interrupt-controller").prop_cells("#interrupt-cells", {1}).prop_cells("riscv,ndev", {136});
    b.prop_cells("interrupts-extended", {10, 11, 11, 11, 11, 9, 12, 11, 12, 9, 13, 11, 13, 9, 14, 11, 14, 9});
    b.prop_cells("phandle", {1}).end();
    for (u32 i = 0; i < 3; i++) {
        u32 base = 0x10000000 + i * 0x10000;
        char name[32];
        snprintf(name, sizeof(name), "serial@%x", base);
        b.begin(name).prop_string("compatible", "snps,dw-apb-uart").prop_cells("reg", {0, base, 0, 0x10000});
        b.prop_cells("reg-io-width", {4}).prop_cells("reg-shift", {2}).prop_cells("clocks", {2, 146, 2, 147});
        b.prop_cells("interrupts", {32 + i}).prop_string("status", i == 0 ? "okay" : "disabled").end();
    }
    b.end();
    b.end();
    return b.finish();
}

} // namespace

TEST_CASE("board: VisionFive 2 as U-Boot hands it over")
{
    ParsedBoard p(visionfive2_from_uboot());
    const BoardInfo& b = p.board;

    // Harts 1-4 only: hart 0 is disabled even though it claims an MMU.
    REQUIRE(b.hart_count == 5);
    CHECK_FALSE(b.harts[0].usable);
    CHECK(b.usable_hart_count() == 4);
    for (int h = 1; h <= 4; h++) {
        CAPTURE(h);
        CHECK(b.harts[h].usable);
        CHECK(b.harts[h].hart_id == u32(h));
        CHECK_FALSE(b.harts[h].has_sstc); // so the kernel takes the SBI timer
        CHECK(b.harts[h].irq_context == 2 * h);
    }
    CHECK(b.timebase_hz == 4000000);

    // The console is the enabled DesignWare UART that stdout-path names.
    CHECK(b.uart.kind == UartKind::Ns16550);
    CHECK(b.uart.designware);
    CHECK(b.uart.base == 0x10000000);
    CHECK(b.uart.reg_shift == 2);
    CHECK(b.uart.reg_io_width == 4);
    CHECK(b.uart.irq == 32);
    CHECK(b.uart.clock_hz == 0); // clocks only: the driver keeps U-Boot's baud rate
    CHECK(b.irqchip.kind == IrqChipKind::Plic);
    CHECK(b.irqchip.sources == 136);
    CHECK(b.virtio_count == 0);
    CHECK(b.power.kind == PowerKind::None); // power-off goes through SBI SRST

    // 8 GiB from 0x40000000: RAM ends above 4 GiB, still inside the direct map.
    REQUIRE(b.memory_count == 1);
    CHECK(b.memory[0].base == 0x40000000);
    CHECK(b.memory[0].size == 8ull << 30);
    CHECK(b.memory[0].end() == 0x240000000ull);
    CHECK(b.memory[0].end() <= u64(DIRECT_MAP_SIZE));

    // The CMA pool has no reg and is not a reservation; the other two are.
    REQUIRE(b.reserved_count == 2);
    CHECK(b.reserved[0].base == 0x40000000);
    CHECK(b.reserved_no_map[0]);
    CHECK(b.reserved[1].base == 0xc0110000);
    CHECK(b.reserved_no_map[1]);

    CHECK(std::string(b.bootargs) == "run=shmtests");
    CHECK(b.initrd_start == 0x46100000);
    CHECK(b.initrd_end == 0x47100000);
}

TEST_CASE("board: the VisionFive 2 memory the kernel may hand out")
{
    // What init_physical_memory (kernel/boot/boot_memory.cc) takes out of RAM on
    // the board: the firmware's reservations, the kernel where booti puts
    // it (start of RAM + text_offset), the device tree at U-Boot's
    // fdt_addr_r and the RAM disk at ramdisk_addr_r.
    ParsedBoard p(visionfive2_from_uboot());
    const BoardInfo& b = p.board;
    const u64 kernel = 0x40000000 + IMAGE_TEXT_OFFSET, kernel_size = 0x100000;
    CHECK(kernel == 0x40200000);
    std::vector<MemRange> holes(b.reserved, b.reserved + b.reserved_count);
    holes.push_back(MemRange{kernel, kernel_size});
    holes.push_back(MemRange{0x46000000, 0x10000});
    holes.push_back(MemRange{b.initrd_start, b.initrd_end - b.initrd_start});

    MemRange free_ranges[MEMORY_MAP_MAX_RANGES];
    int n = subtract_ranges(b.memory, b.memory_count, holes.data(), int(holes.size()), free_ranges,
                            MEMORY_MAP_MAX_RANGES);
    REQUIRE(n == 5);
    // The 2 MiB below the kernel, minus OpenSBI's 256 KiB, stay usable.
    CHECK(free_ranges[0].base == 0x40040000);
    CHECK(free_ranges[0].end() == kernel);
    u64 total = 0;
    for (int i = 0; i < n; i++) {
        CAPTURE(i);
        total += free_ranges[i].size;
        for (const MemRange& h : holes)
            CHECK((free_ranges[i].end() <= h.base || free_ranges[i].base >= h.end()));
    }
    u64 taken = 0;
    for (const MemRange& h : holes)
        taken += h.size;
    CHECK(total == b.memory[0].size - taken);
    CHECK(free_ranges[n - 1].end() == 0x240000000ull);
}

// ---- the Fdt interface ---------------------------------------------------------------

TEST_CASE("fdt: paths, properties, phandles and reservations")
{
    std::vector<u8> v = load_dtb("visionfive2.dtb");
    Blob blob(v);
    auto r = Fdt::from_blob(blob.bytes.get(), blob.size);
    REQUIRE(r.ok());
    const Fdt& fdt = r.value();
    CHECK(fdt.total_size() == v.size());

    Fdt::Node root;
    REQUIRE(fdt.find_path("/", &root));
    CHECK(root.offset == fdt.root().offset);
    CHECK(str(fdt.name(root)).empty());

    Fdt::Node chosen;
    REQUIRE(fdt.find_path("/chosen", &chosen));
    CHECK(str(fdt.name(chosen)) == "chosen");
    CHECK(str(fdt.property_string(chosen, "stdout-path")) == "serial0:115200n8");
    CHECK(str(fdt.property_string(chosen, "no-such-property")).empty());

    Fdt::Node uart;
    REQUIRE(fdt.find_path("/soc/serial@10000000", &uart));
    CHECK(str(fdt.name(uart)) == "serial@10000000");
    CHECK(fdt.property_u32(uart, "reg-shift", 99) == 2);
    CHECK(fdt.property_u32(uart, "absent", 99) == 99);
    CHECK(fdt.is_compatible(uart, "snps,dw-apb-uart"));
    CHECK_FALSE(fdt.is_compatible(uart, "snps,dw-apb"));
    CHECK(fdt.is_enabled(uart));

    // Doubled slashes are tolerated; a unit address may be left out.
    Fdt::Node same;
    REQUIRE(fdt.find_path("//soc//serial@10000000/", &same));
    CHECK(same.offset == uart.offset);
    REQUIRE(fdt.find_path("/soc/serial", &same));
    CHECK(same.offset == uart.offset);

    Fdt::Node disabled;
    REQUIRE(fdt.find_path("/soc/serial@10010000", &disabled));
    CHECK_FALSE(fdt.is_enabled(disabled));

    Fdt::Node none;
    CHECK_FALSE(fdt.find_path("/soc/serial@20000000", &none));
    CHECK_FALSE(fdt.find_path("/nothing", &none));
    CHECK_FALSE(fdt.find_path("/chosen/deeper", &none));

    // The second compatible string matches too.
    Fdt::Node plic;
    REQUIRE(fdt.find_path("/soc/interrupt-controller@c000000", &plic));
    CHECK(fdt.is_compatible(plic, "starfive,jh7110-plic"));
    CHECK(fdt.is_compatible(plic, "sifive,plic-1.0.0"));

    // interrupt-parent is a phandle that leads back to the PLIC.
    u32 parent = fdt.property_u32(uart, "interrupt-parent", 0);
    REQUIRE(parent != 0);
    Fdt::Node found;
    REQUIRE(fdt.find_phandle(parent, &found));
    CHECK(found.offset == plic.offset);
    CHECK_FALSE(fdt.find_phandle(0xdeadbeef, &found));

    Span<const u8> value;
    REQUIRE(fdt.property(plic, "interrupts-extended", &value));
    CHECK(value.size() == 9 * 8);
    CHECK(fdt.property(plic, "interrupt-controller", &value)); // empty property
    CHECK(value.size() == 0);

    // Children and siblings.
    Fdt::Node cpus, child;
    REQUIRE(fdt.find_path("/cpus", &cpus));
    int n = 0;
    for (bool ok = fdt.first_child(cpus, &child); ok; ok = fdt.next_sibling(child, &child))
        n++;
    CHECK(n == 5);

    REQUIRE(fdt.reservation_count() == 1);
    u64 base = 0, size = 0;
    REQUIRE(fdt.reservation(0, &base, &size));
    CHECK(base == 0x48000000);
    CHECK(size == 0x10000);
    CHECK_FALSE(fdt.reservation(1, &base, &size));
}

TEST_CASE("fdt: read_cells and be32")
{
    const u8 bytes[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
    CHECK(Fdt::be32(bytes) == 0x12345678u);
    CHECK(Fdt::be64(bytes) == 0x123456789abcdef0ull);
    CHECK(Fdt::read_cells(bytes, 1) == 0x12345678u);
    CHECK(Fdt::read_cells(bytes, 2) == 0x123456789abcdef0ull);
}

// ---- board discovery on made-up trees ---------------------------------------------------

TEST_CASE("board: stdout-path selects the console among several UARTs")
{
    for (const char* stdout_path : {"/soc/serial@10001000", "/soc/serial@10001000:115200n8"}) {
        CAPTURE(stdout_path);
        FdtBuilder b;
        minimal_board_start(b);
        add_cpus(b, 1);
        b.begin("chosen").prop_string("stdout-path", stdout_path).end();
        b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
        b.begin("serial@10000000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10000000, 0, 0x100}).prop_cells("interrupts", {10}).end();
        b.begin("serial@10001000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10001000, 0, 0x100}).prop_cells("interrupts", {11}).end();
        b.begin("serial@10002000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10002000, 0, 0x100}).end();
        b.end().end();
        ParsedBoard p(b.finish());
        CHECK(p.board.uart.base == 0x10001000);
        CHECK(p.board.uart.irq == 11);
    }
}

TEST_CASE("board: without stdout-path the first enabled UART wins")
{
    FdtBuilder b;
    minimal_board_start(b);
    add_cpus(b, 1);
    b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("serial@9000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x9000, 0, 0x100}).prop_string("status", "disabled").end();
    b.begin("serial@10000000").prop_string("compatible", "sifive,uart0").prop_cells("reg", {0, 0x10000000, 0, 0x100}).end();
    b.begin("serial@10001000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10001000, 0, 0x100}).end();
    b.end().end();
    ParsedBoard p(b.finish());
    CHECK(p.board.uart.kind == UartKind::SifiveUart);
    CHECK(p.board.uart.base == 0x10000000);
}

TEST_CASE("board: a UART with unusable register geometry is skipped")
{
    FdtBuilder b;
    minimal_board_start(b);
    add_cpus(b, 1);
    b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("serial@10000000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10000000, 0, 0x100}).prop_cells("reg-io-width", {2}).end();
    b.begin("serial@10001000").prop_string("compatible", "ns16550a").prop_cells("reg", {0, 0x10001000, 0, 0x100}).prop_cells("reg-shift", {9}).end();
    b.begin("serial@10002000").prop_string("compatible", "ns16550").prop_cells("reg", {0, 0x10002000, 0, 0x100}).prop_cells("reg-io-width", {4}).end();
    b.end().end();
    ParsedBoard p(b.finish());
    CHECK(p.board.uart.base == 0x10002000);
    CHECK(p.board.uart.reg_io_width == 4);
}

TEST_CASE("board: Sstc detection from riscv,isa and riscv,isa-extensions")
{
    struct Case {
        const char* isa;
        bool sstc;
    };
    const Case cases[] = {
        {"rv64imafdc_sstc", true},
        {"rv64imafdc_zicsr_sstc_zba", true},
        {"rv64imafdc", false},
        {"rv64imafdc_sstcx", false},
        {"rv64imafdc_xsstc", false},
        {"rv64imafdc_zsstc_zba", false},
    };
    for (const Case& c : cases) {
        CAPTURE(c.isa);
        FdtBuilder b;
        minimal_board_start(b);
        add_cpus(b, 1, c.isa);
        b.end();
        ParsedBoard p(b.finish());
        CHECK(p.board.harts[0].has_sstc == c.sstc);
    }
    // The newer per-extension list.
    FdtBuilder b;
    minimal_board_start(b);
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0}).prop_cells("timebase-frequency", {1000});
    b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0}).prop_string("mmu-type", "riscv,sv39");
    b.prop_strings("riscv,isa-extensions", {"i", "m", "a", "zicsr", "sstc"}).end();
    b.begin("cpu@1").prop_string("device_type", "cpu").prop_cells("reg", {1}).prop_string("mmu-type", "riscv,sv39");
    b.prop_strings("riscv,isa-extensions", {"i", "m", "sstcx", "ssstc"}).end();
    b.end().end();
    ParsedBoard p(b.finish());
    REQUIRE(p.board.hart_count == 2);
    CHECK(p.board.harts[0].has_sstc);
    CHECK_FALSE(p.board.harts[1].has_sstc);
}

TEST_CASE("board: which harts are usable")
{
    FdtBuilder b;
    minimal_board_start(b);
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
    // Timebase only in a cpu node (older trees) is accepted too.
    b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0}).prop_string("mmu-type", "riscv,sv39").prop_cells("timebase-frequency", {12345}).end();
    b.begin("cpu@1").prop_string("device_type", "cpu").prop_cells("reg", {1}).prop_string("mmu-type", "riscv,none").end();
    b.begin("cpu@2").prop_string("device_type", "cpu").prop_cells("reg", {2}).prop_string("mmu-type", "riscv,sv48").prop_string("status", "disabled").end();
    b.begin("cpu@3").prop_string("device_type", "cpu").prop_cells("reg", {3}).end();
    b.begin("cpu@7").prop_string("device_type", "cpu").prop_cells("reg", {7}).prop_string("mmu-type", "riscv,sv57").prop_string("status", "ok").end();
    b.end().end();
    ParsedBoard p(b.finish());
    const BoardInfo& bi = p.board;
    REQUIRE(bi.hart_count == 5);
    CHECK(bi.timebase_hz == 12345);
    CHECK(bi.harts[0].usable);
    CHECK_FALSE(bi.harts[1].usable);
    CHECK_FALSE(bi.harts[2].usable);
    CHECK_FALSE(bi.harts[3].usable);
    CHECK(bi.harts[4].usable);
    CHECK(bi.harts[4].hart_id == 7);
    CHECK(bi.usable_hart_count() == 2);
}

TEST_CASE("board: more harts, memory banks and reservations than fit are dropped, not overflowed")
{
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    for (int i = 0; i < BOARD_MAX_RESERVED + 4; i++)
        b.reserve(0x80000000ull + u64(i) * 0x10000, 0x1000);
    // One memory node with many banks in one reg.
    std::vector<u8> reg;
    for (int i = 0; i < BOARD_MAX_MEMORY + 3; i++) {
        u64 base = 0x100000000ull * u64(i + 1);
        FdtBuilder::append_be32(reg, u32(base >> 32));
        FdtBuilder::append_be32(reg, u32(base));
        FdtBuilder::append_be32(reg, 0);
        FdtBuilder::append_be32(reg, 0x1000000);
    }
    b.begin("memory@100000000").prop_string("device_type", "memory").prop("reg", reg).end();
    add_cpus(b, BOARD_MAX_HARTS + 3);
    b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    for (int i = 0; i < BOARD_MAX_VIRTIO + 3; i++)
        b.begin("virtio_mmio@" + std::to_string(i)).prop_string("compatible", "virtio,mmio").prop_cells("reg", {0, u32(0x10001000 + i * 0x1000), 0, 0x1000}).prop_cells("interrupts", {u32(i + 1)}).end();
    b.end().end();
    ParsedBoard p(b.finish());
    CHECK(p.board.hart_count == BOARD_MAX_HARTS);
    CHECK(p.board.memory_count == BOARD_MAX_MEMORY);
    CHECK(p.board.memory[1].base == 0x200000000ull);
    CHECK(p.board.reserved_count == BOARD_MAX_RESERVED);
    CHECK(p.board.virtio_count == BOARD_MAX_VIRTIO);
}

TEST_CASE("board: one-cell addresses, initrd cells and a long command line")
{
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1}).prop_string("model", std::string(200, 'm'));
    b.begin("memory@80000000").prop_string("device_type", "memory").prop_cells("reg", {0x80000000, 0x4000000}).end();
    add_cpus(b, 1);
    std::string args(400, 'a');
    b.begin("chosen").prop_string("bootargs", args).prop_cells("linux,initrd-start", {0x81000000}).prop_cells("linux,initrd-end", {0x81100000}).end();
    b.begin("soc").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
    b.begin("serial@10000000").prop_string("compatible", "ns16550a").prop_cells("reg", {0x10000000, 0x100}).end();
    b.begin("test@100000").prop_strings("compatible", {"sifive,test1", "sifive,test0"}).prop_cells("reg", {0x100000, 0x1000}).end();
    b.end().end();
    ParsedBoard p(b.finish());
    const BoardInfo& bi = p.board;
    REQUIRE(bi.memory_count == 1);
    CHECK(bi.memory[0].base == 0x80000000);
    CHECK(bi.memory[0].size == 0x4000000);
    CHECK(bi.initrd_start == 0x81000000);
    CHECK(bi.initrd_end == 0x81100000);
    CHECK(strlen(bi.bootargs) == BOARD_BOOTARGS_MAX - 1);
    CHECK(strlen(bi.model) == sizeof(bi.model) - 1);
    CHECK(bi.uart.base == 0x10000000);
    CHECK(bi.power.kind == PowerKind::SifiveTest);
    CHECK(bi.power.base == 0x100000);
}

TEST_CASE("board: an initrd that ends before it starts is ignored")
{
    FdtBuilder b;
    minimal_board_start(b);
    add_cpus(b, 1);
    b.begin("chosen").prop_u64("linux,initrd-start", 0x82000000).prop_u64("linux,initrd-end", 0x81000000).end();
    b.end();
    ParsedBoard p(b.finish());
    CHECK(p.board.initrd_start == 0);
    CHECK(p.board.initrd_end == 0);
}

TEST_CASE("board: a tree without memory or timebase is refused")
{
    {
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
        add_cpus(b, 1);
        b.end();
        Blob blob(b.finish());
        auto fdt = Fdt::from_blob(blob.bytes.get(), blob.size);
        REQUIRE(fdt.ok());
        BoardInfo board;
        CHECK(board_from_fdt(fdt.value(), &board).error_code() == ERR_INVAL);
    }
    {
        FdtBuilder b;
        minimal_board_start(b);
        add_cpus(b, 1, "rv64imafdc", 0);
        b.end();
        Blob blob(b.finish());
        auto fdt = Fdt::from_blob(blob.bytes.get(), blob.size);
        REQUIRE(fdt.ok());
        BoardInfo board;
        CHECK(board_from_fdt(fdt.value(), &board).error_code() == ERR_INVAL);
    }
}

TEST_CASE("fdt: NOP tokens between properties and between nodes")
{
    FdtBuilder b;
    b.begin("").nop().prop_cells("#address-cells", {2}).nop().prop_cells("#size-cells", {2}).nop();
    b.begin("memory@80000000").nop().prop_string("device_type", "memory").nop().prop_cells("reg", {0, 0x80000000, 0, 0x1000000}).end();
    b.nop().nop();
    add_cpus(b, 2);
    b.nop();
    b.begin("chosen").prop_string("bootargs", "ktest").end();
    b.end();
    ParsedBoard p(b.finish());
    CHECK(p.board.memory_count == 1);
    CHECK(p.board.hart_count == 2);
    CHECK(std::string(p.board.bootargs) == "ktest");
    Fdt::Node n;
    CHECK(p.fdt.find_path("/chosen", &n));
}

// ---- malformed blobs: errors or empty results, never a crash -------------------------------

namespace {

// Runs everything that reads a tree over a blob that may be broken. Only
// the absence of crashes (and of sanitizer reports) is being tested.
void exercise(const std::vector<u8>& bytes, size_t max_size)
{
    Blob blob(bytes);
    auto r = Fdt::from_blob(blob.bytes.get(), min(max_size, blob.size));
    if (r.is_error())
        return;
    const Fdt& fdt = r.value();
    BoardInfo board;
    (void)board_from_fdt(fdt, &board);
    Fdt::Node n;
    (void)fdt.find_path("/soc/serial@10000000", &n);
    (void)fdt.find_path("/cpus/cpu@1/interrupt-controller", &n);
    (void)fdt.find_phandle(3, &n);
    (void)fdt.reservation_count();
    // Walk the whole tree through the public interface.
    std::vector<Fdt::Node> stack{fdt.root()};
    int visited = 0;
    while (!stack.empty() && visited < 10000) {
        Fdt::Node node = stack.back();
        stack.pop_back();
        visited++;
        (void)fdt.name(node);
        (void)fdt.property_string(node, "compatible");
        (void)fdt.property_u32(node, "reg", 0);
        (void)fdt.is_enabled(node);
        Fdt::Node child;
        for (bool ok = fdt.first_child(node, &child); ok && visited < 10000; ok = fdt.next_sibling(child, &child))
            stack.push_back(child);
    }
}

} // namespace

TEST_CASE("fdt: a too small, null or non-FDT blob is refused")
{
    CHECK(Fdt::from_blob(nullptr, 4096).is_error());
    std::vector<u8> v = load_dtb("virt.dtb");
    Blob blob(v);
    CHECK(Fdt::from_blob(blob.bytes.get(), 39).is_error());
    CHECK(Fdt::from_blob(blob.bytes.get(), 0).is_error());

    std::vector<u8> bad = v;
    bad[0] ^= 0xff;
    Blob bad_blob(bad);
    CHECK(Fdt::from_blob(bad_blob.bytes.get(), bad_blob.size).is_error());

    std::vector<u8> text(4096, 'x');
    Blob text_blob(text);
    CHECK(Fdt::from_blob(text_blob.bytes.get(), text_blob.size).is_error());
}

TEST_CASE("fdt: a header that claims more than the buffer holds is refused")
{
    // QEMU pads the file it dumps; the tree proper is totalsize bytes.
    std::vector<u8> v = load_dtb("virt.dtb");
    size_t total = FdtBuilder::get_be32(v, FdtBuilder::TOTALSIZE);
    REQUIRE(total <= v.size());
    for (size_t cut : {size_t(40), size_t(64), total / 2, total - 1}) {
        CAPTURE(cut);
        std::vector<u8> part(v.begin(), v.begin() + long(cut));
        Blob blob(part);
        CHECK(Fdt::from_blob(blob.bytes.get(), blob.size).is_error());
    }
}

TEST_CASE("fdt: bad versions, offsets and sizes in the header are refused")
{
    std::vector<u8> good = load_dtb("sifive_u.dtb");
    good.resize(FdtBuilder::get_be32(good, FdtBuilder::TOTALSIZE)); // drop QEMU's padding
    struct Patch {
        size_t field;
        u32 value;
    };
    const Patch patches[] = {
        {FdtBuilder::VERSION, 16},
        {FdtBuilder::TOTALSIZE, 0},
        {FdtBuilder::TOTALSIZE, 39},
        {FdtBuilder::TOTALSIZE, 0xffffffff},
        {FdtBuilder::OFF_STRUCT, 0xffffff00},
        {FdtBuilder::OFF_STRUCT, 0xfffffffc},
        {FdtBuilder::OFF_STRUCT, u32(good.size())},
        {FdtBuilder::OFF_STRUCT, 2},
        {FdtBuilder::SIZE_STRUCT, 0xfffffffc},
        {FdtBuilder::SIZE_STRUCT, 0},
        {FdtBuilder::SIZE_STRUCT, 2},
        {FdtBuilder::OFF_STRINGS, 0xffffffff},
        {FdtBuilder::SIZE_STRINGS, 0xffffffff},
        {FdtBuilder::OFF_RSVMAP, 0xfffffff8},
        {FdtBuilder::OFF_RSVMAP, u32(good.size() - 8)},
        {FdtBuilder::OFF_RSVMAP, 4},
    };
    for (const Patch& p : patches) {
        CAPTURE(p.field);
        CAPTURE(p.value);
        std::vector<u8> v = good;
        FdtBuilder::put_be32(v, p.field, p.value);
        Blob blob(v);
        CHECK(Fdt::from_blob(blob.bytes.get(), blob.size).is_error());
    }
}

TEST_CASE("fdt: blobs truncated inside the structure block stay in bounds")
{
    std::vector<u8> v = load_dtb("visionfive2.dtb");
    u32 off_struct = FdtBuilder::get_be32(v, FdtBuilder::OFF_STRUCT);
    u32 size_struct = FdtBuilder::get_be32(v, FdtBuilder::SIZE_STRUCT);
    u32 off_strings = FdtBuilder::get_be32(v, FdtBuilder::OFF_STRINGS);
    // Shorten the structure block (and the blob) at every word, keeping the
    // header consistent, so the parser reaches the cut.
    for (u32 cut = 4; cut < size_struct; cut += 4) {
        std::vector<u8> t(v.begin(), v.begin() + long(off_struct + cut));
        FdtBuilder::put_be32(t, FdtBuilder::TOTALSIZE, u32(t.size()));
        FdtBuilder::put_be32(t, FdtBuilder::SIZE_STRUCT, cut);
        FdtBuilder::put_be32(t, FdtBuilder::OFF_STRINGS, u32(t.size()));
        FdtBuilder::put_be32(t, FdtBuilder::SIZE_STRINGS, 0);
        exercise(t, t.size());
    }
    // And the strings block, at every byte.
    u32 size_strings = FdtBuilder::get_be32(v, FdtBuilder::SIZE_STRINGS);
    for (u32 cut = 0; cut < size_strings; cut++) {
        std::vector<u8> t(v.begin(), v.begin() + long(off_strings + cut));
        FdtBuilder::put_be32(t, FdtBuilder::TOTALSIZE, u32(t.size()));
        FdtBuilder::put_be32(t, FdtBuilder::SIZE_STRINGS, cut);
        exercise(t, t.size());
    }
}

TEST_CASE("fdt: unterminated names and strings are not read past their block")
{
    // A node name that runs to the end of the structure block.
    {
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {2});
        std::vector<u8> blob = b.finish();
        // Replace the final FDT_END with a BEGIN_NODE whose name fills the rest.
        size_t end_tok = FdtBuilder::get_be32(blob, FdtBuilder::OFF_STRUCT) + FdtBuilder::get_be32(blob, FdtBuilder::SIZE_STRUCT) - 4;
        FdtBuilder::put_be32(blob, end_tok, FdtBuilder::BEGIN_NODE);
        size_t strings = FdtBuilder::get_be32(blob, FdtBuilder::OFF_STRINGS);
        std::vector<u8> tail(8, 'n');
        blob.insert(blob.begin() + long(strings), tail.begin(), tail.end());
        FdtBuilder::put_be32(blob, FdtBuilder::SIZE_STRUCT, FdtBuilder::get_be32(blob, FdtBuilder::SIZE_STRUCT) + 8);
        FdtBuilder::put_be32(blob, FdtBuilder::OFF_STRINGS, u32(strings + 8));
        FdtBuilder::put_be32(blob, FdtBuilder::TOTALSIZE, u32(blob.size()));
        exercise(blob, blob.size());
        Blob bb(blob);
        auto r = Fdt::from_blob(bb.bytes.get(), bb.size);
        REQUIRE(r.ok());
        // The child may be reported, but it has no readable name.
        Fdt::Node child;
        if (r.value().first_child(r.value().root(), &child))
            CHECK(str(r.value().name(child)).empty());
    }
    // A strings block whose last name has no NUL, and a string property
    // without one.
    {
        FdtBuilder b;
        b.begin("").prop("model", {'a', 'b', 'c'}).prop_string("compatible", "x").prop_cells("zzzz", {1}).end();
        std::vector<u8> blob = b.finish();
        // Drop the last byte of the strings block: "zzzz" loses its NUL.
        blob.pop_back();
        FdtBuilder::put_be32(blob, FdtBuilder::TOTALSIZE, u32(blob.size()));
        FdtBuilder::put_be32(blob, FdtBuilder::SIZE_STRINGS, FdtBuilder::get_be32(blob, FdtBuilder::SIZE_STRINGS) - 1);
        Blob bb(blob);
        auto r = Fdt::from_blob(bb.bytes.get(), bb.size);
        REQUIRE(r.ok());
        const Fdt& fdt = r.value();
        CHECK(fdt.property_u32(fdt.root(), "zzzz", 7) == 7);
        CHECK(fdt.property_u32(fdt.root(), "zzz", 7) == 7);
        CHECK(str(fdt.property_string(fdt.root(), "model")).empty());
        CHECK(fdt.is_compatible(fdt.root(), "x"));
        BoardInfo board;
        CHECK(board_from_fdt(fdt, &board).is_error());
        CHECK(board.model[0] == 0);
    }
}

TEST_CASE("fdt: property lengths and name offsets out of range")
{
    FdtBuilder b;
    b.begin("").prop_cells("a", {1}).prop_cells("b", {2}).begin("child").end().end();
    std::vector<u8> good = b.finish();
    u32 off_struct = FdtBuilder::get_be32(good, FdtBuilder::OFF_STRUCT);
    // Layout: BEGIN_NODE, name "" padded (8 bytes), then PROP len nameoff value.
    size_t first_prop = off_struct + 8;
    for (u32 len : {0xffffffffu, 0xfffffff0u, 0x7fffffffu, 1000u, 9u}) {
        CAPTURE(len);
        std::vector<u8> v = good;
        FdtBuilder::put_be32(v, first_prop + 4, len);
        exercise(v, v.size());
        Blob bb(v);
        auto r = Fdt::from_blob(bb.bytes.get(), bb.size);
        REQUIRE(r.ok());
        CHECK(r.value().property_u32(r.value().root(), "b", 0) == 0);
    }
    for (u32 name_off : {0xffffffffu, 0x80000000u, 1000u}) {
        CAPTURE(name_off);
        std::vector<u8> v = good;
        FdtBuilder::put_be32(v, first_prop + 8, name_off);
        exercise(v, v.size());
        Blob bb(v);
        auto r = Fdt::from_blob(bb.bytes.get(), bb.size);
        REQUIRE(r.ok());
        // The broken property is skipped; the next one is still found.
        CHECK(r.value().property_u32(r.value().root(), "a", 0) == 0);
        CHECK(r.value().property_u32(r.value().root(), "b", 0) == 2);
    }
}

TEST_CASE("fdt: deep nesting is bounded, not recursed into without limit")
{
    for (int depth : {20, 40, 1000, 20000}) {
        CAPTURE(depth);
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
        b.begin("memory@0").prop_string("device_type", "memory").prop_cells("reg", {0, 0, 0, 0x100000}).end();
        add_cpus(b, 1);
        for (int i = 0; i < depth; i++)
            b.begin("n");
        b.prop_string("compatible", "ns16550a");
        for (int i = 0; i < depth; i++)
            b.end();
        b.end();
        std::vector<u8> v = b.finish();
        exercise(v, v.size());
        Blob blob(v);
        auto r = Fdt::from_blob(blob.bytes.get(), blob.size);
        REQUIRE(r.ok());
        BoardInfo board;
        CHECK(board_from_fdt(r.value(), &board).ok());
        CHECK(board.memory_count == 1);
        // Nodes beyond the depth limit are not visited.
        CHECK(board.uart.kind == UartKind::None);
    }
}

TEST_CASE("fdt: the structure block is not closed")
{
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).begin("a").begin("b").prop_cells("x", {1});
    std::vector<u8> v = b.finish(); // FDT_END arrives with three nodes open
    exercise(v, v.size());
    Blob blob(v);
    auto r = Fdt::from_blob(blob.bytes.get(), blob.size);
    REQUIRE(r.ok());
    Fdt::Node n;
    CHECK(r.value().find_path("/a", &n));
    Fdt::Node sib;
    CHECK_FALSE(r.value().next_sibling(n, &sib));
}

TEST_CASE("fdt: random corruption of real trees never crashes the reader")
{
    const char* names[] = {"virt.dtb", "sifive_u.dtb", "visionfive2.dtb", "virt_nosstc_initrd.dtb", "virt_aplic_imsic.dtb",
                           "mpfs-icicle-kit.dtb", "jh7110-starfive-u-boot-visionfive2-handover.dtb"};
    Random rng(20240601);
    for (const char* name : names) {
        CAPTURE(name);
        std::vector<u8> good = load_dtb(name);
        good.resize(FdtBuilder::get_be32(good, FdtBuilder::TOTALSIZE)); // drop QEMU's padding
        for (int round = 0; round < 300; round++) {
            std::vector<u8> v = good;
            int flips = 1 + int(rng.below(8));
            for (int i = 0; i < flips; i++) {
                size_t at = size_t(rng.below(v.size()));
                switch (rng.below(4)) {
                case 0:
                    v[at] ^= u8(1u << rng.below(8));
                    break;
                case 1:
                    v[at] = 0xff;
                    break;
                case 2:
                    v[at] = 0;
                    break;
                default:
                    // A plausible token where none belongs.
                    if (at + 4 <= v.size())
                        FdtBuilder::put_be32(v, at & ~size_t(3), u32(1 + rng.below(9)));
                    break;
                }
            }
            exercise(v, v.size());
        }
    }
}
