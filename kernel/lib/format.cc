/*
 * The formatter behind kprintf and the user library's printf.
 *
 * It never allocates and never reads past a NUL: a %s with a null pointer
 * prints "(null)", so a bad argument in a debug message cannot fault.
 */
#include "format.h"
#include "kstring.h"

namespace {

struct Spec {
    bool left = false;
    bool zero = false;
    bool alternate = false; // '#': 0x before hex, 0 before octal
    char sign = 0;          // '+' or ' ': shown before non-negative numbers
    int width = 0;
    int precision = -1;
};

struct Counter {
    FormatSink sink;
    void* ctx;
    int count;
    void put(char c)
    {
        sink(c, ctx);
        count++;
    }
    void pad(int n, char c)
    {
        while (n-- > 0)
            put(c);
    }
};

void emit_string(Counter& out, const char* s, const Spec& spec)
{
    if (!s)
        s = "(null)";
    int len = int(spec.precision >= 0 ? strnlen(s, size_t(spec.precision)) : strlen(s));
    if (!spec.left)
        out.pad(spec.width - len, ' ');
    for (int i = 0; i < len; i++)
        out.put(s[i]);
    if (spec.left)
        out.pad(spec.width - len, ' ');
}

void emit_number(Counter& out, u64 value, bool negative, unsigned base, bool upper, const Spec& spec,
                 const char* prefix)
{
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;
    // As in C, a zero with precision 0 prints no digits at all.
    if (!(value == 0 && spec.precision == 0)) {
        do {
            buf[n++] = digits[value % base];
            value /= base;
        } while (value != 0);
    }
    char sign = negative ? '-' : spec.sign;
    int prefix_len = int(strlen(prefix)) + (sign ? 1 : 0);
    int zeros = spec.precision > n ? spec.precision - n : 0;
    int total = prefix_len + zeros + n;
    // The 0 flag pads with zeros only when no precision is given.
    bool zero_pad = spec.zero && spec.precision < 0;
    if (!spec.left && !zero_pad)
        out.pad(spec.width - total, ' ');
    if (sign)
        out.put(sign);
    for (const char* p = prefix; *p; p++)
        out.put(*p);
    if (!spec.left && zero_pad)
        out.pad(spec.width - total, '0');
    out.pad(zeros, '0');
    while (n > 0)
        out.put(buf[--n]);
    if (spec.left)
        out.pad(spec.width - total, ' ');
}

} // namespace

int vformat(FormatSink sink, void* ctx, const char* fmt, va_list args)
{
    Counter out{sink, ctx, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out.put(*fmt);
            continue;
        }
        fmt++;
        Spec spec;
        for (;; fmt++) {
            if (*fmt == '-')
                spec.left = true;
            else if (*fmt == '0')
                spec.zero = true;
            else if (*fmt == '#')
                spec.alternate = true;
            else if (*fmt == '+')
                spec.sign = '+';
            else if (*fmt == ' ' && spec.sign != '+')
                spec.sign = ' ';
            else
                break;
        }
        if (*fmt == '*') {
            spec.width = va_arg(args, int);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                spec.width = spec.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            spec.precision = 0;
            if (*fmt == '*') {
                spec.precision = va_arg(args, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    spec.precision = spec.precision * 10 + (*fmt++ - '0');
            }
        }
        int longs = 0;
        bool size_mod = false;
        for (;; fmt++) {
            if (*fmt == 'l')
                longs++;
            else if (*fmt == 'h')
                longs--;
            else if (*fmt == 'z')
                size_mod = true;
            else
                break;
        }
        if (size_mod)
            longs = 1;
        switch (*fmt) {
        case 'd':
        case 'i': {
            i64 v = longs > 0 ? va_arg(args, long) : va_arg(args, int);
            if (longs == -1)
                v = short(v);
            else if (longs <= -2)
                v = (signed char)v;
            bool neg = v < 0;
            u64 mag = neg ? u64(0) - u64(v) : u64(v);
            emit_number(out, mag, neg, 10, false, spec, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            u64 v = longs > 0 ? va_arg(args, unsigned long) : va_arg(args, unsigned int);
            if (longs == -1)
                v = u16(v);
            else if (longs <= -2)
                v = u8(v);
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            const char* prefix = "";
            if (spec.alternate && v != 0)
                prefix = base == 16 ? (*fmt == 'X' ? "0X" : "0x") : base == 8 ? "0" : "";
            Spec unsigned_spec = spec;
            unsigned_spec.sign = 0; // + and space apply to signed conversions only
            emit_number(out, v, false, base, *fmt == 'X', unsigned_spec, prefix);
            break;
        }
        case 'p': {
            Spec pointer_spec = spec;
            pointer_spec.sign = 0;
            emit_number(out, u64(va_arg(args, void*)), false, 16, false, pointer_spec, "0x");
            break;
        }
        case 's':
            emit_string(out, va_arg(args, const char*), spec);
            break;
        case 'c': {
            char c = char(va_arg(args, int));
            if (!spec.left)
                out.pad(spec.width - 1, ' ');
            out.put(c);
            if (spec.left)
                out.pad(spec.width - 1, ' ');
            break;
        }
        case '%':
            out.put('%');
            break;
        case 0:
            return out.count;
        default:
            // Unknown conversion: show it rather than guess at its argument.
            out.put('%');
            out.put(*fmt);
            break;
        }
    }
    return out.count;
}

namespace {
struct BufferSink {
    char* buf;
    size_t size;
    size_t used;
};

void buffer_put(char c, void* ctx)
{
    auto* b = static_cast<BufferSink*>(ctx);
    if (b->used + 1 < b->size)
        b->buf[b->used] = c;
    b->used++;
}
} // namespace

int vsnprintf_k(char* buf, size_t size, const char* fmt, va_list args)
{
    BufferSink sink{buf, size, 0};
    int n = vformat(buffer_put, &sink, fmt, args);
    if (size > 0)
        buf[min(sink.used, size - 1)] = 0;
    return n;
}

int snprintf_k(char* buf, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf_k(buf, size, fmt, args);
    va_end(args);
    return n;
}
