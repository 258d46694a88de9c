// LAB(port) begin: header_byte_registers
/*
 * The 16550-compatible UART: QEMU virt's ns16550a (byte registers, one byte
 * apart) and the VisionFive 2's Synopsys DesignWare APB UART (32-bit
 * registers, four bytes apart). reg-shift and reg-io-width from the device
 * tree say which.
 *
 * The firmware has already set the baud rate, so the driver leaves the
 * divisor alone: it enables the FIFOs, the receive interrupt, and the
 * "transmitter empty" interrupt while the console has bytes queued
 * (THRE means the whole FIFO is free, so each interrupt sends a FIFO's
 * worth).
 *
 * The DesignWare UART raises a "busy detect" interrupt (IIR = 0x7) when
 * LCR is written while it is busy; reading its UART Status Register
 * (register 31) clears it. Not clearing it would leave the interrupt line
 * asserted forever. Its FIFO depth is a build option of the IP, read from
 * its component parameter register rather than assumed to be 16.
 */
// LAB(port) end
#include "../console/console.h"
#include "../mm/phys.h"
#include "uart.h"

namespace {

enum Reg : u32 {
    RBR = 0, // receive buffer (read)
    THR = 0, // transmit holding (write)
    IER = 1, // interrupt enable
    IIR = 2, // interrupt identification (read)
    FCR = 2, // FIFO control (write)
    LCR = 3, // line control
    MCR = 4, // modem control
    LSR = 5, // line status
    USR = 31, // DesignWare status register
    CPR = 61, // DesignWare component parameters (0 if the UART was built without them)
};

constexpr u32 IER_RX_AVAILABLE = 0x01;
constexpr u32 IER_TX_EMPTY = 0x02;
constexpr u32 FIFO_DEPTH = 16; // the 16550A's
constexpr u32 FCR_ENABLE_AND_CLEAR = 0x07;
constexpr u32 LSR_DATA_READY = 0x01;
constexpr u32 LSR_TX_EMPTY = 0x20;
constexpr u32 IIR_ID_MASK = 0x0f;
constexpr u32 IIR_BUSY_DETECT = 0x07;
constexpr u32 MCR_OUT2 = 0x08; // routes the interrupt on PC-style designs

uptr g_base = 0;
// LAB(port) begin: registers_are_bytes
u32 g_shift = 0;
u32 g_width = 1;

// Register reg is at base + (reg << reg-shift), and every access is
// reg-io-width bytes wide: a 32-bit register written with a byte store
// may not take the value (or may take it in the wrong lane).
u32 read_reg(u32 reg)
{
    uptr addr = g_base + (uptr(reg) << g_shift);
    if (g_width == 4)
        return *reinterpret_cast<volatile u32*>(addr);
    return *reinterpret_cast<volatile u8*>(addr);
}

void write_reg(u32 reg, u32 value)
{
    uptr addr = g_base + (uptr(reg) << g_shift);
    if (g_width == 4)
        *reinterpret_cast<volatile u32*>(addr) = value;
    else
        *reinterpret_cast<volatile u8*>(addr) = u8(value);
}
// LAB(port) end

u32 g_fifo_depth = FIFO_DEPTH;
u32 g_tx_budget = 0; // bytes the transmit FIFO still takes since it was last seen empty
u32 g_ier = 0;

bool can_send()
{
    // THRE means the FIFO is empty, so a whole FIFO's worth fits.
    if (g_tx_budget == 0 && (read_reg(LSR) & LSR_TX_EMPTY))
        g_tx_budget = g_fifo_depth;
    return g_tx_budget > 0;
}

void send(char c)
{
    g_tx_budget--;
    write_reg(THR, u8(c));
}

void set_ready_irq(bool on)
{
    u32 ier = on ? (g_ier | IER_TX_EMPTY) : (g_ier & ~IER_TX_EMPTY);
    if (ier != g_ier) {
        g_ier = ier;
        write_reg(IER, ier);
    }
}

void put_char(char c)
{
    while (!(read_reg(LSR) & LSR_TX_EMPTY))
        ;
    g_tx_budget = 0; // the FIFO is no longer known to be empty
    write_reg(THR, u8(c));
}

void handle_irq()
{
    u32 iir = read_reg(IIR);
    if ((iir & IIR_ID_MASK) == IIR_BUSY_DETECT)
        (void)read_reg(USR);
    while (read_reg(LSR) & LSR_DATA_READY)
        console_receive(char(read_reg(RBR)));
    if ((g_ier & IER_TX_EMPTY) && (read_reg(LSR) & LSR_TX_EMPTY))
        console_transmit_ready();
}

ConsoleDriver g_driver{"ns16550", put_char, handle_irq, 0, can_send, send, set_ready_irq};

} // namespace

void uart16550_init(const UartInfo& info)
{
    g_base = uptr(phys_to_virt(info.base));
    // LAB(port) begin
    g_shift = info.reg_shift;
    g_width = info.reg_io_width;
    // LAB(port) end
    g_fifo_depth = FIFO_DEPTH;
    if (info.designware) {
        // The DesignWare UART's FIFO depth is a synthesis option (none, or
        // 16 to 2048 bytes); CPR bits 23:16 give it in units of 16. Sending
        // 16 bytes into a smaller FIFO would drop characters on the board.
        u32 cpr = read_reg(CPR);
        if (cpr != 0)
            g_fifo_depth = (cpr >> 16) & 0xff ? ((cpr >> 16) & 0xff) * 16 : 1;
    }
    write_reg(IER, 0);
    write_reg(FCR, FCR_ENABLE_AND_CLEAR);
    write_reg(MCR, read_reg(MCR) | MCR_OUT2);
    // Drain anything left over, and a pending busy-detect.
    handle_irq();
    g_ier = IER_RX_AVAILABLE;
    write_reg(IER, g_ier);
    // LAB(port) begin: name_is_ns16550a
    g_driver.name = info.designware ? "snps,dw-apb-uart" : "ns16550a";
    // LAB(port) end
    uart_become_console(&g_driver, info.irq);
}
