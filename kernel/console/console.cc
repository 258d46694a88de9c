/*
 * Console output (a transmit ring drained by the UART's interrupt), and
 * the input side's line discipline.
 *
 * Output: program writes and input echo are queued in g_tx and sent as the
 * transmitter accepts them, from its "ready" interrupt. A writer that finds
 * the ring full sends bytes itself, waiting on the UART; so does
 * console_flush(), which kernel messages call first to stay in order.
 * Lock: g_tx_lock (rank ConsoleTx, after Print: kprintf flushes under the
 * print lock); it is never held while sleeping.
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
#include "../../riscv/arch.h"
#include "../mm/uaccess.h"
#include "printk.h"
#include "../sync/wait_queue.h"


namespace {
const ConsoleDriver* g_driver = nullptr;

constexpr size_t TX_SIZE = 2048;
Spinlock g_tx_lock("console_tx", LockRank::ConsoleTx);
char g_tx[TX_SIZE];
u64 g_tx_head = 0; // next byte to queue
u64 g_tx_tail = 0; // next byte to send

bool interrupt_driven() { return g_driver && g_driver->can_send; }

// Sends queued bytes while the transmitter takes them, and asks for an
// interrupt if some are left. Caller holds g_tx_lock.
void pump_locked()
{
    kassert(g_tx_lock.is_held());
    while (g_tx_tail != g_tx_head && g_driver->can_send())
        g_driver->send(g_tx[g_tx_tail++ % TX_SIZE]);
    g_driver->set_ready_irq(g_tx_tail != g_tx_head);
}

// Queues one byte (already translated); with a full ring, first sends the
// oldest byte itself. Caller holds g_tx_lock.
void queue_locked(char c)
{
    kassert(g_tx_lock.is_held());
    if (g_tx_head - g_tx_tail == TX_SIZE)
        g_driver->put_char(g_tx[g_tx_tail++ % TX_SIZE]);
    g_tx[g_tx_head++ % TX_SIZE] = c;
}

void queue_translated_locked(char c)
{
    kassert(g_tx_lock.is_held());
    if (c == '\n')
        queue_locked('\r');
    queue_locked(c);
}

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
    if (interrupt_driven()) {
        SpinlockGuard guard(g_tx_lock);
        queue_translated_locked(c);
        pump_locked();
        return;
    }
    if (c == '\n')
        console_put_char('\r');
    console_put_char(c);
}

void erase_one()
{
    g_edit_index--;
    echo('\b');
    echo(' ');
    echo('\b');
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
        arch::firmware_putchar(c);
}

void console_write(const char* s, size_t n)
{
    if (!interrupt_driven()) {
        print_lock_acquire();
        for (size_t i = 0; i < n; i++)
            echo(s[i]);
        print_lock_release();
        return;
    }
    SpinlockGuard guard(g_tx_lock);
    for (size_t i = 0; i < n; i++)
        queue_translated_locked(s[i]);
    pump_locked();
}

void console_transmit_ready()
{
    if (!interrupt_driven())
        return;
    SpinlockGuard guard(g_tx_lock);
    pump_locked();
}

void console_flush()
{
    if (!interrupt_driven())
        return;
    // After a panic the lock may be held by a stopped hart: take the bytes anyway.
    bool locked = !kernel_panicked();
    if (locked)
        g_tx_lock.lock();
    while (g_tx_tail != g_tx_head)
        g_driver->put_char(g_tx[g_tx_tail++ % TX_SIZE]);
    g_driver->set_ready_irq(false);
    if (locked)
        g_tx_lock.unlock();
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
