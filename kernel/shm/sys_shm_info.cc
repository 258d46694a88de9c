/*
 * Introspection: shm_list (every live region, for `shm ls`) and shm_maps
 * (one process's mappings, for `shm maps PID`, like /proc/PID/maps).
 * Records are gathered in kernel memory under the locks, then copied out
 * with no lock held.
 */
#include "../lib/kstring.h"
#include "../fs/inode.h"
#include "../mm/address_space.h"
#include "../mm/file_store.h"
#include "../mm/kmalloc.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"

namespace {
constexpr int MAX_RECORDS = 4096; // per call; callers page through with an offset

u32 map_kind(RegionKind kind)
{
    switch (kind) {
    case RegionKind::Program: return MAP_KIND_PROGRAM;
    case RegionKind::Heap: return MAP_KIND_HEAP;
    case RegionKind::Stack: return MAP_KIND_STACK;
    case RegionKind::Anonymous: return MAP_KIND_ANONYMOUS;
    case RegionKind::SharedView: return MAP_KIND_SHARED_VIEW;
    case RegionKind::FileView: return MAP_KIND_FILE;
    }
    return 0;
}

void count_mapping(const PageMapping&, void* context) { ++*static_cast<u32*>(context); }
} // namespace

// shm_list(struct shm_info* out, int max, int skip): fills up to max records,
// skipping the first `skip` regions; returns the count.
Result<long> sys_shm_list(const SyscallArgs& args)
{
    int max = args.as_int(1), skip = args.as_int(2);
    if (max < 0 || skip < 0)
        return Error(ERR_INVAL);
    max = min(max, MAX_RECORDS);
    KernelArray<struct shm_info> records{size_t(max)};
    if (!records.ok())
        return Error(ERR_NOMEM);
    int count = 0, seen = 0;
    {
        struct Walk {
            struct shm_info* records;
            int max, skip, *count, *seen;
        } walk{records.data(), max, skip, &count, &seen};
        shm_for_each(
            [](SharedRegion* r, void* ctx) {
                auto* w = static_cast<Walk*>(ctx);
                if ((*w->seen)++ < w->skip)
                    return true;
                if (*w->count == w->max)
                    return false;
                struct shm_info& info = w->records[(*w->count)++];
                memcpy(info.name, r->entry.name, r->entry.length + 1);
                info.resident_pages = r->store->resident_pages();
                {
                    SpinlockGuard state(r->state_lock);
                    info.size = r->size;
                    info.handles = r->handles;
                    info.views = r->views;
                }
                info.flags = (r->persistent ? SHM_INFO_PERSIST : 0) |
                             (r->readonly_ceiling ? SHM_INFO_READONLY_CEILING : 0) |
                             (r->lock_owner_pid ? SHM_INFO_LOCKED : 0) | (r->linked ? 0 : SHM_INFO_UNLINKED) |
                             (r->file ? SHM_INFO_FILE : 0);
                info.creator = r->creator_pid;
                info.lock_owner = r->lock_owner_pid;
                return true;
            },
            &walk);
    }
    TRY(copy_to_user(args[0], records.data(), records.bytes(size_t(count))));
    return count;
}

// shm_maps(int pid, struct map_info* out, int max): the mappings of process
// pid (0: the caller); returns the count.
Result<long> sys_shm_maps(const SyscallArgs& args)
{
    int pid = args.as_int(0), max = args.as_int(2);
    if (max < 0)
        return Error(ERR_INVAL);
    max = min(max, MAX_RECORDS);
    SpacePin as(TRY(pin_address_space(pid))); // valid even if the process exits meanwhile
    if (!as)
        return 0;
    KernelArray<struct map_info> records{size_t(max)};
    if (!records.ok())
        return Error(ERR_NOMEM);
    int count = 0;
    {
        SleepLockGuard guard(as->lock());
        for (MemRegion* r = as->first_region(); r && count < max; r = as->next_region(r)) {
            struct map_info& info = records[count++];
            info.start = r->start;
            info.end = r->end;
            info.prot = r->prot;
            info.kind = map_kind(r->kind);
            info.shared = r->shared;
            info.offset = r->store ? r->store_offset : r->file_offset;
            u32 resident = 0;
            as->page_table().for_each_mapping(r->start, r->end, count_mapping, &resident);
            info.resident_pages = resident;
            if (r->kind == RegionKind::SharedView) {
                // The view's reference keeps the region; its name and file never change.
                SharedRegion* region = static_cast<RegionStore*>(r->store)->region;
                if (region)
                    memcpy(info.name, region->entry.name, region->entry.length + 1);
                if (region && region->file)
                    info.ino = region->file->inum;
            }
            if (r->kind == RegionKind::FileView)
                info.ino = static_cast<FileStore*>(r->store)->inode()->inum;
            if (r->store && r->store->tracks_writes()) {
                u64 first = r->store_offset / PAGE_SIZE;
                info.dirty_pages = u32(r->store->dirty_pages(first, first + r->length() / PAGE_SIZE));
            }
        }
    }
    TRY(copy_to_user(args[1], records.data(), records.bytes(size_t(count))));
    return count;
}
