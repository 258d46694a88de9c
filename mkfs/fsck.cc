/*
 * check_image (see fsck.h): walks the inode table, then the directory tree
 * from the root, recording who owns each block and how many names each
 * inode has, and compares that with the free map and the nlink fields.
 */
#include "fsck.h"

#include <string.h>

#include <algorithm>
#include <map>
#include <set>

#include "../kernel/fs/layout.h"
#include "../kernel/uapi/fcntl.h"

namespace {

class Checker {
public:
    explicit Checker(const std::vector<uint8_t>& image) : m_img(image) {}

    ImageCheck run()
    {
        memcpy(&m_sb, &m_img[FS_SUPERBLOCK * FS_BLOCK_SIZE], sizeof(m_sb));
        if (!fs_superblock_valid(m_sb, m_img.size() / FS_BLOCK_SIZE))
            return fail("bad superblock"), std::move(m_result);
        const auto* log = reinterpret_cast<const DiskLogHeader*>(block(m_sb.log_start));
        if (log->count != 0)
            fail("the log holds " + std::to_string(log->count) + " unrecovered blocks");
        m_owner.assign(m_sb.block_count, 0);
        m_links.assign(m_sb.inode_count, 0);
        for (uint32_t i = 1; i < m_sb.inode_count; i++)
            if (inode(i).type)
                claim_blocks(i);
        check_bitmap();
        m_links[FS_ROOT_INODE]++;
        if (inode(FS_ROOT_INODE).type != T_DIR)
            return fail("root is not a directory"), std::move(m_result);
        walk_tree(FS_ROOT_INODE, FS_ROOT_INODE, "");
        for (uint32_t i = 1; i < m_sb.inode_count; i++) {
            const DiskInode& ip = inode(i);
            if (!ip.type)
                continue;
            if (ip.nlink != m_links[i])
                fail("inode " + std::to_string(i) + " has nlink " + std::to_string(ip.nlink) + ", expected " +
                     std::to_string(m_links[i]));
            if (!m_reached.count(i))
                fail("inode " + std::to_string(i) + " is allocated but unreachable");
        }
        for (auto& [path, line] : m_lines)
            m_result.digest += line + "\n";
        return std::move(m_result);
    }

private:
    void fail(const std::string& e) { m_result.errors.push_back(e); }
    const uint8_t* block(uint32_t b) const { return &m_img[size_t(b) * FS_BLOCK_SIZE]; }
    const DiskInode& inode(uint32_t i) const
    {
        return reinterpret_cast<const DiskInode*>(block(fs_inode_block(m_sb, i)))[i % FS_INODES_PER_BLOCK];
    }
    bool claim(uint32_t b, uint32_t inum)
    {
        if (b < m_sb.data_start || b >= m_sb.block_count)
            return fail("inode " + std::to_string(inum) + " points at non-data block " + std::to_string(b)), false;
        if (m_owner[b])
            return fail("block " + std::to_string(b) + " used by inodes " + std::to_string(m_owner[b]) + " and " +
                        std::to_string(inum)),
                   false;
        m_owner[b] = inum;
        return true;
    }
    void claim_table(uint32_t table, uint32_t inum, int depth)
    {
        if (!claim(table, inum))
            return;
        const uint32_t* e = reinterpret_cast<const uint32_t*>(block(table));
        for (uint32_t i = 0; i < FS_ADDRS_PER_BLOCK; i++)
            if (e[i])
                depth > 1 ? claim_table(e[i], inum, depth - 1) : (void)claim(e[i], inum);
    }
    void claim_blocks(uint32_t inum)
    {
        const DiskInode& ip = inode(inum);
        if (ip.type != T_DIR && ip.type != T_FILE && ip.type != T_DEVICE)
            return fail("inode " + std::to_string(inum) + " has bad type " + std::to_string(ip.type));
        for (uint32_t i = 0; i < FS_DIRECT_BLOCKS; i++)
            if (ip.addrs[i])
                claim(ip.addrs[i], inum);
        if (ip.addrs[FS_INDIRECT_SLOT])
            claim_table(ip.addrs[FS_INDIRECT_SLOT], inum, 1);
        if (ip.addrs[FS_DOUBLE_SLOT])
            claim_table(ip.addrs[FS_DOUBLE_SLOT], inum, 2);
    }
    void check_bitmap()
    {
        for (uint32_t b = 0; b < m_sb.block_count; b++) {
            bool used = block(fs_bitmap_block(m_sb, b))[(b % FS_BITS_PER_BLOCK) / 8] & (1u << (b % 8));
            bool should = b < m_sb.data_start || m_owner[b];
            if (used != should)
                fail("block " + std::to_string(b) + (used ? " marked used but unowned" : " in use but marked free"));
        }
    }
    // The disk block of file block fbn of inode ip (0 for a hole).
    uint32_t file_block(const DiskInode& ip, uint64_t fbn) const
    {
        auto entry = [this](uint32_t table, uint64_t i) { return table ? reinterpret_cast<const uint32_t*>(block(table))[i] : 0; };
        if (fbn < FS_DIRECT_BLOCKS)
            return ip.addrs[fbn];
        fbn -= FS_DIRECT_BLOCKS;
        if (fbn < FS_ADDRS_PER_BLOCK)
            return entry(ip.addrs[FS_INDIRECT_SLOT], fbn);
        fbn -= FS_ADDRS_PER_BLOCK;
        return entry(entry(ip.addrs[FS_DOUBLE_SLOT], fbn / FS_ADDRS_PER_BLOCK), fbn % FS_ADDRS_PER_BLOCK);
    }
    uint64_t checksum(const DiskInode& ip) const
    {
        uint64_t sum = 1469598103934665603ull;
        for (uint64_t off = 0; off < ip.size; off += FS_BLOCK_SIZE) {
            uint32_t b = file_block(ip, off / FS_BLOCK_SIZE);
            size_t n = size_t(std::min<uint64_t>(FS_BLOCK_SIZE, ip.size - off));
            for (size_t i = 0; i < n; i++)
                sum = (sum ^ (b ? block(b)[i] : 0)) * 1099511628211ull;
        }
        return sum;
    }
    void walk_tree(uint32_t dir, uint32_t parent, const std::string& path)
    {
        if (!m_reached.insert(dir).second)
            return fail("directory " + path + " reached twice");
        const DiskInode& dp = inode(dir);
        if (dp.size % sizeof(DiskDirent))
            fail(path + "/: size not a multiple of an entry");
        std::set<std::string> names;
        for (uint64_t off = 0; off + sizeof(DiskDirent) <= dp.size; off += sizeof(DiskDirent)) {
            uint32_t b = file_block(dp, off / FS_BLOCK_SIZE);
            DiskDirent e{};
            if (b)
                memcpy(&e, block(b) + off % FS_BLOCK_SIZE, sizeof(e));
            uint64_t index = off / sizeof(DiskDirent);
            if (index < 2) {
                const char* want = index == 0 ? "." : "..";
                if (strcmp(e.name, want) != 0 || e.ino != (index == 0 ? dir : parent))
                    fail(path + "/: entry " + std::to_string(index) + " is not " + want);
                if (index == 1 && dir != FS_ROOT_INODE)
                    m_links[parent]++;
                continue;
            }
            if (!e.ino)
                continue;
            std::string name(e.name, strnlen(e.name, sizeof(e.name)));
            if (name.empty() || name.size() > FS_NAME_MAX || name == "." || name == ".." || !names.insert(name).second)
                fail(path + "/: bad or duplicate name '" + name + "'");
            if (e.ino >= m_sb.inode_count || !inode(e.ino).type) {
                fail(path + "/" + name + ": entry for a free inode " + std::to_string(e.ino));
                continue;
            }
            m_links[e.ino]++;
            const DiskInode& ip = inode(e.ino);
            std::string child = path + "/" + name;
            if (ip.type == T_DIR) {
                m_lines[child] = child + " dir";
                walk_tree(e.ino, dir, child);
            } else {
                m_reached.insert(e.ino);
                m_lines[child] = child + " " + std::to_string(ip.type) + " " + std::to_string(ip.size) + " " +
                                 std::to_string(checksum(ip));
            }
        }
    }

    const std::vector<uint8_t>& m_img;
    DiskSuperblock m_sb{};
    std::vector<uint32_t> m_owner;
    std::vector<uint32_t> m_links;
    std::set<uint32_t> m_reached;
    std::map<std::string, std::string> m_lines;
    ImageCheck m_result;
};

} // namespace

ImageCheck check_image(const std::vector<uint8_t>& image)
{
    if (image.size() < size_t(FS_SUPERBLOCK + 1) * FS_BLOCK_SIZE)
        return ImageCheck{{"image smaller than two blocks"}, ""};
    return Checker(image).run();
}
