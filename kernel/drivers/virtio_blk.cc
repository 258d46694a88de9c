/*
 * virtio-blk over virtio-mmio: the disk of QEMU's virt board.
 *
 * Both MMIO register layouts are supported (virtio.h): modern (version 2)
 * and legacy (version 1). The queue lives in two zeroed pages from the page
 * allocator, laid out so that it suits both: descriptors and the available
 * ring in the first page, the used ring at the start of the second (the
 * legacy QueueAlign of 4096), and the request headers and status bytes in
 * the first page after the available ring.
 *
 * Concurrency: up to MAX_REQUESTS requests are in flight at once, one per
 * request slot; slot i always uses descriptors 3i (header), 3i+1 (data)
 * and 3i+2 (status), so only slots are allocated. A caller takes a free
 * slot (or sleeps until one frees), fills and publishes its chain, then
 * sleeps on the slot's wait queue until the interrupt handler sees the
 * chain in the used ring. Before processes exist (no current process)
 * the caller polls the used ring instead of sleeping.
 *
 * Locks: m_lock guards the slots, the available ring and m_last_used; it is
 * taken by callers and by the interrupt handler, and waiters sleep with it,
 * so it ranks below Proc (waking takes Proc::lock). No other lock is held
 * while it is taken: the file system calls read_block/write_block holding
 * only sleep locks.
 */
#include "../boot/boot.h"
#include "../fs/block_device.h"
#include "../fs/fs.h"
#include "../lib/format.h"
#include "../lib/kstring.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "../sync/wait_queue.h"
#include "../trap/interrupts.h"
#include "virtio.h"

namespace {

using namespace virtio;

// lock_order.h has no rank for sleeping device queues yet; this one sits
// below Proc with the file-system locks, none of which is ever held across
// a disk request, so the two never nest.
constexpr LockRank DISK_LOCK_RANK = LockRank::Disk;

constexpr u32 MAX_QUEUE = 32;
constexpr u32 MAX_REQUESTS = MAX_QUEUE / 3;
constexpr u64 HEADERS_OFFSET = 1024;  // in the first queue page
constexpr u64 STATUS_OFFSET = 1536;
constexpr u64 SECTORS_PER_BLOCK = BLOCK_SIZE / BLK_SECTOR_SIZE;

struct RequestSlot {
    bool busy = false;
    bool done = false;
    WaitQueue completion;
};

// The physical address of kernel memory, whether it is in the direct map
// (page allocator, stacks) or in the kernel image (static buffers).
paddr_t dma_address(const void* p)
{
    if (uptr(p) >= KERNEL_VBASE)
        return arch::kernel_phys(p);
    return virt_to_phys(p);
}

class VirtioBlock final : public BlockDevice {
public:
    // Sets the device up if `info` is a virtio-mmio block device.
    bool init(const VirtioMmioInfo& info, int index);

    Result<void> read_block(u64 block, void* buffer) override
    {
        return transfer(BLK_T_IN, block, buffer);
    }
    Result<void> write_block(u64 block, const void* buffer) override
    {
        if (m_read_only)
            return Error(ERR_ACCESS);
        return transfer(BLK_T_OUT, block, const_cast<void*>(buffer));
    }
    u64 block_count() const override { return m_blocks; }
    const char* name() const override { return m_name; }
    u32 version() const { return m_version; }

    static void interrupt(void* self) { static_cast<VirtioBlock*>(self)->handle_interrupt(); }

private:
    volatile u32& reg(u32 offset) { return *reinterpret_cast<volatile u32*>(m_base + offset); }
    u32 read_reg(u32 offset) { return reg(offset); }
    void write_reg(u32 offset, u32 value) { reg(offset) = value; }
    bool setup_queue();
    u64 read_capacity();
    Result<void> transfer(u32 type, u64 block, void* buffer);
    void reap_used(); // caller holds m_lock
    void handle_interrupt();

    Spinlock m_lock{"virtio_blk", DISK_LOCK_RANK};
    WaitQueue m_slot_waiters;
    RequestSlot m_slots[MAX_REQUESTS];
    u32 m_slot_count = 0;

    u8* m_base = nullptr;
    u32 m_version = 0;
    u32 m_irq = 0;
    bool m_read_only = false;
    u64 m_blocks = 0;
    char m_name[16] = {};

    u32 m_queue_size = 0;
    Desc* m_desc = nullptr;
    Avail* m_avail = nullptr;
    volatile Used* m_used = nullptr;
    BlkRequestHeader* m_headers = nullptr;
    volatile u8* m_status = nullptr;
    u16 m_last_used = 0;
};

bool VirtioBlock::init(const VirtioMmioInfo& info, int index)
{
    m_base = static_cast<u8*>(phys_to_virt(info.base));
    m_irq = info.irq;
    if (read_reg(MAGIC_VALUE) != MAGIC || read_reg(DEVICE_ID) != DEVICE_BLOCK)
        return false;
    m_version = read_reg(VERSION);
    if (m_version != 1 && m_version != 2)
        return false;

    write_reg(STATUS, 0); // reset
    u32 status = STATUS_ACKNOWLEDGE | STATUS_DRIVER;
    write_reg(STATUS, status);

    write_reg(DEVICE_FEATURES_SEL, 0);
    u32 features_low = read_reg(DEVICE_FEATURES);
    m_read_only = features_low & (1u << BLK_F_RO);
    // We use no optional feature; a modern device also needs VERSION_1.
    write_reg(DRIVER_FEATURES_SEL, 0);
    write_reg(DRIVER_FEATURES, 0);
    write_reg(DRIVER_FEATURES_SEL, 1);
    write_reg(DRIVER_FEATURES, m_version == 2 ? 1u << (F_VERSION_1 - 32) : 0);
    if (m_version == 2) {
        status |= STATUS_FEATURES_OK;
        write_reg(STATUS, status);
        if (!(read_reg(STATUS) & STATUS_FEATURES_OK)) {
            write_reg(STATUS, STATUS_FAILED);
            return false;
        }
    } else {
        write_reg(GUEST_PAGE_SIZE, PAGE_SIZE);
    }
    if (!setup_queue()) {
        write_reg(STATUS, STATUS_FAILED);
        return false;
    }
    m_blocks = read_capacity() / SECTORS_PER_BLOCK;
    m_slot_count = m_queue_size / 3;
    snprintf_k(m_name, sizeof m_name, "virtio-blk%d", index);
    status |= STATUS_DRIVER_OK;
    write_reg(STATUS, status);
    irq_register(m_irq, interrupt, this);
    return true;
}

bool VirtioBlock::setup_queue()
{
    write_reg(QUEUE_SEL, 0);
    if (m_version == 2 ? read_reg(QUEUE_READY) != 0 : read_reg(QUEUE_PFN) != 0)
        return false; // already in use
    u32 max = read_reg(QUEUE_NUM_MAX);
    if (max < 3)
        return false;
    m_queue_size = MAX_QUEUE;
    while (m_queue_size > max)
        m_queue_size /= 2;

    paddr_t pa = alloc_pages(1, PageUse::Kernel);
    if (!pa)
        return false;
    u8* queue = static_cast<u8*>(phys_to_virt(pa));
    memset(queue, 0, 2 * PAGE_SIZE);
    m_desc = reinterpret_cast<Desc*>(queue);
    m_avail = reinterpret_cast<Avail*>(queue + m_queue_size * sizeof(Desc));
    m_used = reinterpret_cast<Used*>(queue + PAGE_SIZE);
    m_headers = reinterpret_cast<BlkRequestHeader*>(queue + HEADERS_OFFSET);
    m_status = queue + STATUS_OFFSET;

    write_reg(QUEUE_NUM, m_queue_size);
    if (m_version == 2) {
        paddr_t avail = virt_to_phys(m_avail);
        paddr_t used = virt_to_phys(const_cast<Used*>(m_used));
        write_reg(QUEUE_DESC_LOW, u32(pa));
        write_reg(QUEUE_DESC_HIGH, u32(pa >> 32));
        write_reg(QUEUE_DRIVER_LOW, u32(avail));
        write_reg(QUEUE_DRIVER_HIGH, u32(avail >> 32));
        write_reg(QUEUE_DEVICE_LOW, u32(used));
        write_reg(QUEUE_DEVICE_HIGH, u32(used >> 32));
        write_reg(QUEUE_READY, 1);
    } else {
        write_reg(QUEUE_ALIGN, PAGE_SIZE);
        write_reg(QUEUE_PFN, u32(pa >> PAGE_SHIFT));
    }
    return true;
}

u64 VirtioBlock::read_capacity()
{
    // A modern device may change its configuration between the two
    // halves; the generation counter tells (legacy devices have none).
    for (;;) {
        u32 generation = m_version == 2 ? read_reg(CONFIG_GENERATION) : 0;
        u64 low = read_reg(CONFIG + BLK_CONFIG_CAPACITY);
        u64 high = read_reg(CONFIG + BLK_CONFIG_CAPACITY + 4);
        if (m_version != 2 || read_reg(CONFIG_GENERATION) == generation)
            return low | (high << 32);
    }
}

Result<void> VirtioBlock::transfer(u32 type, u64 block, void* buffer)
{
    if (block >= m_blocks)
        return Error(ERR_INVAL);
    SpinlockGuard guard(m_lock);
    u32 slot;
    for (;;) {
        for (slot = 0; slot < m_slot_count && m_slots[slot].busy; slot++) {
        }
        if (slot < m_slot_count)
            break;
        (void)m_slot_waiters.wait(m_lock);
    }
    RequestSlot& request = m_slots[slot];
    request.busy = true;
    request.done = false;

    u16 head = u16(slot * 3);
    m_headers[slot] = BlkRequestHeader{type, 0, block * SECTORS_PER_BLOCK};
    m_status[slot] = 0xFF;
    m_desc[head] = Desc{virt_to_phys(&m_headers[slot]), sizeof(BlkRequestHeader), DESC_NEXT, u16(head + 1)};
    u16 data_flags = DESC_NEXT | (type == BLK_T_IN ? DESC_WRITE : 0);
    m_desc[head + 1] = Desc{dma_address(buffer), u32(BLOCK_SIZE), data_flags, u16(head + 2)};
    m_desc[head + 2] = Desc{virt_to_phys(const_cast<u8*>(&m_status[slot])), 1, DESC_WRITE, 0};

    volatile u16* avail_idx = &m_avail->idx;
    m_avail->ring[*avail_idx % m_queue_size] = head;
    arch::fence(); // the chain and ring entry before the index
    *avail_idx = u16(*avail_idx + 1);
    arch::fence(); // the index before the notification
    write_reg(QUEUE_NOTIFY, 0);

    bool can_sleep = current_proc() != nullptr;
    while (!request.done) {
        if (can_sleep) {
            (void)request.completion.wait(m_lock);
        } else {
            reap_used();
            if (!request.done) {
                m_lock.unlock();
                arch::cpu_relax();
                m_lock.lock();
            }
        }
    }
    u8 status = m_status[slot];
    request.busy = false;
    m_slot_waiters.wake_one();
    if (status != BLK_S_OK) {
        kprintf("%s: %s of block %lu failed (status %u)\n", m_name, type == BLK_T_IN ? "read" : "write", block,
                status);
        return Error(ERR_INVAL);
    }
    return {};
}

void VirtioBlock::reap_used()
{
    arch::fence(); // see the device's ring writes
    while (m_last_used != m_used->idx) {
        u32 head = m_used->ring[m_last_used % m_queue_size].id;
        m_last_used++;
        u32 slot = head / 3;
        if (slot < m_slot_count && m_slots[slot].busy) {
            m_slots[slot].done = true;
            m_slots[slot].completion.wake_all();
        }
    }
}

void VirtioBlock::handle_interrupt()
{
    SpinlockGuard guard(m_lock);
    u32 pending = read_reg(INTERRUPT_STATUS);
    write_reg(INTERRUPT_ACK, pending & (INTERRUPT_USED_BUFFER | INTERRUPT_CONFIG_CHANGE));
    reap_used();
}

VirtioBlock g_disk;

} // namespace

BlockDevice* virtio_blk_probe()
{
    for (int i = 0; i < g_board.virtio_count; i++) {
        if (g_disk.init(g_board.virtio[i], 0)) {
            kprintf("%s: %lu blocks (%lu MiB) at %p irq %u, %s virtio-mmio\n", g_disk.name(),
                    g_disk.block_count(), g_disk.block_count() * BLOCK_SIZE >> 20,
                    reinterpret_cast<void*>(g_board.virtio[i].base), g_board.virtio[i].irq,
                    g_disk.version() == 2 ? "modern" : "legacy");
            return &g_disk;
        }
    }
    return nullptr;
}
