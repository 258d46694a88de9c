/*
 * Flags for mmap(), mprotect() and msync() (docs/mmap.md).
 *
 * MAP_ANONYMOUS (fd -1, offset 0) maps zero-filled memory backed by no
 * file: private, or with MAP_SHARED shared with the children of a fork.
 *
 * There is no MAP_FAILED: mmap() returns an ERR_* code cast to a pointer,
 * and POSIX's (void *)-1 would be ERR_NOMEM alone. Test with mmap_failed(p)
 * (user/include/tandem.h).
 */
#ifndef TANDEM_UAPI_MMAN_H
#define TANDEM_UAPI_MMAN_H

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20

#define MS_SYNC 0x4

#endif
