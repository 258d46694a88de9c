/*
 * Choosing the root disk at boot: a virtio block device if the device tree
 * lists one, otherwise the RAM disk of the initrd. Runs once on the boot
 * hart, after the PLIC is set up (virtio registers its interrupt) and
 * before any process exists.
 */
#include "../fs/block_device.h"
#include "../fs/fs.h"
#include "../console/printk.h"

void probe_block_devices()
{
    BlockDevice* device = virtio_blk_probe();
    if (!device)
        device = ramdisk_probe();
    if (!device) {
        kprintf("block: no disk found (no virtio-blk device, no initrd)\n");
        return;
    }
    set_root_block_device(device);
}
