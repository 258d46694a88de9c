/*
 * SBI calls (RISC-V SBI specification v1.0): the extension id goes in a7,
 * the function id in a6, arguments in a0-a5; the firmware returns an error
 * in a0 and a value in a1. The legacy console calls return only a0.
 */
#include "sbi.h"
#include "../kernel/console/printk.h"

namespace {

constexpr long EID_LEGACY_PUTCHAR = 0x01;
constexpr long EID_LEGACY_GETCHAR = 0x02;
constexpr long EID_BASE = 0x10;
constexpr long EID_TIME = 0x54494D45;
constexpr long EID_IPI = 0x735049;
constexpr long EID_RFENCE = 0x52464E43;
constexpr long EID_HSM = 0x48534D;
constexpr long EID_SRST = 0x53525354;

SbiResult sbi_call(long eid, long fid, u64 a0 = 0, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0)
{
    register u64 r0 asm("a0") = a0;
    register u64 r1 asm("a1") = a1;
    register u64 r2 asm("a2") = a2;
    register u64 r3 asm("a3") = a3;
    register long r6 asm("a6") = fid;
    register long r7 asm("a7") = eid;
    asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
    return SbiResult{long(r0), long(r1)};
}

} // namespace

void sbi_console_putchar(char c) { sbi_call(EID_LEGACY_PUTCHAR, 0, u8(c)); }

int sbi_console_getchar() { return int(sbi_call(EID_LEGACY_GETCHAR, 0).error); }

bool sbi_probe_extension(long eid) { return sbi_call(EID_BASE, 3, u64(eid)).value != 0; }

void sbi_check_firmware()
{
    // A board's firmware may be older than QEMU's OpenSBI 1.1. Without
    // these the kernel still boots, but hangs or runs on one hart in ways
    // that are hard to trace back to the firmware, so say it up front.
    struct Need {
        long eid;
        const char* name;
        const char* use;
    };
    static const Need needs[] = {
        {EID_TIME, "TIME", "the timer on harts without Sstc"},
        {EID_IPI, "IPI", "waking other harts"},
        {EID_RFENCE, "RFENCE", "TLB flushes on other harts"},
        {EID_HSM, "HSM", "starting other harts"},
        {EID_SRST, "SRST", "power-off"},
    };
    for (const Need& need : needs)
        if (!sbi_probe_extension(need.eid))
            kprintf("sbi: the firmware lacks the %s extension (needed for %s); see docs/porting.md\n", need.name,
                    need.use);
}

long sbi_set_timer(u64 deadline) { return sbi_call(EID_TIME, 0, deadline).error; }

long sbi_send_ipi(u64 hart_mask, u64 hart_mask_base) { return sbi_call(EID_IPI, 0, hart_mask, hart_mask_base).error; }

long sbi_remote_sfence_vma(u64 hart_mask, u64 hart_mask_base, u64 start, u64 size)
{
    return sbi_call(EID_RFENCE, 1, hart_mask, hart_mask_base, start, size).error;
}

long sbi_hart_start(u64 hart_id, u64 start_paddr, u64 opaque)
{
    return sbi_call(EID_HSM, 0, hart_id, start_paddr, opaque).error;
}

long sbi_hart_status(u64 hart_id)
{
    SbiResult r = sbi_call(EID_HSM, 2, hart_id);
    return r.error ? r.error : r.value;
}

long sbi_system_reset(u32 type, u32 reason) { return sbi_call(EID_SRST, 0, type, reason).error; }
