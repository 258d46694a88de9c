/*
 * Tandem system calls, as seen from user programs (C and C++).
 *
 * Every call returns a value >= 0 on success or a negative ERR_* code
 * (kernel/uapi/errors.h) on failure; errstr(code) names the code. The
 * numbers come from kernel/uapi/syscalls.h, which also generates the stubs.
 */
#ifndef TANDEM_USER_TANDEM_H
#define TANDEM_USER_TANDEM_H

#include <stddef.h>
#include <stdint.h>

#include "../../kernel/uapi/errors.h"
#include "../../kernel/uapi/fcntl.h"
#include "../../kernel/uapi/mman.h"
#include "../../kernel/uapi/pagetable.h"
#include "../../kernel/uapi/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- processes ---- */
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int* status);                 /* any child; returns its pid */
int waitpid(int pid, int* status);     /* a given child (-1: any) */
int kill(int pid);                     /* pid < -1: every process of group -pid */
int setpgid(int pid, int pgid);        /* pid 0: the caller; pgid 0: a new group numbered pid */
// LAB(syscall) begin
int trace(int on);                     /* system-call tracing of the caller: 1 on, 0 off; the previous setting */
// LAB(syscall) end
int exec(const char* path, char* const argv[]); /* ERR_TXTBSY: the file is open for writing */
int getpid(void);
int getppid(void);
/* Old break, or an error code cast to a pointer. Moves only the heap piece
   at the break (docs/kernel.md): ERR_NOMEM if something is mapped in the
   way or the heap would outgrow the machine's memory. */
void* sbrk(long increment);
int sleep(unsigned int milliseconds);
uint64_t uptime(void);                 /* milliseconds since boot */
int yield(void);
int procinfo(struct procinfo* table, int max); /* fills up to max entries, returns the count */
int proc_stats(int pid, struct proc_stats* out); /* pid 0: the caller */
uint64_t clock_ns(void);               /* monotonic nanoseconds */
int trap_floor(void);                  /* does nothing, returns 0: a trap's bare cost (shmbench) */
int poweroff(int status);              /* ends the machine; QEMU exits with status */
int meminfo(struct meminfo* out);

/* ---- files ---- */
int open(const char* path, int flags); /* for writing: ERR_TXTBSY while a program runs from it */
long read(int fd, void* buf, size_t n);
long write(int fd, const void* buf, size_t n);
int close(int fd);
int dup(int fd);
int pipe(int fds[2]);
int fstat(int fd, struct stat* st);
int link(const char* existing, const char* new_path);
int unlink(const char* path);
int mkdir(const char* path);
int chdir(const char* path);
int mknod(const char* path, short major, short minor);
long lseek(int fd, long offset, int whence);
int getdents(int fd, struct dirent* entries, int max); /* entries read; 0 at the end */

/* ---- virtual memory ---- */
/* mmap returns the address, or an ERR_* code cast to a pointer: test with
   mmap_failed(p) and recover the code with (int)(intptr_t)p. */
void* mmap(void* addr, size_t length, int prot, int flags, int fd, long offset);
int munmap(void* addr, size_t length);
int mprotect(void* addr, size_t length, int prot);
int msync(void* addr, size_t length, int flags);
/* Sets the size of a regular file or a shared-memory handle (docs/mmap.md,
   docs/shm.md); also declared in shm.h. */
int ftruncate(int fd, size_t size);
/* The page table of process pid (0: the caller) as coalesced ranges,
   skipping the first `skip` records; flags PT_USER_HALF (the default, 0)
   and/or PT_KERNEL_HALF. Fills up to max (at most 512 per call) and returns
   the count (kernel/uapi/pagetable.h; the `vm` tool shows them). */
int vm_pagetable(int pid, struct pt_range* out, int max, int skip, int flags);

static inline int mmap_failed(const void* p) { return (intptr_t)p < 0 && (intptr_t)p >= ERR_LAST; }

#ifdef __cplusplus
}
#endif

#endif
