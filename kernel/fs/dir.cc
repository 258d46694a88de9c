/*
 * Directory entries and path resolution (see dir.h).
 *
 * Invariants: every live directory has "." and ".." as its first two
 * entries; names in one directory are unique; an entry's ino is a live
 * inode (kept so by the callers in sys_path.cc, which change an entry and
 * the nlink it accounts for in the same operation).
 *
 * Locks: the caller holds the directory's lock for dir_* functions. The
 * walk holds at most one directory lock at a time: it looks the next
 * element up, then unlocks the current directory before locking the next,
 * so "." and ".." never deadlock against themselves.
 */
#include "dir.h"
#include "../lib/kstring.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "../uapi/fcntl.h"
#include "bcache.h"

namespace {

bool entry_has_name(const DiskDirent& e, StringView name)
{
    return strnlen(e.name, sizeof(e.name)) == name.length() && memcmp(e.name, name.data(), name.length()) == 0;
}

// Calls visit(entry, byte offset) for each slot of dp (locked), a block at a
// time, until it returns true; returns the offset it stopped at or -1.
template <typename Visit> i64 scan_entries(Inode* dp, Visit visit)
{
    for (u64 base = 0; base < dp->size; base += FS_BLOCK_SIZE) {
        auto block = inode_block_at(dp, base / FS_BLOCK_SIZE);
        if (block.is_error() || block.value() == 0)
            continue; // a hole has no entries
        Buffer* bp = bread(block.value());
        const DiskDirent* entries = reinterpret_cast<const DiskDirent*>(bp->data);
        u32 count = u32(min(u64(FS_DIRENTS_PER_BLOCK), (dp->size - base) / sizeof(DiskDirent)));
        for (u32 i = 0; i < count; i++) {
            if (visit(entries[i], base + i * sizeof(DiskDirent))) {
                brelse(bp);
                return i64(base + i * sizeof(DiskDirent));
            }
        }
        brelse(bp);
    }
    return -1;
}

// Copies the next path element into name and returns what follows it
// (without leading slashes), or nullptr when there are no elements left.
const char* next_element(const char* path, char* name, int* error)
{
    while (*path == '/')
        path++;
    if (*path == '\0')
        return nullptr;
    const char* start = path;
    while (*path != '/' && *path != '\0')
        path++;
    size_t length = size_t(path - start);
    if (length > FS_NAME_MAX) {
        *error = ERR_NAMETOOLONG;
        return nullptr;
    }
    memcpy(name, start, length);
    name[length] = '\0';
    while (*path == '/')
        path++;
    return path;
}

enum class Walk { ToEnd, ToParent };

Result<Inode*> walk(const char* path, Walk mode, char* name)
{
    if (*path == '\0')
        return Error(ERR_NOTEXIST);
    Inode* ip;
    Proc* p = current_proc();
    if (*path == '/' || !p || !p->cwd)
        ip = TRY(inode_get(FS_ROOT_INODE));
    else
        ip = inode_dup(p->cwd);
    int error = 0;
    const char* rest;
    while ((rest = next_element(path, name, &error)) != nullptr) {
        path = rest;
        inode_lock(ip);
        if (ip->type != T_DIR) {
            inode_unlock_put(ip);
            return Error(ERR_NOTDIR);
        }
        if (mode == Walk::ToParent && *path == '\0') {
            inode_unlock(ip);
            return ip;
        }
        auto next = dir_lookup(ip, StringView(name), nullptr);
        inode_unlock_put(ip);
        if (next.is_error())
            return next.error();
        ip = next.value();
    }
    if (error || mode == Walk::ToParent) {
        inode_put(ip);
        return Error(error ? error : ERR_INVAL);
    }
    return ip;
}

} // namespace

Result<Inode*> dir_lookup(Inode* dp, StringView name, u64* offset)
{
    if (dp->type != T_DIR)
        panic("dir_lookup: inode %u is not a directory", dp->inum);
    if (dp->nlink == 0)
        return Error(ERR_NOTEXIST); // removed: it contains nothing now
    u32 inum = 0;
    i64 at = scan_entries(dp, [&](const DiskDirent& e, u64) {
        if (e.ino != 0 && entry_has_name(e, name)) {
            inum = e.ino;
            return true;
        }
        return false;
    });
    if (at < 0)
        return Error(ERR_NOTEXIST);
    if (offset)
        *offset = u64(at);
    return inode_get(inum);
}

Result<void> dir_link(Inode* dp, StringView name, u32 inum)
{
    if (name.is_empty())
        return Error(ERR_INVAL);
    if (name.length() > FS_NAME_MAX)
        return Error(ERR_NAMETOOLONG);
    if (dp->nlink == 0)
        return Error(ERR_NOTEXIST);
    bool taken = false;
    i64 free_slot = scan_entries(dp, [&](const DiskDirent& e, u64) {
        if (e.ino != 0 && entry_has_name(e, name))
            taken = true;
        return false;
    });
    if (taken)
        return Error(ERR_EXIST);
    free_slot = scan_entries(dp, [](const DiskDirent& e, u64) { return e.ino == 0; });
    u64 offset = free_slot >= 0 ? u64(free_slot) : align_up(dp->size, sizeof(DiskDirent));
    DiskDirent entry{};
    entry.ino = inum;
    memcpy(entry.name, name.data(), name.length());
    size_t written = TRY(inode_write(dp, Space::Kernel, u64(&entry), offset, sizeof(entry)));
    if (written != sizeof(entry))
        return Error(ERR_NOSPC);
    return {};
}

void dir_unlink_at(Inode* dp, u64 offset)
{
    DiskDirent empty{};
    auto written = inode_write(dp, Space::Kernel, u64(&empty), offset, sizeof(empty));
    // The slot exists, so rewriting it allocates nothing and cannot fail.
    if (written.is_error() || written.value() != sizeof(empty))
        panic("dir_unlink_at: cannot clear the entry at %lu of inode %u", offset, dp->inum);
}

bool dir_is_empty(Inode* dp)
{
    i64 found = scan_entries(dp, [](const DiskDirent& e, u64) {
        if (e.ino == 0)
            return false;
        return !entry_has_name(e, ".") && !entry_has_name(e, "..");
    });
    return found < 0;
}

Result<Inode*> namei(const char* path)
{
    char name[FS_NAME_MAX + 1];
    return walk(path, Walk::ToEnd, name);
}

Result<Inode*> nameiparent(const char* path, char* name) { return walk(path, Walk::ToParent, name); }
