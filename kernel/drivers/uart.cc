/*
 * Choosing the console driver for the UART the device tree names.
 */
#include "uart.h"

void console_init(const BoardInfo& board)
{
    if (!uart16550_probe(board.uart))
        sifive_uart_probe(board.uart);
}
