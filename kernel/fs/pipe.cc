/*
 * Pipes (see pipe.h).
 *
 * The ring holds bytes [read_count, write_count) at index count % PIPE_SIZE;
 * the counters only grow, so write_count - read_count is the fill level
 * (0 .. PIPE_SIZE).
 *
 * User memory cannot be touched under the pipe's spin lock (a copy may
 * fault and sleep), so data moves through a PIPE_ATOMIC-byte (one page)
 * bounce buffer on the kernel stack: a writer copies a piece in from the user first,
 * then takes the lock and waits until the whole piece fits; a reader copies
 * what is there under the lock, copies it out, and only then consumes it
 * (under the lock again). A piece is therefore never split between writers,
 * and a read into a bad buffer (ERR_FAULT) loses no data: the bytes stay in
 * the pipe for the next read. Consuming after the copy needs the bytes to
 * stay put meanwhile, so readers take turns: read_lock, a sleep lock held
 * for the whole read.
 *
 * Lifetime: the Pipe is freed when both ends are closed, by whichever
 * closes last (reader_open and writer_open decide, under the lock).
 *
 * Locks: Pipe::read_lock (a sleep lock, taken first, killably; the copy
 * to the user under it may fault, which takes the AddressSpace lock);
 * Pipe::lock (rank Pipe); waiters sleep on the readers/writers queues with
 * it held (the wait takes Proc::lock, ranked after it).
 */
#include "pipe.h"
#include "../lib/kstring.h"
#include "../mm/kmalloc.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../sync/sleeplock.h"
#include "../sync/wait_queue.h"
#include "../uapi/fcntl.h"
#include "file.h"

struct Pipe {
    SleepLock read_lock{"pipe_read"}; // one reader at a time (see the top)
    Spinlock lock{"pipe", LockRank::Pipe};
    WaitQueue readers; // waiting for data or for the writers to leave
    WaitQueue writers; // waiting for room or for the readers to leave
    u64 read_count = 0;
    u64 write_count = 0;
    bool reader_open = true;
    bool writer_open = true;
    u8* data = nullptr; // PIPE_SIZE bytes

    size_t used() const { return size_t(write_count - read_count); }
};

namespace {

void free_pipe(Pipe* pipe)
{
    kfree(pipe->data);
    destroy(pipe);
}

// Moves n bytes into the ring, in at most two pieces (the ring wraps).
// Caller holds the lock and checked the room.
void put_bytes(Pipe* pipe, const u8* src, size_t n)
{
    size_t at = pipe->write_count % PIPE_SIZE;
    size_t first = min(n, PIPE_SIZE - at);
    memcpy(pipe->data + at, src, first);
    memcpy(pipe->data, src + first, n - first);
    pipe->write_count += n;
}

// Copies up to n bytes from the front of the ring without consuming them.
// Caller holds the lock.
size_t peek_bytes(Pipe* pipe, u8* dst, size_t n)
{
    n = min(n, pipe->used());
    size_t at = pipe->read_count % PIPE_SIZE;
    size_t first = min(n, PIPE_SIZE - at);
    memcpy(dst, pipe->data + at, first);
    memcpy(dst + first, pipe->data, n - first);
    return n;
}

// The loop of pipe_read; the caller holds read_lock.
Result<size_t> read_pieces(Pipe* pipe, u64 user_dst, size_t n)
{
    u8 piece[PIPE_ATOMIC];
    size_t done = 0;
    while (done < n) {
        if (current_killed()) // a long read stops at a kill
            return done ? Result<size_t>(done) : Error(ERR_INTR);
        size_t got;
        {
            SpinlockGuard guard(pipe->lock);
            // Sleep only before the first byte: then return what there is.
            while (done == 0 && pipe->used() == 0 && pipe->writer_open) {
                if (auto waited = pipe->readers.wait(pipe->lock, WaitMode::Killable); waited.is_error())
                    return waited.error();
            }
            got = peek_bytes(pipe, piece, min(n - done, PIPE_ATOMIC));
        }
        if (got == 0)
            break; // empty: end of file, or what was there is delivered
        if (auto copied = copy_to_user(user_dst + done, piece, got); copied.is_error())
            return done ? Result<size_t>(done) : copied.error(); // the piece stays in the pipe
        {
            // Only this reader consumes (read_lock), so the front is still
            // the piece just delivered.
            SpinlockGuard guard(pipe->lock);
            pipe->read_count += got;
            pipe->writers.wake(PIPE_SIZE, WakeHint::Sync);
        }
        done += got;
    }
    return done;
}

} // namespace

Result<void> pipe_create(File** read_end, File** write_end)
{
    Pipe* pipe = make<Pipe>();
    if (!pipe)
        return Error(ERR_NOMEM);
    pipe->data = static_cast<u8*>(kmalloc(PIPE_SIZE));
    if (!pipe->data) {
        destroy(pipe);
        return Error(ERR_NOMEM);
    }
    auto r = file_alloc();
    if (r.is_error()) {
        free_pipe(pipe);
        return r.error();
    }
    auto w = file_alloc();
    if (w.is_error()) {
        file_close(r.value()); // no operations yet: releases only the File
        free_pipe(pipe);
        return w.error();
    }
    File* rf = r.value();
    File* wf = w.value();
    rf->ops = &g_pipe_file_ops;
    rf->readable = true;
    rf->pipe = pipe;
    wf->ops = &g_pipe_file_ops;
    wf->writable = true;
    wf->pipe = pipe;
    *read_end = rf;
    *write_end = wf;
    return {};
}

namespace {
// The last close of one end (its File's last reference).
void close_end(File* f)
{
    Pipe* pipe = f->pipe;
    bool last;
    {
        SpinlockGuard guard(pipe->lock);
        if (f->writable) {
            pipe->writer_open = false;
            pipe->readers.wake_all(); // they see end of file
        } else {
            pipe->reader_open = false;
            pipe->writers.wake_all(); // they see ERR_PIPE
        }
        last = !pipe->reader_open && !pipe->writer_open;
    }
    if (last)
        free_pipe(pipe);
}

Result<size_t> write_pipe(File* f, u64 user_src, size_t n)
{
    Pipe* pipe = f->pipe;
    u8 piece[PIPE_ATOMIC];
    size_t done = 0;
    while (done < n) {
        if (current_killed()) // a long write stops at a kill
            return done ? Result<size_t>(done) : Error(ERR_INTR);
        size_t m = min(n - done, PIPE_ATOMIC);
        if (auto copied = copy_from_user(piece, user_src + done, m); copied.is_error())
            return done ? Result<size_t>(done) : copied.error();
        SpinlockGuard guard(pipe->lock);
        while (pipe->reader_open && PIPE_SIZE - pipe->used() < m) {
            if (auto waited = pipe->writers.wait(pipe->lock, WaitMode::Killable); waited.is_error())
                return done ? Result<size_t>(done) : waited.error();
        }
        if (!pipe->reader_open)
            return done ? Result<size_t>(done) : Error(ERR_PIPE);
        put_bytes(pipe, piece, m);
        // A "sync" wake-up: the reader runs here once this writer blocks
        // (a full pipe) instead of waking another hart, which under QEMU
        // costs far more than the copy.
        pipe->readers.wake(PIPE_SIZE, WakeHint::Sync);
        done += m;
    }
    return done;
}

Result<size_t> read_pipe(File* f, u64 user_dst, size_t n)
{
    Pipe* pipe = f->pipe;
    TRY(pipe->read_lock.lock_killable());
    auto result = read_pieces(pipe, user_dst, n);
    pipe->read_lock.unlock();
    return result;
}

void stat_pipe(File* f, struct stat* out)
{
    Pipe* pipe = f->pipe;
    memset(out, 0, sizeof(*out));
    out->type = T_PIPE;
    out->nlink = 1;
    SpinlockGuard guard(pipe->lock);
    out->size = pipe->used();
}
} // namespace

const FileOps g_pipe_file_ops = {.read = read_pipe, .write = write_pipe, .stat = stat_pipe, .release = close_end};
