/*
 * The C string and memory functions of kernel/lib/string.cc, declared once
 * for the two programs that compile that source: the kernel (through
 * kstring.h) and the user library (through user/include/ulib.h, which is
 * C as well as C++). strlcpy has C++ linkage, so C sees it not.
 */
#ifndef TANDEM_LIB_CSTRING_H
#define TANDEM_LIB_CSTRING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
void* memset(void* dst, int c, size_t n);
void* memcpy(void* __restrict dst, const void* __restrict src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strcpy(char* dst, const char* src);
char* strncpy(char* dst, const char* src, size_t n);
char* strchr(const char* s, int c);
char* strrchr(const char* s, int c);
#ifdef __cplusplus
}

// Copies at most size-1 bytes and always terminates (when size > 0).
// Returns the length of src.
size_t strlcpy(char* dst, const char* src, size_t size);
#endif

#endif
