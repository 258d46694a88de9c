/*
 * FsImage: builds a Tandem file system image in memory (host code, used by
 * the mkfs tool and by the host unit tests).
 *
 * Blocks and inodes are handed out in order, so the free map of the result
 * is simply "everything below the next free block is used". Every method
 * returns false and records a message in error() when the request is
 * invalid or the image is full; the image is then not to be used.
 */
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "../kernel/fs/layout.h"

class FsImage {
public:
    // A fresh file system with an empty root directory.
    FsImage(uint32_t block_count, uint32_t inode_count, uint32_t log_blocks);

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }

    // Makes directory `path` (absolute), and any missing parents.
    bool make_dir(const std::string& path);
    // Makes a regular file holding `contents` (parents are created).
    bool add_file(const std::string& path, const std::vector<uint8_t>& contents);
    // Makes a device node.
    bool make_device(const std::string& path, uint16_t major, uint16_t minor);

    // Writes the free map; call once, after the last addition.
    void finish();
    const std::vector<uint8_t>& bytes() const { return m_image; }
    const DiskSuperblock& superblock() const { return m_sb; }
    uint32_t blocks_used() const { return m_next_block; }
    uint32_t inodes_used() const { return m_next_inode - 1; }

private:
    uint8_t* block(uint32_t b) { return &m_image[size_t(b) * FS_BLOCK_SIZE]; }
    DiskInode& inode(uint32_t inum);
    bool fail(const std::string& message);
    uint32_t alloc_block();
    uint32_t alloc_inode(uint16_t type);
    uint32_t map_block(uint32_t inum, uint64_t fbn);
    bool write_data(uint32_t inum, uint64_t offset, const uint8_t* data, size_t n);
    uint32_t lookup(uint32_t dir, const std::string& name);
    bool add_entry(uint32_t dir, const std::string& name, uint32_t inum);
    // The directory holding path's last element (made if missing) and
    // that element.
    uint32_t parent_of(const std::string& path, std::string* last);
    uint32_t new_directory(uint32_t parent, const std::string& name);

    std::vector<uint8_t> m_image;
    DiskSuperblock m_sb{};
    uint32_t m_next_block = 0;
    uint32_t m_next_inode = 1;
    std::string m_error;
};
