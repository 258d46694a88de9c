/*
 * The virtio-mmio transport (Virtio 1.x, section 4.2): register offsets,
 * status and feature bits, and the split virtqueue structures (section
 * 2.7) that drivers share with the device.
 *
 * Two register layouts exist. Version 2 ("modern") gives each virtqueue
 * part its own 64-bit address; version 1 ("legacy", QEMU's default unless
 * virtio-mmio.force-legacy=false) takes one page frame number for a queue
 * laid out contiguously, with the used ring at the next QueueAlign
 * boundary. Registers marked (v1) or (v2) exist only in that version.
 */
#pragma once

#include "../lib/types.h"

namespace virtio {

constexpr u32 MAGIC = 0x74726976; // "virt"

enum Reg : u32 {
    MAGIC_VALUE = 0x000,
    VERSION = 0x004,          // 1 legacy, 2 modern
    DEVICE_ID = 0x008,        // 0 = no device in this slot
    VENDOR_ID = 0x00c,
    DEVICE_FEATURES = 0x010,
    DEVICE_FEATURES_SEL = 0x014,
    DRIVER_FEATURES = 0x020,
    DRIVER_FEATURES_SEL = 0x024,
    GUEST_PAGE_SIZE = 0x028,  // (v1)
    QUEUE_SEL = 0x030,
    QUEUE_NUM_MAX = 0x034,
    QUEUE_NUM = 0x038,
    QUEUE_ALIGN = 0x03c,      // (v1)
    QUEUE_PFN = 0x040,        // (v1) page frame of the whole queue; 0 = none
    QUEUE_READY = 0x044,      // (v2)
    QUEUE_NOTIFY = 0x050,
    INTERRUPT_STATUS = 0x060,
    INTERRUPT_ACK = 0x064,
    STATUS = 0x070,
    QUEUE_DESC_LOW = 0x080,   // (v2)
    QUEUE_DESC_HIGH = 0x084,
    QUEUE_DRIVER_LOW = 0x090, // (v2) the available ring
    QUEUE_DRIVER_HIGH = 0x094,
    QUEUE_DEVICE_LOW = 0x0a0, // (v2) the used ring
    QUEUE_DEVICE_HIGH = 0x0a4,
    CONFIG_GENERATION = 0x0fc,// (v2)
    CONFIG = 0x100,           // device-specific configuration
};

// Device status bits (section 2.1).
enum Status : u32 {
    STATUS_ACKNOWLEDGE = 1,
    STATUS_DRIVER = 2,
    STATUS_DRIVER_OK = 4,
    STATUS_FEATURES_OK = 8,
    STATUS_NEEDS_RESET = 64,
    STATUS_FAILED = 128,
};

// Feature bits (section 6).
constexpr u32 F_VERSION_1 = 32;  // modern device; the driver must accept it
constexpr u32 INTERRUPT_USED_BUFFER = 1;
constexpr u32 INTERRUPT_CONFIG_CHANGE = 2;

enum DeviceId : u32 { DEVICE_NET = 1, DEVICE_BLOCK = 2, DEVICE_CONSOLE = 3 };

// ---- split virtqueues (section 2.7) ------------------------------------------

enum DescFlags : u16 {
    DESC_NEXT = 1,  // the chain continues at `next`
    DESC_WRITE = 2, // the device writes this buffer (otherwise reads it)
};

struct Desc {
    u64 addr; // physical address
    u32 len;
    u16 flags;
    u16 next;
};
static_assert(sizeof(Desc) == 16);

// The available ring: the driver offers descriptor chains here.
struct Avail {
    u16 flags;
    u16 idx;      // where the driver will put the next entry (free-running)
    u16 ring[];   // queue-size entries, then used_event
};

struct UsedElem {
    u32 id;  // head of the completed chain
    u32 len; // bytes the device wrote
};

// The used ring: the device returns completed chains here.
struct Used {
    u16 flags;
    u16 idx;
    UsedElem ring[];
};

// ---- the block device (section 5.2) ----------------------------------------

constexpr u32 BLK_F_RO = 5;         // read-only device
constexpr u32 BLK_CONFIG_CAPACITY = 0; // u64 in the config space, in 512-byte sectors
constexpr u64 BLK_SECTOR_SIZE = 512;

enum BlkRequestType : u32 { BLK_T_IN = 0, BLK_T_OUT = 1 };
enum BlkStatus : u8 { BLK_S_OK = 0, BLK_S_IOERR = 1, BLK_S_UNSUPP = 2 };

struct BlkRequestHeader {
    u32 type;
    u32 reserved;
    u64 sector;
};
static_assert(sizeof(BlkRequestHeader) == 16);

} // namespace virtio
