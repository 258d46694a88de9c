/*
 * Mapping descriptors, and msync.
 *
 * A descriptor's FileOps say whether and how it maps: a named shared
 * region's are kernel/shm's; a regular file's are here: it is mapped
 * through its page cache (file_store.h), shared views see and change the
 * file, private views copy a page on their first write to it.
 *
 * Rights of a view of a descriptor (a file's, or a shared region's
 * handle): any view needs a readable descriptor; a shared view may be
 * writable only through a writable one; a private view may always be
 * written (its writes are its own). max_prot keeps mprotect from going
 * further later. All ERR_ACCESS.
 */
#include "../fs/file.h"
#include "../fs/inode.h"
#include "address_space.h"
#include "file_store.h"
#include "mmap_sources.h"
#include "../proc/proc.h"

Result<u32> view_rights(const File* f, bool shared, u32 prot)
{
    if (!f->readable)
        return Error(ERR_ACCESS);
    u32 max_prot = PROT_READ | PROT_EXEC;
    if (f->writable || !shared)
        max_prot |= PROT_WRITE;
    if (prot & ~max_prot)
        return Error(ERR_ACCESS);
    return max_prot;
}

// LAB(mmap) begin: prepare_file_mapping_refuses
Result<void> prepare_file_mapping(File* f, u64 offset, u64 length, u32 prot, MemRegion* shape)
{
    u32 max_prot = TRY(view_rights(f, shape->shared, prot));
    u64 end;
    if (add_overflows(offset, length, &end) || end > FS_MAX_FILE_SIZE)
        return Error(ERR_INVAL);
    Inode* ip = f->inode;
    inode_lock(ip);
    Result<FileStore*> store = Error(ERR_INVAL);
    if (ip->type == T_DIR)
        store = Error(ERR_ISDIR);
    else if (ip->type == T_FILE && offset <= page_round_up(ip->size))
        store = FileStore::get(ip); // a view may reach past the end; it may not start there
    inode_unlock(ip);
    shape->kind = RegionKind::FileView;
    shape->max_prot = max_prot;
    shape->store = TRY(store);
    shape->store_offset = offset;
    return {};
}
// LAB(mmap) end

Result<void> prepare_fd_mapping(int fd, u64 offset, u64 length, u32 prot, MemRegion* shape,
                                MappingFinisher* finish)
{
    File* f = TRY(fd_get(fd));
    if (!f->ops || !f->ops->prepare_mapping)
        return Error(ERR_INVAL); // pipes and devices are not mappable
    TRY(f->ops->prepare_mapping(f, offset, length, prot, shape));
    *finish = f->ops->finish_mapping;
    return {};
}

Result<void> sync_mapped_range(AddressSpace* as, u64 start, u64 length)
{
    // Anonymous memory and shared-memory regions have nothing to write;
    // shared views of files (directly or through a file-backed region) do.
    u64 end = start + length;
    Result<void> result;
    for (MemRegion* r = as->first_region(); r; r = as->next_region(r)) {
        if (r->end <= start || r->start >= end || !r->tracks_writes())
            continue;
        u64 from = max(start, r->start), to = min(end, r->end);
        u64 first = (r->store_offset + (from - r->start)) / PAGE_SIZE;
        u64 last = (r->store_offset + (to - r->start)) / PAGE_SIZE;
        // A piece at a time, so that a kill ends a long msync between
        // pieces (what is left stays dirty; exit writes it back).
        constexpr u64 PIECE = 512;
        for (u64 at = first; at < last; at += PIECE) {
            if (current_killed())
                return Error(ERR_INTR);
            if (auto synced = r->store->write_back(at, min(last, at + PIECE)); synced.is_error() && result.ok())
                result = synced;
        }
    }
    return result;
}
