/*
 * Mapping descriptors: which kinds of open file mmap accepts, and msync.
 * Named shared regions are mapped by kernel/shm; regular files are not
 * mappable yet.
 */
#include "../fs/file.h"
#include "address_space.h"
#include "mmap_sources.h"
#include "../shm/shared_region.h"

Result<void> prepare_fd_mapping(int fd, u64 offset, u64 length, u32 prot, MemRegion* shape)
{
    File* f = TRY(fd_get(fd));
    switch (f->kind) {
    case FileKind::SharedRegion:
        return shm_prepare_mapping(f, offset, length, prot, shape->shared, shape);
    default:
        return Error(ERR_INVAL); // not a mappable kind of file (regular files: issue 9)
    }
}

void finish_fd_mapping(MemRegion* shape)
{
    if (shape->kind == RegionKind::SharedView)
        shm_finish_mapping(shape);
}

Result<void> sync_mapped_range(AddressSpace*, u64, u64)
{
    // Anonymous and shared-memory views have no backing file to write.
    return {};
}
