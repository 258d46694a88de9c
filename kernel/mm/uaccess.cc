/*
 * Checked user-memory access (see uaccess.h). The range check here keeps
 * kernel addresses out; the assembly in riscv/uaccess.S does the copying
 * and turns unresolvable faults into errors.
 */
#include "uaccess.h"
#include "../../riscv/arch.h"
#include "../cpu/cpu.h"
#include "../console/printk.h"
#include "../proc/proc.h"
#include "address_space.h"
#include "../trap/trap.h"

namespace {
bool user_range_ok(u64 address, size_t n)
{
    u64 end;
    return !add_overflows(address, n, &end) && end <= USER_VA_END;
}
} // namespace

Result<void> copy_from_user(void* dst, u64 user_src, size_t n)
{
    if (!user_range_ok(user_src, n))
        return Error(ERR_FAULT);
    if (n && arch_user_copy(dst, reinterpret_cast<const void*>(user_src), n) != 0)
        return Error(ERR_FAULT);
    return {};
}

Result<void> copy_to_user(u64 user_dst, const void* src, size_t n)
{
    if (!user_range_ok(user_dst, n))
        return Error(ERR_FAULT);
    if (n && arch_user_copy(reinterpret_cast<void*>(user_dst), src, n) != 0)
        return Error(ERR_FAULT);
    return {};
}

Result<void> clear_user(u64 user_dst, size_t n)
{
    if (!user_range_ok(user_dst, n))
        return Error(ERR_FAULT);
    if (n && arch_user_clear(reinterpret_cast<void*>(user_dst), n) != 0)
        return Error(ERR_FAULT);
    return {};
}

Result<size_t> copy_string_from_user(char* dst, u64 user_src, size_t max)
{
    if (max == 0)
        return Error(ERR_INVAL);
    // The string may end before the user half does; only its start must be
    // a user address, and the copy stops at the boundary.
    if (user_src >= USER_VA_END)
        return Error(ERR_FAULT);
    size_t limit = min(max, size_t(USER_VA_END - user_src));
    long n = arch_user_strncpy(dst, reinterpret_cast<const char*>(user_src), limit);
    if (n < 0)
        return Error(ERR_FAULT);
    if (size_t(n) >= limit) {
        dst[max - 1] = 0;
        return Error(limit < max ? ERR_FAULT : ERR_NAMETOOLONG);
    }
    return size_t(n);
}

bool handle_kernel_fault_on_user(vaddr_t address, Access access)
{
    Proc* p = current_proc();
    if (!p || !p->address_space)
        return false;
    if (this_cpu()->irq_off_depth != 0)
        panic("user memory touched while holding a spin lock");
    p->page_fault_count.fetch_add(1, MemoryOrder::Relaxed);
    return p->address_space->handle_fault(address, access).ok();
}
