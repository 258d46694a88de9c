/*
 * FsImage (see image.h). Follows the format of kernel/fs/layout.h and the
 * conventions the kernel keeps: "." and ".." first in every directory, a
 * directory's nlink is 1 plus its subdirectories, the root's ".." is the
 * root, block 0 is never a file block.
 */
#include "image.h"

#include <string.h>

#include "../kernel/uapi/fcntl.h"

FsImage::FsImage(uint32_t block_count, uint32_t inode_count, uint32_t log_blocks)
{
    if (!fs_compute_layout(block_count, inode_count, log_blocks, &m_sb)) {
        fail("cannot lay out a file system of " + std::to_string(block_count) + " blocks, " +
             std::to_string(inode_count) + " inodes and a log of " + std::to_string(log_blocks) +
             " blocks (limits: " + std::to_string(FS_MIN_BLOCKS) + ".." + std::to_string(FS_MAX_BLOCKS) +
             " blocks, 2.." + std::to_string(FS_MAX_INODES) + " inodes, log " + std::to_string(FS_MIN_LOG_BLOCKS) +
             ".." + std::to_string(FS_LOG_MAX_ENTRIES + 1) + " blocks)");
        return;
    }
    m_image.assign(size_t(block_count) * FS_BLOCK_SIZE, 0);
    memcpy(block(FS_SUPERBLOCK), &m_sb, sizeof(m_sb));
    m_next_block = m_sb.data_start;
    m_next_inode = FS_ROOT_INODE;
    uint32_t root = alloc_inode(T_DIR);
    if (root != FS_ROOT_INODE)
        return;
    inode(root).nlink = 1;
    add_entry(root, ".", root);
    add_entry(root, "..", root);
}

bool FsImage::fail(const std::string& message)
{
    if (m_error.empty())
        m_error = message;
    return false;
}

DiskInode& FsImage::inode(uint32_t inum)
{
    auto* table = reinterpret_cast<DiskInode*>(block(fs_inode_block(m_sb, inum)));
    return table[inum % FS_INODES_PER_BLOCK];
}

uint32_t FsImage::alloc_block()
{
    if (m_next_block >= m_sb.block_count) {
        fail("the image is full: all " + std::to_string(m_sb.data_blocks) +
             " data blocks are used (make it bigger with -b)");
        return 0;
    }
    return m_next_block++;
}

uint32_t FsImage::alloc_inode(uint16_t type)
{
    if (m_next_inode >= m_sb.inode_count) {
        fail("out of inodes: all " + std::to_string(m_sb.inode_count - 1) + " are used (ask for more with -i)");
        return 0;
    }
    uint32_t inum = m_next_inode++;
    DiskInode& ip = inode(inum);
    memset(&ip, 0, sizeof(ip));
    ip.type = type;
    ip.generation = 1;
    return inum;
}

// The disk block of file block fbn, allocated (with any indirect blocks on
// the way) if missing; 0 when the image is full.
uint32_t FsImage::map_block(uint32_t inum, uint64_t fbn)
{
    auto slot = [this](uint32_t* where) -> uint32_t {
        if (*where == 0)
            *where = alloc_block(); // fresh blocks are already zero
        return *where;
    };
    auto entry = [this, &slot](uint32_t table, uint64_t index) -> uint32_t {
        return slot(reinterpret_cast<uint32_t*>(block(table)) + index);
    };
    DiskInode& ip = inode(inum);
    if (fbn < FS_DIRECT_BLOCKS)
        return slot(&ip.addrs[fbn]);
    fbn -= FS_DIRECT_BLOCKS;
    if (fbn < FS_ADDRS_PER_BLOCK) {
        uint32_t ind = slot(&ip.addrs[FS_INDIRECT_SLOT]);
        return ind ? entry(ind, fbn) : 0;
    }
    fbn -= FS_ADDRS_PER_BLOCK;
    uint32_t top = slot(&ip.addrs[FS_DOUBLE_SLOT]);
    if (!top)
        return 0;
    uint32_t mid = entry(top, fbn / FS_ADDRS_PER_BLOCK);
    return mid ? entry(mid, fbn % FS_ADDRS_PER_BLOCK) : 0;
}

bool FsImage::write_data(uint32_t inum, uint64_t offset, const uint8_t* data, size_t n)
{
    if (offset + n > FS_MAX_FILE_SIZE)
        return fail("file too large");
    size_t done = 0;
    while (done < n) {
        uint64_t pos = offset + done;
        size_t in_block = pos % FS_BLOCK_SIZE;
        size_t m = std::min(n - done, size_t(FS_BLOCK_SIZE) - in_block);
        uint32_t b = map_block(inum, pos / FS_BLOCK_SIZE);
        if (!b)
            return false;
        memcpy(block(b) + in_block, data + done, m);
        done += m;
    }
    DiskInode& ip = inode(inum);
    if (offset + n > ip.size)
        ip.size = offset + n;
    return true;
}

uint32_t FsImage::lookup(uint32_t dir, const std::string& name)
{
    DiskInode& dp = inode(dir);
    for (uint64_t off = 0; off + sizeof(DiskDirent) <= dp.size; off += sizeof(DiskDirent)) {
        uint32_t b = map_block(dir, off / FS_BLOCK_SIZE);
        auto* e = reinterpret_cast<const DiskDirent*>(block(b) + off % FS_BLOCK_SIZE);
        if (e->ino && strncmp(e->name, name.c_str(), sizeof(e->name)) == 0)
            return e->ino;
    }
    return 0;
}

bool FsImage::add_entry(uint32_t dir, const std::string& name, uint32_t inum)
{
    if (name.empty() || name.size() > FS_NAME_MAX)
        return fail("bad name '" + name + "' (1 to " + std::to_string(FS_NAME_MAX) + " bytes)");
    if (lookup(dir, name))
        return fail("'" + name + "' already exists");
    DiskDirent e{};
    e.ino = inum;
    memcpy(e.name, name.data(), name.size());
    return write_data(dir, inode(dir).size, reinterpret_cast<const uint8_t*>(&e), sizeof(e));
}

uint32_t FsImage::new_directory(uint32_t parent, const std::string& name)
{
    uint32_t inum = alloc_inode(T_DIR);
    if (!inum)
        return 0;
    inode(inum).nlink = 1;
    if (!add_entry(inum, ".", inum) || !add_entry(inum, "..", parent) || !add_entry(parent, name, inum))
        return 0;
    inode(parent).nlink++;
    return inum;
}

uint32_t FsImage::parent_of(const std::string& path, std::string* last)
{
    if (path.empty() || path[0] != '/')
        return fail("'" + path + "' is not an absolute path"), 0;
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/')
            i++;
        size_t start = i;
        while (i < path.size() && path[i] != '/')
            i++;
        if (i > start)
            parts.push_back(path.substr(start, i - start));
    }
    if (parts.empty())
        return fail("'" + path + "' names the root"), 0;
    uint32_t dir = FS_ROOT_INODE;
    for (size_t k = 0; k + 1 < parts.size(); k++) {
        if (parts[k].size() > FS_NAME_MAX)
            return fail("'" + parts[k] + "' is longer than " + std::to_string(FS_NAME_MAX) + " bytes"), 0;
        uint32_t next = lookup(dir, parts[k]);
        if (next && inode(next).type != T_DIR)
            return fail("'" + parts[k] + "' in '" + path + "' is not a directory"), 0;
        if (!next && !(next = new_directory(dir, parts[k])))
            return 0;
        dir = next;
    }
    *last = parts.back();
    if (*last == "." || *last == "..")
        return fail("'" + path + "' ends in . or .."), 0;
    return dir;
}

bool FsImage::make_dir(const std::string& path)
{
    if (!ok())
        return false;
    std::string name;
    uint32_t parent = parent_of(path, &name);
    if (!parent)
        return false;
    if (uint32_t existing = lookup(parent, name))
        return inode(existing).type == T_DIR ? true : fail("'" + path + "' exists and is not a directory");
    return new_directory(parent, name) != 0;
}

bool FsImage::add_file(const std::string& path, const std::vector<uint8_t>& contents)
{
    if (!ok())
        return false;
    std::string name;
    uint32_t parent = parent_of(path, &name);
    if (!parent)
        return false;
    uint32_t inum = alloc_inode(T_FILE);
    if (!inum || !add_entry(parent, name, inum))
        return false;
    inode(inum).nlink = 1;
    return write_data(inum, 0, contents.data(), contents.size());
}

bool FsImage::make_device(const std::string& path, uint16_t major, uint16_t minor)
{
    if (!ok())
        return false;
    std::string name;
    uint32_t parent = parent_of(path, &name);
    if (!parent)
        return false;
    uint32_t inum = alloc_inode(T_DEVICE);
    if (!inum || !add_entry(parent, name, inum))
        return false;
    DiskInode& ip = inode(inum);
    ip.nlink = 1;
    ip.major = major;
    ip.minor = minor;
    return true;
}

void FsImage::finish()
{
    if (!ok())
        return;
    // Everything below m_next_block is in use: metadata, then what was added.
    for (uint32_t b = 0; b < m_next_block; b++)
        block(fs_bitmap_block(m_sb, b))[(b % FS_BITS_PER_BLOCK) / 8] |= uint8_t(1u << (b % 8));
}
