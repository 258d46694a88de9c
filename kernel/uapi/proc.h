/*
 * Process information shared with user space: procinfo() for ps, the
 * per-process counters of proc_stats(), meminfo(), and the wait status
 * encoding.
 */
#ifndef TANDEM_UAPI_PROC_H
#define TANDEM_UAPI_PROC_H

#include <stdint.h>

#define PROC_NAME_MAX 16

/* Process states as reported by procinfo(). */
#define PSTATE_RUNNABLE 1
#define PSTATE_RUNNING 2
#define PSTATE_SLEEPING 3
#define PSTATE_ZOMBIE 4

struct procinfo {
    int32_t pid;
    int32_t ppid;
    int32_t state;
    int32_t pad;
    uint64_t memory_bytes; /* resident user pages, in bytes */
    char name[PROC_NAME_MAX];
};

struct proc_stats {
    uint64_t syscalls;      /* system calls made so far */
    uint64_t page_faults;   /* page faults handled */
    uint64_t context_switches;
    uint64_t resident_pages;
};

/* Counters of the physical page allocator and the kernel's objects. */
struct meminfo {
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t kernel_pages;    /* kernel stacks, large kmalloc blocks */
    uint64_t slab_pages;      /* small kmalloc objects */
    uint64_t pagetable_pages;
    uint64_t user_pages;      /* anonymous and program memory */
    uint64_t shared_pages;    /* named shared regions */
    uint64_t filecache_pages;
    uint64_t processes;       /* live processes */
    uint64_t shm_regions;     /* live named shared regions */
    uint64_t shm_quota_used;  /* bytes charged to the shared-memory quota */
    uint64_t shm_quota_total;
};

/*
 * wait() status: a normal exit(code) gives (code & 0xff) << 8; a process
 * killed by the kernel (kill(), a bad memory access) gives the low byte
 * WSTATUS_KILLED.
 */
#define WSTATUS_KILLED 0x7f
#define WIFEXITED(s) (((s)&0xff) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFKILLED(s) (((s)&0xff) == WSTATUS_KILLED)

#endif
