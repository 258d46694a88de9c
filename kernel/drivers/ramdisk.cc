/*
 * The RAM disk: a block device over the initrd the boot loader left in
 * memory (QEMU -initrd fs.img, U-Boot's ramdisk), found through the device
 * tree's linux,initrd-start/end. The page allocator never hands those
 * pages out, and the direct map covers them.
 *
 * Reads and writes are memcpy. No lock is needed: each call touches one
 * block, and the buffer cache never lets two callers work on the same block
 * at once. Changes live only as long as the machine runs.
 */
#include "../boot/boot.h"
#include "../fs/block_device.h"
#include "../fs/fs.h"
#include "../lib/kstring.h"
#include "../mm/phys.h"
#include "../console/printk.h"

namespace {

class RamDisk final : public BlockDevice {
public:
    void init(u8* base, u64 blocks)
    {
        m_base = base;
        m_blocks = blocks;
    }

    Result<void> read_block(u64 block, void* buffer) override
    {
        if (block >= m_blocks)
            return Error(ERR_INVAL);
        memcpy(buffer, m_base + block * BLOCK_SIZE, BLOCK_SIZE);
        return {};
    }
    Result<void> write_block(u64 block, const void* buffer) override
    {
        if (block >= m_blocks)
            return Error(ERR_INVAL);
        memcpy(m_base + block * BLOCK_SIZE, buffer, BLOCK_SIZE);
        return {};
    }
    u64 block_count() const override { return m_blocks; }
    const char* name() const override { return "ramdisk"; }

private:
    u8* m_base = nullptr;
    u64 m_blocks = 0;
};

RamDisk g_ramdisk;

} // namespace

BlockDevice* ramdisk_probe()
{
    if (!g_board.initrd_start || g_board.initrd_end <= g_board.initrd_start)
        return nullptr;
    u64 blocks = (g_board.initrd_end - g_board.initrd_start) / BLOCK_SIZE;
    if (blocks == 0)
        return nullptr;
    g_ramdisk.init(static_cast<u8*>(phys_to_virt(g_board.initrd_start)), blocks);
    kprintf("ramdisk: %lu blocks (%lu KiB) at %p\n", blocks, blocks * BLOCK_SIZE >> 10,
            reinterpret_cast<void*>(g_board.initrd_start));
    return &g_ramdisk;
}
