/*
 * The file-system operations of fs_glue.h, on top of kernel/fs.
 */
#include "fs_glue.h"
#include "dir.h"
#include "fs.h"
#include "inode.h"
#include "log.h"
#include "../console/printk.h"
#include "../uapi/fcntl.h"

void fs_mount_root()
{
    if (auto mounted = fs_init(); mounted.is_error())
        panic("cannot mount the root file system (error %d)", mounted.error_code());
}

Inode* fs_root_inode()
{
    auto root = inode_get(FS_ROOT_INODE);
    if (root.is_error())
        panic("cannot reference the root directory");
    return root.value();
}

Result<Inode*> fs_open_executable(const char* path)
{
    Inode* ip;
    {
        // Lookup may drop the last reference to a removed directory, which
        // writes the disk.
        FsTransaction transaction;
        ip = TRY(namei(path));
    }
    inode_lock(ip);
    u16 type = ip->type;
    inode_unlock(ip);
    if (type != T_FILE) {
        fs_inode_put(ip);
        return Error(type == T_DIR ? ERR_ISDIR : ERR_NOEXEC);
    }
    return ip;
}

Result<size_t> fs_read_inode(Inode* ip, void* dst, u64 offset, size_t n)
{
    inode_lock(ip);
    auto r = inode_read(ip, Space::Kernel, u64(dst), offset, n);
    inode_unlock(ip);
    return r;
}

u64 fs_inode_size(Inode* ip)
{
    inode_lock(ip);
    u64 size = ip->size;
    inode_unlock(ip);
    return size;
}

Inode* fs_inode_dup(Inode* ip) { return inode_dup(ip); }

Result<Inode*> fs_program_ref(Inode* ip)
{
    TRY(inode_deny_write_access(ip));
    return inode_dup(ip);
}

void fs_program_unref(Inode* ip)
{
    inode_allow_write_access(ip);
    fs_inode_put(ip);
}

void fs_inode_put(Inode* ip)
{
    // The last reference to an unlinked file frees it, which writes the disk.
    begin_op();
    inode_put(ip);
    end_op();
}
