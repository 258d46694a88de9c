/*
 * The console: one character device on top of whichever UART the device
 * tree names, with the SBI console as a fallback before the driver is up.
 *
 * Output is synchronous (the UART's transmit FIFO is polled), which keeps
 * kernel messages reliable even in a panic. Input arrives by interrupt and
 * is kept in a ring buffer; readers sleep until a line (or, in raw mode, a
 * character) is ready.
 */
#pragma once

#include "lib/types.h"

struct ConsoleDriver {
    const char* name;
    void (*put_char)(char c);
    // Drains received characters into console_receive(); called from the
    // driver's interrupt.
    void (*handle_irq)();
    u32 irq;
};

void console_set_driver(const ConsoleDriver* driver);
const ConsoleDriver* console_driver();
void console_put_char(char c);
void console_write(const char* s, size_t n);

// Called by drivers for every character received.
void console_receive(char c);
// The interrupt entry for the console's PLIC source.
void console_irq();

// Reads up to n bytes of input, sleeping until a line is complete. Returns
// the count, 0 at end of file (^D on an empty line), or a negative error.
long console_read(char* buf, size_t n);
