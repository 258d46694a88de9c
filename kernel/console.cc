/*
 * Console output, and the input side's line discipline.
 *
 * Input is cooked like a terminal's: characters echo as they arrive,
 * backspace (^H or DEL) erases one, ^U erases the line, ^D ends input, and
 * a reader sees data only once a line is complete. The buffer is a ring of
 * INPUT_SIZE bytes indexed by free-running counters:
 *   read_index <= commit_index <= edit_index <= read_index + INPUT_SIZE.
 *
 * Locks: g_input_lock (rank Console) guards the ring and the readers'
 * queue; it is taken in the UART interrupt, so never hold it while
 * touching user memory.
 */
#include "console.h"
#include "../riscv/sbi.h"
#include "mm/uaccess.h"
#include "sync/wait_queue.h"

void print_lock_acquire();
void print_lock_release();

namespace {
const ConsoleDriver* g_driver = nullptr;

constexpr size_t INPUT_SIZE = 512;
constexpr char CTRL_D = 0x04, CTRL_H = 0x08, CTRL_U = 0x15, DEL = 0x7f;

Spinlock g_input_lock("console_input", LockRank::Console);
WaitQueue g_readers;
char g_input[INPUT_SIZE];
u64 g_read_index = 0;
u64 g_commit_index = 0;
u64 g_edit_index = 0;

void echo(char c)
{
    if (c == '\n')
        console_put_char('\r');
    console_put_char(c);
}

void erase_one()
{
    g_edit_index--;
    console_put_char('\b');
    console_put_char(' ');
    console_put_char('\b');
}

void commit()
{
    g_commit_index = g_edit_index;
    g_readers.wake_all();
}
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
    print_lock_acquire();
    for (size_t i = 0; i < n; i++)
        echo(s[i]);
    print_lock_release();
}

void console_irq()
{
    if (g_driver && g_driver->handle_irq)
        g_driver->handle_irq();
}

void console_receive(char c)
{
    SpinlockGuard guard(g_input_lock);
    switch (c) {
    case CTRL_U:
        while (g_edit_index != g_commit_index && g_input[(g_edit_index - 1) % INPUT_SIZE] != '\n')
            erase_one();
        return;
    case CTRL_H:
    case DEL:
        if (g_edit_index != g_commit_index)
            erase_one();
        return;
    case CTRL_D:
        if (g_edit_index - g_read_index < INPUT_SIZE) {
            g_input[g_edit_index++ % INPUT_SIZE] = CTRL_D;
            commit();
        }
        return;
    default:
        break;
    }
    if (c == 0 || g_edit_index - g_read_index >= INPUT_SIZE)
        return;
    if (c == '\r')
        c = '\n';
    echo(c);
    g_input[g_edit_index++ % INPUT_SIZE] = c;
    if (c == '\n' || g_edit_index - g_read_index == INPUT_SIZE)
        commit();
}

Result<size_t> console_read(u64 user_dst, size_t n)
{
    char chunk[128];
    size_t got = 0;
    {
        SpinlockGuard guard(g_input_lock);
        while (g_read_index == g_commit_index)
            TRY(g_readers.wait(g_input_lock, WaitMode::Killable));
        n = min(n, sizeof chunk);
        while (got < n && g_read_index != g_commit_index) {
            char c = g_input[g_read_index % INPUT_SIZE];
            if (c == CTRL_D) {
                // End of file only at the start of a read; otherwise the
                // next read returns 0.
                if (got == 0)
                    g_read_index++;
                break;
            }
            g_read_index++;
            chunk[got++] = c;
            if (c == '\n')
                break;
        }
    }
    TRY(copy_to_user(user_dst, chunk, got));
    return got;
}
