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
struct File;

// An unnamed store of `pages` zero-filled pages (MAP_SHARED|MAP_ANONYMOUS).
Result<MemStore*> create_anonymous_store(u64 pages);
// Fills *shape (store, offset, prot limits) for a view of descriptor fd,
// through the descriptor's FileOps (fs/file.h); ERR_BADF, ERR_ACCESS,
// ERR_INVAL (pipes and devices), ERR_ISDIR (docs/mmap.md). *finish, when
// not null, is to be called once the view was added, or not.
using MappingFinisher = void (*)(MemRegion* shape);
Result<void> prepare_fd_mapping(int fd, u64 offset, u64 length, u32 prot, MemRegion* shape,
                                MappingFinisher* finish);
// The rights a view of descriptor f may ever have (its max_prot): read and
// execute, and write unless the view is shared and the descriptor not
// writable. ERR_ACCESS if f is not readable or prot asks for more.
Result<u32> view_rights(const File* f, bool shared, u32 prot);
// A regular file's FileOps::prepare_mapping: a view of its page cache.
Result<void> prepare_file_mapping(File* f, u64 offset, u64 length, u32 prot, MemRegion* shape);
// Writes back the dirty pages of shared file views in the range (msync).
// Caller holds the space's lock.
Result<void> sync_mapped_range(AddressSpace* as, u64 start, u64 length);
