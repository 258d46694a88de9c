/*
 * MemDisk: a BlockDevice over a host vector, for the host tests that mount
 * a file system (test_fs.cc, the VM tests). It can "lose power": keep a
 * number of writes and silently drop the rest, which the crash tests use.
 */
#pragma once

#include <string.h>

#include <vector>

#include "kernel/fs/block_device.h"

class MemDisk final : public BlockDevice {
public:
    explicit MemDisk(std::vector<u8> image) : m_bytes(std::move(image)) {}
    Result<void> read_block(u64 block, void* buffer) override
    {
        if (block >= block_count())
            return Error(ERR_INVAL);
        memcpy(buffer, &m_bytes[block * BLOCK_SIZE], BLOCK_SIZE);
        return {};
    }
    Result<void> write_block(u64 block, const void* buffer) override
    {
        if (block >= block_count())
            return Error(ERR_INVAL);
        writes.push_back(u32(block));
        if (m_budget == 0)
            return {}; // power is gone: the write never reaches the platter
        if (m_budget > 0)
            m_budget--;
        memcpy(&m_bytes[block * BLOCK_SIZE], buffer, BLOCK_SIZE);
        return {};
    }
    u64 block_count() const override { return m_bytes.size() / BLOCK_SIZE; }
    const char* name() const override { return "memdisk"; }

    // Keeps the next n writes and drops every later one (n < 0: keep all).
    void power_fails_after(long n) { m_budget = n; }
    const std::vector<u8>& bytes() const { return m_bytes; }
    std::vector<u32> writes; // block numbers, in order

private:
    std::vector<u8> m_bytes;
    long m_budget = -1;
};
