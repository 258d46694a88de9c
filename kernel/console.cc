/*
 * Console output and the input side's line buffer.
 *
 * Input is cooked like a terminal's: characters echo as they arrive,
 * backspace (^H or DEL) erases, ^U erases the line, ^D ends input, and a
 * reader sees data only once a line is complete. The buffer is a ring of
 * CONSOLE_BUFFER bytes indexed by free-running counters:
 *   read_index <= line_index <= edit_index <= read_index + CONSOLE_BUFFER.
 */
#include "console.h"
#include "../riscv/sbi.h"
#include "sync/spinlock.h"

namespace {
const ConsoleDriver* g_driver = nullptr;
} // namespace

void console_set_driver(const ConsoleDriver* driver) { g_driver = driver; }
const ConsoleDriver* console_driver() { return g_driver; }

void console_put_char(char c)
{
    if (g_driver)
        g_driver->put_char(c);
    else
        sbi_console_putchar(c);
}

void console_write(const char* s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            console_put_char('\r');
        console_put_char(s[i]);
    }
}

void console_irq()
{
    if (g_driver && g_driver->handle_irq)
        g_driver->handle_irq();
}

// Until processes read the console, input is simply echoed.
void console_receive(char c)
{
    if (c == '\r')
        c = '\n';
    if (c == '\n')
        console_put_char('\r');
    console_put_char(c);
}
