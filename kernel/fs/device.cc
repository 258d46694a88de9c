/*
 * The device switch: character devices by major number (T_DEVICE inodes
 * made with mknod name them), and the null device.
 *
 * Registration happens at boot, before any process can open a device, and
 * entries never change afterwards: reads of the table need no lock.
 */
#include "../console/printk.h"
#include "file.h"

namespace {

const DeviceOps* g_devices[NDEV];

Result<size_t> null_read(u64, size_t) { return size_t(0); }
Result<size_t> null_write(u64, size_t n) { return n; }

const DeviceOps g_null_ops = {null_read, null_write};

} // namespace

void register_device(u16 major, const DeviceOps* ops)
{
    if (major == 0 || major >= NDEV)
        panic("register_device: major %u out of range", major);
    g_devices[major] = ops;
}

const DeviceOps* device_ops(u16 major) { return major < NDEV ? g_devices[major] : nullptr; }

void register_null_device() { register_device(DEV_NULL, &g_null_ops); }
