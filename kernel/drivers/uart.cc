/*
 * Choosing the console driver for the UART the device tree names.
 */
#include "uart.h"
#include "../console/console.h"
#include "../trap/interrupts.h"

void uart_become_console(ConsoleDriver* driver, u32 irq)
{
    driver->irq = irq;
    console_set_driver(driver);
    if (irq)
        irq_register(irq, [](void*) { console_irq(); }, nullptr);
}

void console_init(const BoardInfo& board)
{
    switch (board.uart.kind) {
    case UartKind::Ns16550:
        uart16550_init(board.uart);
        break;
    case UartKind::SifiveUart:
        sifive_uart_init(board.uart);
        break;
    case UartKind::None:
        break; // the SBI console stays
    }
}
