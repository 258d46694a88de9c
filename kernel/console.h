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
// One character, no locking, no newline translation (kprintf, panics).
void console_put_char(char c);
// A chunk of program output: "\n" becomes "\r\n", and the chunk is not
// interleaved with other chunks or kernel messages.
void console_write(const char* s, size_t n);

// Called by drivers for every character received.
void console_receive(char c);
// The interrupt entry for the console's PLIC source.
void console_irq();

// Reads up to n bytes of input into user memory, sleeping (killably) until
// a line is complete. Returns the count, 0 at end of file (^D at the start
// of a line), ERR_INTR if killed, ERR_FAULT for a bad buffer.
#include "lib/result.h"
Result<size_t> console_read(u64 user_dst, size_t n);
