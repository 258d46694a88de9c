/*
 * Error codes shared by the kernel and user space.
 *
 * Every system call returns a value >= 0 on success and one of these negative
 * codes on failure. The first sixteen keep the values of the original
 * shared-memory system so its programs port unchanged; new codes continue
 * downward from -16. Each code has exactly one number: never reuse one.
 */
#ifndef TANDEM_UAPI_ERRORS_H
#define TANDEM_UAPI_ERRORS_H

enum {
    ERR_OK = 0,
    ERR_NOMEM = -1,          /* out of memory, quota or table space */
    ERR_NORES = -2,          /* out of some other resource */
    ERR_UNALLOC = -3,        /* object was never allocated */
    ERR_EXIST = -4,          /* name already exists */
    ERR_NOTEXIST = -5,       /* no such name or object */
    ERR_INCOMP = -6,         /* incompatible request */
    ERR_FTYPE = -7,          /* wrong file type */
    ERR_REGISTER = -8,       /* registration failed */
    ERR_NOTEMPTY = -9,       /* directory not empty */
    ERR_END = -10,           /* end of data */
    ERR_INIT = -11,          /* subsystem not initialised */
    ERR_FAULT = -12,         /* bad user address */
    ERR_INVAL = -13,         /* invalid argument */
    ERR_CHILD = -14,         /* no child to wait for */
    ERR_PGFAULT_ALLOC = -15, /* page fault could not allocate */
    ERR_ACCESS = -16,        /* permission denied */
    ERR_BUSY = -17,          /* resource busy */
    ERR_AGAIN = -18,         /* try again (value changed, would block) */
    ERR_TIMEDOUT = -19,      /* timed out */
    ERR_ABANDONED = -20,     /* lock acquired from an owner that went away */
    ERR_OWNERDEAD = -21,     /* robust mutex owner died */
    ERR_NOTRECOVERABLE = -22,/* robust mutex is permanently unusable */
    ERR_NAMETOOLONG = -23,   /* name longer than the limit */
    ERR_BADF = -24,          /* bad file descriptor */
    ERR_NOSYS = -25,         /* no such system call */
    ERR_INTR = -26,          /* interrupted (the process was killed) */
    ERR_ISDIR = -27,         /* is a directory */
    ERR_NOTDIR = -28,        /* not a directory */
    ERR_NOSPC = -29,         /* no space left on device */
    ERR_MFILE = -30,         /* too many open files */
    ERR_PIPE = -31,          /* write to a pipe with no readers */
    ERR_NOEXEC = -32,        /* not an executable */
    ERR_RANGE = -33,         /* result out of range */
    ERR_SRCH = -34,          /* no such process */
    ERR_TXTBSY = -35,        /* a program runs from this file (or it is open for writing) */
    ERR_LAST = -35
};

#endif
