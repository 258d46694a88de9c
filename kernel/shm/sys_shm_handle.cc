/*
 * The handle interface (DESIGN.md 5.2): shm_open and shm_unlink, and the
 * operations of a region's descriptors (g_shm_file_ops): fstat, ftruncate
 * (through the file layer's sys_ftruncate), mmap and the last close.
 *
 * A descriptor's rights come from its open mode and can only shrink: a
 * non-creator opener may not exceed the region's creation-time ceiling,
 * and a view may not exceed its descriptor's rights (the view's max_prot
 * keeps mprotect from upgrading it later).
 */
#include "../console/printk.h"
#include "../fs/file.h"
#include "../mm/address_space.h"
#include "../mm/mmap_sources.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "shared_region.h"
#include "shm_common.h"
#include "shm_open_common.h"

namespace {
// Opens or creates the region; on success *created says which.
Result<RegionRef> open_or_create(StringView name, int oflag, u64 size, u32 ceiling, bool* created)
{
    *created = false;
    ShmRegionMemory memory; // goes back after the guard unless used
    if (oflag & O_CREAT)
        memory.prepare(size);
    RegionRef r; // dropped after the guard unless handed to the caller
    SpinlockGuard guard(shm_table_lock(name));
    r = shm_find_locked(name);
    if (r) {
        if ((oflag & O_CREAT) && (oflag & O_EXCL))
            return Error(ERR_EXIST);
        if ((oflag & O_ACCMODE) == O_RDWR && !shm_may_write(r.get(), current_proc()->pid))
            return Error(ERR_ACCESS);
        return move(r);
    }
    if (!(oflag & O_CREAT))
        return Error(ERR_NOTEXIST);
    ShmCreate how;
    how.size = size;
    how.persistent = oflag & SHM_PERSIST;
    how.readonly_ceiling = ceiling == SHM_CEILING_RDONLY;
    how.memory = &memory;
    r = TRY(shm_create_locked(name, how));
    *created = true;
    return move(r);
}

} // namespace

Result<long> sys_shm_open(const SyscallArgs& args)
{
    ShmOpenArgs open;
    TRY(open.read(args, 1));
    if (open.created_out)
        TRY(put_user(open.created_out, 0));
    return shm_open_handle(open.oflag, open.created_out, [&](bool* created) {
        return open_or_create(open.name.view(), open.oflag, open.size, open.ceiling, created);
    });
}

Result<long> sys_shm_unlink(const SyscallArgs& args)
{
    ShmName name;
    TRY(name.read_from_user(args[0], NameTooLong::IsTooLong));
    SharedRegion* unused = nullptr; // freed after the guard
    {
        SpinlockGuard guard(shm_table_lock(name.view()));
        SharedRegion* r = shm_lookup_locked(name.view());
        if (!r)
            return Error(ERR_NOTEXIST);
        // No reference of our own: the lock keeps r, and dropping the last
        // one here retires it at once instead of taking the lock again.
        if (shm_unlink_locked(r))
            unused = r;
    }
    if (unused)
        shm_free(unused);
    return 0;
}

// ---- the operations of a handle (FileOps, fs/file.h) -----------------------

namespace {
SharedRegion* region_of(File* f) { return static_cast<SharedRegion*>(f->object); }

// True if some view of r covers a page at or above `first_page`. Caller
// holds r->state_lock.
bool view_covers_from(SharedRegion* r, u64 first_page)
{
    kassert(r->state_lock.is_held());
    for (ListNode* n = r->views_list.next; n != &r->views_list; n = n->next) {
        MemRegion* v = container_of(n, MemRegion, store_link);
        if ((v->store_offset + v->length()) / PAGE_SIZE > first_page)
            return true;
    }
    return false;
}

// ftruncate: grows the region (charged to the quota now, so a first touch
// never fails for lack of it) or shrinks it, unless a view covers the cut
// part (ERR_BUSY).
Result<void> resize_region(File* f, u64 size)
{
    SharedRegion* r = region_of(f);
    if (!f->writable)
        return Error(ERR_ACCESS);
    if (size > SHM_MAX_REGION_SIZE)
        return Error(ERR_INVAL);
    if (r->file)
        return shm_file_region_resize(r, size);
    u64 new_size = page_round_up(size);
    SpinlockGuard guard(r->state_lock);
    if (new_size > r->size) {
        TRY(shm_quota_charge(new_size - r->size));
        if (auto resized = r->store->resize(new_size / PAGE_SIZE); resized.is_error()) {
            shm_quota_release(new_size - r->size);
            return resized;
        }
        r->quota_bytes += new_size - r->size;
    } else if (new_size < r->size) {
        if (view_covers_from(r, new_size / PAGE_SIZE) || r->mappings_in_progress > 0)
            return Error(ERR_BUSY);
        TRY(r->store->resize(new_size / PAGE_SIZE));
        shm_quota_release(r->size - new_size);
        r->quota_bytes -= r->size - new_size;
    }
    r->size = new_size;
    return {};
}

void stat_region(File* f, struct stat* st)
{
    SharedRegion* r = region_of(f);
    *st = {};
    st->type = T_SHM;
    st->nlink = 1;
    SpinlockGuard guard(r->state_lock);
    st->size = r->size;
}

// mmap of a handle: a view of the region's store.
Result<void> prepare_mapping(File* f, u64 offset, u64 length, u32 prot, MemRegion* shape)
{
    SharedRegion* r = region_of(f);
    u64 end;
    if (!is_aligned(offset, PAGE_SIZE) || add_overflows(offset, length, &end))
        return Error(ERR_INVAL);
    // A shared view writes the region: only through a writable handle. A
    // private view's writes stay private, as POSIX allows.
    u32 max_prot = TRY(view_rights(f, shape->shared, prot));
    {
        SpinlockGuard guard(r->state_lock);
        if (end > r->size)
            return Error(ERR_INVAL);
        // Until the view exists (finish_mapping), a shrinking ftruncate
        // must not cut what it will cover.
        shm_begin_mapping_locked(r);
    }
    shape->kind = RegionKind::SharedView;
    shape->max_prot = max_prot;
    shape->store = r->store;
    shape->store_offset = offset;
    r->store->ref();
    return {};
}

// After mmap added (or failed to add) the view prepare_mapping prepared.
void finish_mapping(MemRegion* shape) { shm_end_mapping(static_cast<RegionStore*>(shape->store)->region); }

// The handle's last close drops its reference on the region.
void release_handle(File* f) { shm_handle_closed(region_of(f)); }
} // namespace

// A handle is not read or written (ERR_INVAL: map it instead) and has no
// position.
const FileOps g_shm_file_ops = {.stat = stat_region, .truncate = resize_region, .prepare_mapping = prepare_mapping,
                                .finish_mapping = finish_mapping, .release = release_handle};
