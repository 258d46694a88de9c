/*
 * The user C library subset: formatted output, memory allocation, strings,
 * character classes, number parsing, line input, error names, assertions.
 * Usable from C and C++; system calls themselves are in tandem.h.
 *
 * Output is unbuffered by design: each printf call formats into a buffer
 * and issues one write(), so nothing is lost when a program exits or
 * crashes, and lines from concurrent processes do not interleave.
 */
#ifndef TANDEM_USER_ULIB_H
#define TANDEM_USER_ULIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kernel/lib/cstring.h"
#include "tandem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* ---- formatted output (kernel/lib/format.h: flags - 0, width, precision,
        hh h l ll z, conversions d i u x X o p s c %) ---- */
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char* fmt, va_list args);
int vfprintf(int fd, const char* fmt, va_list args);
int snprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buf, size_t size, const char* fmt, va_list args);
int puts(const char* s);          /* s and a newline, one write */
int fputs(const char* s, int fd); /* s only */
int putchar(int c);

/* ---- memory ---- */
void* malloc(size_t size);
void free(void* p);
void* calloc(size_t count, size_t size);
void* realloc(void* p, size_t size);

/* ---- strings: those of kernel/lib/string.cc (memset..strrchr, and for
        C++ strlcpy), and the user library's own ---- */
void* memchr(const void* s, int c, size_t n);
char* strcat(char* dst, const char* src);
char* strstr(const char* haystack, const char* needle);
char* strdup(const char* s); /* malloc'd copy, NULL if out of memory */

/* ---- character classes (ASCII) ---- */
static inline int isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int isupper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int islower(int c) { return c >= 'a' && c <= 'z'; }
static inline int isalpha(int c) { return isupper(c) || islower(c); }
static inline int isalnum(int c) { return isalpha(c) || isdigit(c); }
static inline int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static inline int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static inline int isprint(int c) { return c >= 0x20 && c < 0x7f; }
static inline int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
static inline int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }

/* ---- numbers ---- */
int atoi(const char* s);
long atol(const char* s);
/* base 0 accepts 0x.. (hex), 0.. (octal) and decimal; *end (if not NULL)
   gets the first unparsed character. Out of range saturates. */
long strtol(const char* s, char** end, int base);
unsigned long strtoul(const char* s, char** end, int base);
static inline long labs(long v) { return v < 0 ? -v : v; }
static inline int abs(int v) { return v < 0 ? -v : v; }

/* ---- errors ---- */
/* "no such file or object (ERR_NOTEXIST)"; never NULL. */
const char* errstr(int code);
/* "ERR_NOTEXIST"; "ERR_?" for an unknown code. */
const char* errname(int code);
/* True for a value in the ERR_* range (negative, not below ERR_LAST). */
static inline int is_err(long v) { return v < 0 && v >= ERR_LAST; }

/* ---- line input ---- */
/* Reads one line from fd a byte at a time (so it never consumes input past
   the newline, which a shell's children must still see). Stores at most
   size-1 characters without the newline and NUL-terminates; the rest of an
   overlong line is discarded. Returns the length, ERR_END at end of input
   with nothing read, or a negative error from read(). */
long readline(int fd, char* buf, size_t size);
/* xv6-style: a line from fd 0 including its newline; NULL at end of input. */
char* gets(char* buf, int max);

/* Buffered line reading, for files and pipes that a single program owns. */
struct line_reader {
    int fd;
    int eof;
    size_t start;
    size_t end;
    char buf[1024];
};
void line_reader_init(struct line_reader* r, int fd);
/* Like readline(); a line longer than size-1 comes back in pieces. */
long line_reader_next(struct line_reader* r, char* line, size_t size);

/* ---- ending ---- */
/* Kills the calling process (the parent's wait sees WIFKILLED). */
void abort(void) __attribute__((noreturn));
void ulib_assert_failed(const char* expr, const char* file, int line) __attribute__((noreturn));
#define assert(expr) ((expr) ? (void)0 : ulib_assert_failed(#expr, __FILE__, __LINE__))

#ifdef __cplusplus
}
#endif

#endif
