/*
 * Block devices: the file system reads and writes BLOCK_SIZE-byte blocks
 * through this interface, whether they live on a virtio disk or in a RAM
 * disk handed over by the boot loader.
 */
#pragma once

#include "../lib/result.h"

constexpr size_t BLOCK_SIZE = 4096;

class BlockDevice {
public:
    virtual ~BlockDevice() = default;
    // May sleep. Buffers are BLOCK_SIZE bytes of kernel memory.
    virtual Result<void> read_block(u64 block, void* buffer) = 0;
    virtual Result<void> write_block(u64 block, const void* buffer) = 0;
    virtual u64 block_count() const = 0;
    virtual const char* name() const = 0;
};

// The device holding the root file system (set by the first driver that
// finds a disk), or nullptr.
BlockDevice* root_block_device();
void set_root_block_device(BlockDevice* device);
