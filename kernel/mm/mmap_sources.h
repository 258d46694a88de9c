/*
 * What mmap can map besides anonymous private memory: shared anonymous
 * memory (an unnamed store), and views of descriptors (named shared
 * regions, regular files through their page cache). Each returns the
 * region shape to map.
 */
#pragma once

#include "../lib/result.h"

class MemStore;
struct MemRegion;
struct AddressSpace;

// An unnamed store of `pages` zero-filled pages (MAP_SHARED|MAP_ANONYMOUS).
Result<MemStore*> create_anonymous_store(u64 pages);
// Fills *shape (store, offset, prot limits) for a view of descriptor fd;
// ERR_BADF, ERR_ACCESS, ERR_INVAL, ERR_ISDIR (docs/mmap.md).
Result<void> prepare_fd_mapping(int fd, u64 offset, u64 length, u32 prot, MemRegion* shape);
// Called once the view prepare_fd_mapping described was added, or not.
void finish_fd_mapping(MemRegion* shape);
// Writes back the dirty pages of shared file views in the range (msync).
// Caller holds the space's lock.
Result<void> sync_mapped_range(AddressSpace* as, u64 start, u64 length);
