/*
 * Write access to a file against programs running from it (inode.h).
 *
 * Program segments are paged in from the file on demand, long after exec:
 * a writer that changed the file would change the running program's code
 * and data under it (its initialised data read as zeros after an
 * overwrite; a truncation killed it). So, as on Linux, a file has either
 * writers or running programs, never both, and whoever comes second gets
 * ERR_TXTBSY.
 *
 * One signed counter per inode, changed only by compare-and-swap: each
 * writer adds one while the count is not negative, each program segment
 * subtracts one while it is not positive. No lock, so the counts can be
 * taken where any lock is held (an address space's, the shared-memory
 * table's).
 */
#include "inode.h"
#include "../console/printk.h"

namespace {
// Moves the count one step in `direction` (+1 or -1) unless it points the
// other way.
Result<void> step_unless_opposite(Inode* ip, i32 direction)
{
    i32 now = ip->write_access.load(MemoryOrder::Relaxed);
    do {
        if (now * direction < 0)
            return Error(ERR_TXTBSY);
    } while (!ip->write_access.compare_exchange(now, now + direction, MemoryOrder::AcqRel));
    return {};
}

void step_back(Inode* ip, i32 direction)
{
    i32 before = ip->write_access.fetch_add(-direction, MemoryOrder::AcqRel);
    if (before * direction <= 0)
        panic("inode %u: write access count %d undone the wrong way", ip->inum, before);
}
} // namespace

Result<void> inode_get_write_access(Inode* ip) { return step_unless_opposite(ip, +1); }
void inode_put_write_access(Inode* ip) { step_back(ip, +1); }
Result<void> inode_deny_write_access(Inode* ip) { return step_unless_opposite(ip, -1); }
void inode_allow_write_access(Inode* ip) { step_back(ip, -1); }
