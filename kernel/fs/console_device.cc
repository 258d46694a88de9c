/*
 * The console as a character device (major DEV_CONSOLE): the bridge from
 * read()/write() on /dev/console to the console driver in kernel/console.
 *
 * A write is copied from user memory a piece at a time through a small
 * buffer on the kernel stack and handed to console_write(); a read is
 * console_read(), which sleeps until a line is complete and copies it out.
 * No lock of its own: the console serializes output and input.
 */
#include "../console/console.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "file.h"

namespace {

constexpr size_t PIECE = 256;

// console_read() copies to user memory itself.
Result<size_t> console_device_read(u64 user_dst, size_t n)
{
    if (n == 0)
        return size_t(0);
    return console_read(user_dst, n);
}

Result<size_t> console_device_write(u64 user_src, size_t n)
{
    char piece[PIECE];
    size_t done = 0;
    while (done < n) {
        // The UART takes a byte per few microseconds: a long write stops at
        // a kill between pieces.
        if (current_killed())
            return done ? Result<size_t>(done) : Error(ERR_INTR);
        size_t m = min(n - done, PIECE);
        if (auto copied = copy_from_user(piece, user_src + done, m); copied.is_error())
            return done ? Result<size_t>(done) : copied.error();
        console_write(piece, m);
        done += m;
    }
    return done;
}

const DeviceOps g_console_ops = {console_device_read, console_device_write};

} // namespace

void register_console_device() { register_device(DEV_CONSOLE, &g_console_ops); }
