/*
 * The write-ahead log: makes each file-system operation atomic with respect
 * to crashes. An operation brackets its changes with begin_op()/end_op()
 * and records every block it modifies with log_write() instead of writing
 * it; when the last concurrent operation ends, the whole group is written
 * to the log area, committed by writing the log header, copied to its home
 * locations, and the header is cleared. Mounting replays a committed but
 * uninstalled group (log_init), so after a crash either all of a group's
 * operations happened or none did.
 *
 * An operation may modify at most FS_MAX_OP_BLOCKS distinct blocks;
 * begin_op() waits until the log has room for that much, and admits
 * operations first come, first served, so none can starve.
 *
 * Lock order: begin_op() comes before any inode or buffer lock (it may
 * sleep waiting for a commit). log_write() is called with the buffer locked
 * and takes the log spin lock (rank Log), then the bcache lock to pin it.
 */
#pragma once

#include "bcache.h"
#include "layout.h"

// Sets up the log described by sb and replays whatever it holds. Sleeps.
void log_init(const DiskSuperblock& sb);

void begin_op();
void end_op();
// Records that the caller (inside an operation) changed b, which it holds
// locked; the block will reach the disk when the operation commits.
void log_write(Buffer* b);

// One operation for the lifetime of the guard.
class [[nodiscard]] FsTransaction {
public:
    FsTransaction() { begin_op(); }
    ~FsTransaction() { end_op(); }
    FsTransaction(const FsTransaction&) = delete;
    FsTransaction& operator=(const FsTransaction&) = delete;
};

struct LogStats {
    u64 commits;         // groups committed
    u64 blocks_written;  // blocks written through the log
    u32 capacity;        // blocks the log holds
};
LogStats log_stats();
