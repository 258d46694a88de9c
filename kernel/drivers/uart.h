/*
 * Console UART drivers. console_init picks the driver for the kind of UART
 * the device tree described (board.cc recognises its compatible string);
 * the driver's init sets the UART up and makes it the console.
 */
#pragma once

#include "../board/board.h"

void uart16550_init(const UartInfo& info);
void sifive_uart_init(const UartInfo& info);

// The end of a successful probe: `driver` becomes the console, taking the
// UART's interrupt `irq` (0 if the tree gives none: input is then never
// read, output polled).
struct ConsoleDriver;
void uart_become_console(ConsoleDriver* driver, u32 irq);

// Picks the driver for board.uart; keeps the SBI console if there is none.
void console_init(const BoardInfo& board);
