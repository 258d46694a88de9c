/*
 * vm_pagetable: a process's page table, entry by entry, for the `vm` tool
 * (the xv6 page-table lab's vmprint, as a system call) and for teaching:
 * a student watches demand paging, copy-on-write after fork and shared
 * views appear in the real table. Records are struct pt_range
 * (kernel/uapi/pagetable.h).
 *
 * The walk runs under the address space's sleep lock, so the table cannot
 * change under it (every edit takes that lock); records are gathered in
 * kernel memory and copied out after the lock is dropped, because the copy
 * may fault and a fault takes the same lock.
 */
#include "../mm/kmalloc.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "../uapi/pagetable.h"
#include "address_space.h"
#include "page_alloc.h"

namespace {
constexpr int MAX_RECORDS = 512; // per call; callers page through with `skip`
constexpr u32 ALL_HALVES = PT_USER_HALF | PT_KERNEL_HALF;

struct Walk {
    struct pt_range* records;
    int max;
    int skip;
    int count = 0;       // records stored
    int produced = 0;    // records finished, stored or skipped
    bool open = false;   // `pending` is a leaf range that may still grow
    struct pt_range pending{};
};

// Hands the pending record to the output (or skips it).
void flush(Walk& w)
{
    if (!w.open)
        return;
    w.open = false;
    if (w.produced++ >= w.skip && w.count < w.max)
        w.records[w.count++] = w.pending;
}

// User pages are counted references; the kernel half maps RAM and device
// registers wholesale, where a count means nothing.
u32 page_refs(const PageTableEntryInfo& e)
{
    if (!e.leaf || e.va >= USER_VA_END || !(e.perms & PERM_USER))
        return 0;
    return page_refcount(e.pa);
}

void visit(const PageTableEntryInfo& e, void* context)
{
    Walk& w = *static_cast<Walk*>(context);
    vaddr_t va = e.va;
    int level = e.level;
    u64 span = e.span;
    paddr_t pa = e.pa;
    u32 flags = e.hw_flags;
    bool leaf = e.leaf;
    u32 refs = page_refs(e);
    struct pt_range& p = w.pending;
    if (leaf && w.open && p.kind == PT_RANGE_LEAF && p.level == level && p.va_end == va &&
        p.pa + (p.va_end - p.va_start) == pa && p.pte_flags == flags && p.refs == refs) {
        p.va_end += span;
        p.pages++;
        return;
    }
    flush(w);
    p = {};
    p.va_start = va;
    p.va_end = va + span;
    p.pa = pa;
    p.pte_flags = flags;
    p.pages = 1;
    p.refs = refs;
    p.index = u16(e.index);
    p.level = u8(level);
    p.kind = leaf ? PT_RANGE_LEAF : PT_RANGE_TABLE;
    w.open = true;
    if (!leaf)
        flush(w); // a table entry never merges with what follows
}
} // namespace

// vm_pagetable(int pid, struct pt_range* out, int max, int skip, int flags):
// the page table of process pid (0: the caller), skipping the first `skip`
// records; fills up to max (at most 512 per call) and returns the count.
// flags: PT_USER_HALF, PT_KERNEL_HALF or both (0 means the user half).
Result<long> sys_vm_pagetable(const SyscallArgs& args)
{
    int pid = args.as_int(0), max = args.as_int(2), skip = args.as_int(3);
    u64 flags = args[4];
    if (pid < 0 || max < 0 || skip < 0 || (flags & ~u64(ALL_HALVES)))
        return Error(ERR_INVAL);
    if (flags == 0)
        flags = PT_USER_HALF;
    max = min(max, MAX_RECORDS);
    SpacePin as(TRY(pin_address_space(pid)));
    if (!as)
        return 0;
    KernelArray<struct pt_range> records{size_t(max)};
    if (!records.ok())
        return Error(ERR_NOMEM);
    Walk walk{records.data(), max, skip};
    {
        SleepLockGuard guard(as->lock());
        if (flags & PT_USER_HALF)
            as->page_table().for_each_entry(PageTable::Half::User, visit, &walk);
        if (flags & PT_KERNEL_HALF)
            as->page_table().for_each_entry(PageTable::Half::Kernel, visit, &walk);
        flush(walk);
    }
    TRY(copy_to_user(args[1], records.data(), records.bytes(size_t(walk.count))));
    return walk.count;
}
