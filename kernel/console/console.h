/*
 * The console: one character device on top of whichever UART the device
 * tree names, with the SBI console as a fallback before the driver is up.
 *
 * Program output goes through a transmit ring that the UART's "transmitter
 * ready" interrupt drains, so a write returns as soon as its bytes are
 * queued; when the ring is full the writer drains it itself. Kernel
 * messages first drain the ring, then print synchronously, which keeps
 * them in order and reliable even in a panic. Input arrives by interrupt
 * and is kept in a line buffer; readers sleep until a line is ready.
 */
#pragma once

#include "../lib/types.h"

struct ConsoleDriver {
    const char* name;
    // Waits until the transmitter has room, then sends c.
    void (*put_char)(char c);
    // The driver's interrupt: received characters go to console_receive(),
    // transmitter-ready events to console_transmit_ready().
    void (*handle_irq)();
    u32 irq;
    // Interrupt-driven output (all three, or none: then output is polled).
    bool (*can_send)();               // the transmitter takes a byte now
    void (*send)(char c);             // sends one byte; can_send() was true
    void (*set_ready_irq)(bool on);   // interrupt when the transmitter has room
};

void console_set_driver(const ConsoleDriver* driver);
const ConsoleDriver* console_driver();
// One character, no locking, no newline translation (kprintf, panics).
void console_put_char(char c);
// A chunk of program output: "\n" becomes "\r\n", and the chunk is not
// interleaved with other chunks or kernel messages.
void console_write(const char* s, size_t n);

// Called by drivers for every character received, and when the
// transmitter has room again.
void console_receive(char c);
void console_transmit_ready();
// Sends everything queued, waiting on the UART (kernel messages, panics).
void console_flush();
// The interrupt entry for the console's PLIC source.
void console_irq();

// Reads up to n bytes of input into user memory, sleeping (killably) until
// a line is complete. Returns the count, 0 at end of file (^D at the start
// of a line), ERR_INTR if killed, ERR_FAULT for a bad buffer.
#include "../lib/result.h"
Result<size_t> console_read(u64 user_dst, size_t n);
