/*
 * The root block device: the disk the root file system lives on, chosen
 * once at boot by probe_block_devices() (kernel/drivers/block_probe.cc)
 * before any process runs, and read-only afterwards, so it needs no lock.
 */
#include "block_device.h"
#include "layout.h"

static_assert(BLOCK_SIZE == FS_BLOCK_SIZE, "the file system's block is the device's block");

namespace {
BlockDevice* g_root_device = nullptr;
} // namespace

BlockDevice* root_block_device() { return g_root_device; }

void set_root_block_device(BlockDevice* device) { g_root_device = device; }
