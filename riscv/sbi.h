/*
 * Calls into the Supervisor Binary Interface (OpenSBI). Each returns the SBI
 * error code (0 on success) unless noted.
 */
#pragma once

#include "../kernel/lib/types.h"

struct SbiResult {
    long error;
    long value;
};

void sbi_console_putchar(char c);
int sbi_console_getchar(); // -1 when no input
bool sbi_probe_extension(long eid);
// Prints a warning for each SBI extension the kernel uses that the firmware
// does not implement (nothing if all are there).
void sbi_check_firmware();
long sbi_set_timer(u64 deadline);
long sbi_send_ipi(u64 hart_mask, u64 hart_mask_base);
long sbi_remote_sfence_vma(u64 hart_mask, u64 hart_mask_base, u64 start, u64 size);
long sbi_hart_start(u64 hart_id, u64 start_paddr, u64 opaque);
long sbi_hart_status(u64 hart_id);
// Returns only if the firmware cannot do it.
long sbi_system_reset(u32 type, u32 reason);

constexpr u32 SBI_RESET_SHUTDOWN = 0;
constexpr u32 SBI_RESET_COLD_REBOOT = 1;
constexpr u32 SBI_RESET_REASON_NONE = 0;
constexpr u32 SBI_RESET_REASON_FAILURE = 1;
