/*
 * Memory and string functions for the kernel and the user library.
 *
 * memcpy and memset move eight bytes at a time once the destination is
 * aligned, because the benchmark's bandwidth figures (and every page copy the
 * kernel makes) come down to these loops. The file is compiled with
 * -fno-tree-loop-distribute-patterns so that GCC does not turn the loops back
 * into calls to memcpy itself.
 */
#include "kstring.h"
#include "types.h"

#ifndef TANDEM_HOST

extern "C" void* memset(void* dst, int c, size_t n)
{
    u8* d = static_cast<u8*>(dst);
    while (n > 0 && (uptr(d) & 7)) {
        *d++ = u8(c);
        n--;
    }
    u64 word = u8(c);
    word |= word << 8;
    word |= word << 16;
    word |= word << 32;
    u64* w = reinterpret_cast<u64*>(d);
    while (n >= 64) {
        w[0] = word; w[1] = word; w[2] = word; w[3] = word;
        w[4] = word; w[5] = word; w[6] = word; w[7] = word;
        w += 8;
        n -= 64;
    }
    while (n >= 8) {
        *w++ = word;
        n -= 8;
    }
    d = reinterpret_cast<u8*>(w);
    while (n-- > 0)
        *d++ = u8(c);
    return dst;
}

extern "C" void* memcpy(void* __restrict dst, const void* __restrict src, size_t n)
{
    u8* d = static_cast<u8*>(dst);
    const u8* s = static_cast<const u8*>(src);
    // Word copies need source and destination equally misaligned.
    if (((uptr(d) ^ uptr(s)) & 7) == 0) {
        while (n > 0 && (uptr(d) & 7)) {
            *d++ = *s++;
            n--;
        }
        u64* dw = reinterpret_cast<u64*>(d);
        const u64* sw = reinterpret_cast<const u64*>(s);
        while (n >= 64) {
            u64 a = sw[0], b = sw[1], c = sw[2], e = sw[3];
            u64 f = sw[4], g = sw[5], h = sw[6], i = sw[7];
            dw[0] = a; dw[1] = b; dw[2] = c; dw[3] = e;
            dw[4] = f; dw[5] = g; dw[6] = h; dw[7] = i;
            dw += 8;
            sw += 8;
            n -= 64;
        }
        while (n >= 8) {
            *dw++ = *sw++;
            n -= 8;
        }
        d = reinterpret_cast<u8*>(dw);
        s = reinterpret_cast<const u8*>(sw);
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}

extern "C" void* memmove(void* dst, const void* src, size_t n)
{
    u8* d = static_cast<u8*>(dst);
    const u8* s = static_cast<const u8*>(src);
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n-- > 0)
        d[n] = s[n];
    return dst;
}

extern "C" int memcmp(const void* a, const void* b, size_t n)
{
    const u8* x = static_cast<const u8*>(a);
    const u8* y = static_cast<const u8*>(b);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

extern "C" size_t strlen(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

extern "C" size_t strnlen(const char* s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

extern "C" int strcmp(const char* a, const char* b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return int(u8(*a)) - int(u8(*b));
}

extern "C" int strncmp(const char* a, const char* b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b)
            return int(u8(*a)) - int(u8(*b));
        if (*a == 0)
            return 0;
    }
    return 0;
}

extern "C" char* strcpy(char* dst, const char* src)
{
    char* d = dst;
    while ((*d++ = *src++))
        ;
    return dst;
}

extern "C" char* strncpy(char* dst, const char* src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = src[i];
    for (; i < n; i++)
        dst[i] = 0;
    return dst;
}

extern "C" char* strchr(const char* s, int c)
{
    for (;; s++) {
        if (*s == char(c))
            return const_cast<char*>(s);
        if (*s == 0)
            return nullptr;
    }
}

extern "C" char* strrchr(const char* s, int c)
{
    const char* last = nullptr;
    for (;; s++) {
        if (*s == char(c))
            last = s;
        if (*s == 0)
            return const_cast<char*>(last);
    }
}

#endif // !TANDEM_HOST

size_t strlcpy(char* dst, const char* src, size_t size)
{
    size_t len = strlen(src);
    if (size > 0) {
        size_t n = min(len, size - 1);
        memcpy(dst, src, n);
        dst[n] = 0;
    }
    return len;
}
