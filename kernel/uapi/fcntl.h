/*
 * Flags for open(), shm_open() and lseek(), and file types for fstat().
 */
#ifndef TANDEM_UAPI_FCNTL_H
#define TANDEM_UAPI_FCNTL_H

#include <stdint.h>

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_ACCMODE 0x003
#define O_CREAT 0x200
#define O_TRUNC 0x400
#define O_EXCL 0x800
#define O_APPEND 0x1000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* struct stat.type */
#define T_DIR 1
#define T_FILE 2
#define T_DEVICE 3
#define T_PIPE 4
#define T_SHM 5

/* Device numbers (mknod major). */
#define DEV_CONSOLE 1
#define DEV_NULL 2

struct stat {
    int32_t dev;    /* file system device number */
    uint32_t ino;   /* inode number */
    int16_t type;   /* T_* */
    int16_t nlink;  /* links to the file */
    uint32_t pad;
    uint64_t size;  /* bytes */
};

#define DIRENT_NAME_MAX 60
struct dirent {
    uint32_t ino;
    char name[DIRENT_NAME_MAX]; /* NUL-terminated */
};

#endif
