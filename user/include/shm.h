/*
 * Named shared memory (see docs/shm.md): the original interface and the
 * handle interface. Every call returns ERR_OK / a descriptor, or a negative
 * ERR_* code.
 */
#ifndef TANDEM_USER_SHM_H
#define TANDEM_USER_SHM_H

#include <stddef.h>

#include "../../kernel/uapi/errors.h"
#include "../../kernel/uapi/shm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the original interface ---- */
int createSharedRegion(const char* name, size_t size, int flags); /* flags: 0 or RS_PERSIST */
int destroySharedRegion(const char* name);
int createMapping(const char* name, void** region_beg);
int destroyMapping(const char* name, void* addr);
int lockSharedRegion(const char* name);   /* ERR_OK or ERR_ABANDONED: you own it */
int unlockSharedRegion(const char* name);

/* ---- the handle interface ---- */
/* oflag: O_RDONLY or O_RDWR, with O_CREAT, O_EXCL, SHM_PERSIST. size: of a
   created region (ignored when opening). ceiling: SHM_CEILING_RDWR or
   SHM_CEILING_RDONLY, for a created region. *created (if not NULL): 1 if
   this call created the region. Returns a descriptor. */
int shm_open(const char* name, int oflag, size_t size, unsigned ceiling, int* created);
int shm_unlink(const char* name);
int ftruncate(int fd, size_t size);

/* ---- regions backed by a file (docs/mmap.md) ---- */
/* As shm_open, but a region this call creates is backed by the regular
   file open as fd: its memory is the file's page cache, and what views
   write reaches the file. size: the region's size in bytes (0: the file's
   size; larger than the file grows the file, which needs a writable fd).
   Opening an existing name needs it to be backed by that same file
   (ERR_INCOMP otherwise). O_RDWR needs fd open for writing. */
int shm_open_file(const char* name, int fd, int oflag, size_t size, unsigned ceiling, int* created);

/* ---- introspection ---- */
/* Up to max records of live regions, after skipping `skip`; returns the count. */
int shm_list(struct shm_info* out, int max, int skip);
/* Up to max records of process pid's mappings (0: the caller). */
int shm_maps(int pid, struct map_info* out, int max);

#ifdef __cplusplus
}
#endif

#endif
