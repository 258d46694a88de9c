/*
 * printf and friends on the kernel's shared formatter (kernel/lib/format.cc).
 *
 * Output is collected in a buffer on the stack and written with one
 * write() per call: no hidden buffering survives a call, so nothing is lost
 * at exit, and a line printed by one process is not cut by another's. Only
 * output longer than the buffer takes more than one write.
 */
#include "ulib.h"
#include "../../kernel/lib/format.h"

namespace {

struct WriteBuffer {
    int fd;
    size_t used;
    long error; // first failed write, or 0
    char data[1024];

    void flush()
    {
        size_t done = 0;
        while (done < used && error == 0) {
            long n = write(fd, data + done, used - done);
            if (n <= 0)
                error = n < 0 ? n : long(ERR_END);
            else
                done += size_t(n);
        }
        used = 0;
    }
};

void buffer_put(char c, void* ctx)
{
    auto* b = static_cast<WriteBuffer*>(ctx);
    if (b->used == sizeof b->data)
        b->flush();
    b->data[b->used++] = c;
}

} // namespace

int vfprintf(int fd, const char* fmt, va_list args)
{
    WriteBuffer b;
    b.fd = fd;
    b.used = 0;
    b.error = 0;
    int n = vformat(buffer_put, &b, fmt, args);
    b.flush();
    return b.error ? int(b.error) : n;
}

int fprintf(int fd, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vfprintf(fd, fmt, args);
    va_end(args);
    return n;
}

int vprintf(const char* fmt, va_list args) { return vfprintf(STDOUT_FILENO, fmt, args); }

int printf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vfprintf(STDOUT_FILENO, fmt, args);
    va_end(args);
    return n;
}

int vsnprintf(char* buf, size_t size, const char* fmt, va_list args) { return vsnprintf_k(buf, size, fmt, args); }

int snprintf(char* buf, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf_k(buf, size, fmt, args);
    va_end(args);
    return n;
}

int puts(const char* s) { return printf("%s\n", s); }
int fputs(const char* s, int fd) { return fprintf(fd, "%s", s); }

int putchar(int c)
{
    char ch = char(c);
    long n = write(STDOUT_FILENO, &ch, 1);
    return n == 1 ? (unsigned char)ch : int(n);
}
