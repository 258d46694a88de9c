/*
 * Named shared memory: flags, limits and the introspection records shared
 * by the kernel and user programs. See docs/shm.md for the model.
 */
#ifndef TANDEM_UAPI_SHM_H
#define TANDEM_UAPI_SHM_H

#include <stdint.h>

/* ---- limits (the kernel's only copy of them) ---- */
#define SHM_NAME_MAX 127                     /* bytes, without the NUL */
#define SHM_MAX_REGIONS 16384                /* live regions, system-wide */
#define SHM_MAX_REGION_SIZE (256ul << 20)    /* bytes per region */
#define SHM_QUOTA_PERCENT 50                 /* of RAM, charged at create and growth */
#define SHM_MAX_VIEWS_PER_PROCESS 1024       /* every mapping counts */

/* createSharedRegion() flags */
#define RS_PERSIST 0x1 /* live until destroySharedRegion, not just until the creator exits */

/* shm_open() oflag, besides O_RDONLY, O_RDWR, O_CREAT and O_EXCL */
#define SHM_PERSIST 0x4000 /* the name keeps the region alive until shm_unlink */

/* shm_open() ceiling: the most that openers other than the creator may get */
#define SHM_CEILING_RDWR 0
#define SHM_CEILING_RDONLY 1

/* shm_info.flags */
#define SHM_INFO_PERSIST 0x1
#define SHM_INFO_READONLY_CEILING 0x2
#define SHM_INFO_LOCKED 0x4   /* the region lock is held */
#define SHM_INFO_UNLINKED 0x8 /* the name is gone; the memory lives on */
#define SHM_INFO_FILE 0x10    /* backed by a file (shm_open_file): its memory is the file's page cache */

struct shm_info {
    char name[SHM_NAME_MAX + 1];
    uint64_t size;           /* bytes */
    uint64_t resident_pages; /* pages allocated so far */
    uint32_t handles;        /* open descriptors */
    uint32_t views;          /* mappings in all processes */
    uint32_t flags;          /* SHM_INFO_* */
    int32_t creator;         /* pid of the creating process */
    int32_t lock_owner;      /* pid holding the region lock, or 0 */
    uint32_t pad;
};

/* shm_maps() records: one per mapping of a process */
#define MAP_KIND_PROGRAM 1
#define MAP_KIND_HEAP 2
#define MAP_KIND_STACK 3
#define MAP_KIND_ANONYMOUS 4
#define MAP_KIND_SHARED_VIEW 5
#define MAP_KIND_FILE 6

struct map_info {
    uint64_t start;
    uint64_t end;
    uint64_t offset;         /* into the region or file */
    uint32_t prot;           /* PROT_* */
    uint32_t kind;           /* MAP_KIND_* */
    uint32_t shared;         /* 1 for MAP_SHARED */
    uint32_t resident_pages;
    char name[SHM_NAME_MAX + 1]; /* the shared region's name, or "" */
    uint32_t ino;            /* the file's inode number (file views, file-backed regions), or 0 */
    uint32_t dirty_pages;    /* pages of the file written through mappings, not yet written back */
};

#endif
