/*
 * Number parsing and the string functions that kernel/lib/string.cc does
 * not provide (the kernel has no use for them).
 */
#include "ulib.h"

namespace {

int digit_value(char c)
{
    if (isdigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

// Parses the magnitude; sets *negative; saturates at limit (for the sign).
unsigned long parse_magnitude(const char* s, char** end, int base, bool* negative, unsigned long limit_pos,
                              unsigned long limit_neg)
{
    const char* p = s;
    while (isspace(*p))
        p++;
    *negative = false;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit(p[2])) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long limit = *negative ? limit_neg : limit_pos;
    unsigned long value = 0;
    bool overflow = false;
    const char* digits = p;
    for (; digit_value(*p) < base; p++) {
        unsigned long next;
        if (__builtin_mul_overflow(value, (unsigned long)base, &next) ||
            __builtin_add_overflow(next, (unsigned long)digit_value(*p), &next) || next > limit)
            overflow = true;
        else
            value = next;
    }
    if (end)
        *end = const_cast<char*>(p == digits ? s : p);
    return overflow ? limit : value;
}

} // namespace

long strtol(const char* s, char** end, int base)
{
    bool negative;
    unsigned long mag = parse_magnitude(s, end, base, &negative, (unsigned long)__LONG_MAX__,
                                        (unsigned long)__LONG_MAX__ + 1);
    return negative ? long(0UL - mag) : long(mag);
}

unsigned long strtoul(const char* s, char** end, int base)
{
    bool negative;
    unsigned long mag = parse_magnitude(s, end, base, &negative, ~0UL, ~0UL);
    return negative ? 0UL - mag : mag;
}

long atol(const char* s) { return strtol(s, nullptr, 10); }
int atoi(const char* s) { return int(strtol(s, nullptr, 10)); }

void* memchr(const void* s, int c, size_t n)
{
    const unsigned char* p = static_cast<const unsigned char*>(s);
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return const_cast<unsigned char*>(p + i);
    return nullptr;
}

char* strcat(char* dst, const char* src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

char* strstr(const char* haystack, const char* needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (strncmp(haystack, needle, n) == 0)
            return const_cast<char*>(haystack);
    return n == 0 ? const_cast<char*>(haystack) : nullptr;
}

char* strdup(const char* s)
{
    size_t n = strlen(s) + 1;
    char* copy = static_cast<char*>(malloc(n));
    if (copy)
        memcpy(copy, s, n);
    return copy;
}
