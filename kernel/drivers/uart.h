/*
 * Console UART drivers. Each probe takes the UART the device tree
 * described and, if it recognises it, makes it the console.
 */
#pragma once

#include "../board/board.h"

bool uart16550_probe(const UartInfo& info);
bool sifive_uart_probe(const UartInfo& info);

// Picks the driver for board.uart; keeps the SBI console if there is none.
void console_init(const BoardInfo& board);
