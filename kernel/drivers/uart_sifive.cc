/*
 * The SiFive UART (sifive,uart0) of QEMU sifive_u and the HiFive boards.
 * Registers (SiFive FU540 manual, chapter "UART"): txdata (bit 31 = FIFO
 * full), rxdata (bit 31 = FIFO empty), txctrl/rxctrl (bit 0 = enable),
 * ie/ip (bit 1 = receive watermark).
 */
#include "../console/console.h"
#include "../mm/phys.h"
#include "uart.h"

namespace {

enum Reg : u32 {
    TXDATA = 0x00,
    RXDATA = 0x04,
    TXCTRL = 0x08,
    RXCTRL = 0x0c,
    IE = 0x10,
};
constexpr u32 FIFO_FLAG = 1u << 31;
constexpr u32 IE_TXWM = 1u << 0; // transmit FIFO below its watermark
constexpr u32 IE_RXWM = 1u << 1;
constexpr u32 IP = 0x14;

uptr g_base = 0;

volatile u32& reg(u32 offset) { return *reinterpret_cast<volatile u32*>(g_base + offset); }

void put_char(char c)
{
    while (reg(TXDATA) & FIFO_FLAG)
        ;
    reg(TXDATA) = u8(c);
}

bool can_send() { return !(reg(TXDATA) & FIFO_FLAG); }

void send(char c) { reg(TXDATA) = u8(c); }

void set_ready_irq(bool on) { reg(IE) = on ? (IE_RXWM | IE_TXWM) : IE_RXWM; }

void handle_irq()
{
    for (;;) {
        u32 v = reg(RXDATA);
        if (v & FIFO_FLAG)
            break;
        console_receive(char(v & 0xff));
    }
    if ((reg(IE) & IE_TXWM) && (reg(IP) & IE_TXWM))
        console_transmit_ready();
}

ConsoleDriver g_driver{"sifive,uart0", put_char, handle_irq, 0, can_send, send, set_ready_irq};

} // namespace

void sifive_uart_init(const UartInfo& info)
{
    g_base = uptr(phys_to_virt(info.base));
    // Enabled, with a watermark of 1: the "ready" interrupt fires when the
    // transmit FIFO is empty.
    reg(TXCTRL) = (reg(TXCTRL) & ~(7u << 16)) | (1u << 16) | 1;
    reg(RXCTRL) = (reg(RXCTRL) & ~(7u << 16)) | 1; // watermark 0: interrupt on any byte
    handle_irq();
    reg(IE) = IE_RXWM;
    uart_become_console(&g_driver, info.irq);
}
