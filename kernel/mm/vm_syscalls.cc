/*
 * The memory system calls: sbrk, mmap, munmap, mprotect, msync.
 *
 * Every argument is checked before anything changes: lengths are rounded
 * up to pages and must not wrap, addresses must be page aligned where
 * POSIX says so, and MAP_FIXED never replaces an existing mapping
 * (ERR_NOMEM instead), so a mistake cannot silently destroy memory.
 */
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "address_space.h"
#include "mem_store.h"
#include "mmap_sources.h"
#include "page_alloc.h"

namespace {
constexpr u32 ALL_PROT = PROT_READ | PROT_WRITE | PROT_EXEC;

AddressSpace* current_space() { return current_proc()->address_space; }

// Checks and page-rounds (addr, length) for munmap/mprotect/msync.
Result<u64> checked_range(u64 addr, u64 length)
{
    u64 end;
    if (length == 0 || !is_aligned(addr, PAGE_SIZE) || add_overflows(addr, length, &end) ||
        page_round_up(end) > USER_VA_END || page_round_up(end) < end)
        return Error(ERR_INVAL);
    return page_round_up(end) - addr;
}
} // namespace

Result<long> sys_sbrk(const SyscallArgs& args)
{
    AddressSpace* as = current_space();
    SleepLockGuard guard(as->lock());
    return long(TRY(as->change_break(i64(args[0]))));
}

Result<long> sys_mmap(const SyscallArgs& args)
{
    u64 addr = args[0], length = args[1];
    u32 prot = u32(args[2]), flags = u32(args[3]);
    int fd = args.as_int(4);
    u64 offset = args[5];
    u32 sharing = flags & (MAP_SHARED | MAP_PRIVATE);
    if (length == 0 || length > USER_VA_END || (prot & ~ALL_PROT) ||
        (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) ||
        (sharing != MAP_SHARED && sharing != MAP_PRIVATE) || !is_aligned(offset, PAGE_SIZE))
        return Error(ERR_INVAL);
    length = page_round_up(length);
    bool fixed = flags & MAP_FIXED;
    if (fixed && !is_aligned(addr, PAGE_SIZE))
        return Error(ERR_INVAL);

    MemRegion shape;
    shape.prot = prot;
    shape.shared = sharing == MAP_SHARED;
    MappingFinisher finish = nullptr;
    if (flags & MAP_ANONYMOUS) {
        if (offset != 0)
            return Error(ERR_INVAL);
        shape.kind = RegionKind::Anonymous;
        if (shape.shared) {
            // Shared anonymous memory is an unnamed store that fork shares.
            // Its index grows with its length: one bigger than the machine's
            // memory could never be backed anyway (as sbrk, docs/kernel.md).
            if (length > total_page_count() * PAGE_SIZE)
                return Error(ERR_NOMEM);
            shape.store = TRY(create_anonymous_store(length / PAGE_SIZE));
        }
    } else {
        // A view of an open file or shared region: its handle decides what
        // the view may be.
        TRY(prepare_fd_mapping(fd, offset, length, prot, &shape, &finish));
    }
    AddressSpace* as = current_space();
    Result<MemRegion*> region = Error(ERR_NOMEM);
    {
        SleepLockGuard guard(as->lock());
        region = as->add_region(addr, length, fixed, shape);
    }
    if (finish)
        finish(&shape);
    if (region.is_error()) {
        if (shape.store)
            shape.store->unref();
        return region.error();
    }
    return long(region.value()->start);
}

Result<long> sys_munmap(const SyscallArgs& args)
{
    u64 length = TRY(checked_range(args[0], args[1]));
    AddressSpace* as = current_space();
    SleepLockGuard guard(as->lock());
    TRY(as->remove_range(args[0], length));
    return 0;
}

Result<long> sys_mprotect(const SyscallArgs& args)
{
    u64 length = TRY(checked_range(args[0], args[1]));
    u32 prot = u32(args[2]);
    if (prot & ~ALL_PROT)
        return Error(ERR_INVAL);
    AddressSpace* as = current_space();
    SleepLockGuard guard(as->lock());
    TRY(as->protect_range(args[0], length, prot));
    return 0;
}

// LAB(mmap) begin: msync_refuses
Result<long> sys_msync(const SyscallArgs& args)
{
    u64 length = TRY(checked_range(args[0], args[1]));
    if (u32(args[2]) & ~u32(MS_SYNC))
        return Error(ERR_INVAL);
    AddressSpace* as = current_space();
    SleepLockGuard guard(as->lock());
    if (!as->find_region(args[0]) || !as->find_region(args[0] + length - 1))
        return Error(ERR_NOMEM);
    TRY(sync_mapped_range(as, args[0], length));
    return 0;
}
// LAB(mmap) end
