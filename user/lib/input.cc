/*
 * Line input: unbuffered readline()/gets() for input shared with other
 * processes (a shell must not swallow what its children will read), and a
 * buffered line reader for input a program owns alone.
 */
#include "ulib.h"

long readline(int fd, char* buf, size_t size)
{
    size_t len = 0;
    bool got_any = false;
    for (;;) {
        char c;
        long n = read(fd, &c, 1);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        got_any = true;
        if (c == '\n')
            break;
        if (len + 1 < size)
            buf[len++] = c;
    }
    if (size > 0)
        buf[len] = 0;
    return got_any ? long(len) : long(ERR_END);
}

char* gets(char* buf, int max)
{
    int len = 0;
    while (len + 1 < max) {
        char c;
        if (read(STDIN_FILENO, &c, 1) != 1)
            break;
        buf[len++] = c;
        if (c == '\n')
            break;
    }
    if (max > 0)
        buf[len] = 0;
    return len > 0 ? buf : nullptr;
}

void line_reader_init(struct line_reader* r, int fd)
{
    r->fd = fd;
    r->eof = 0;
    r->start = 0;
    r->end = 0;
}

long line_reader_next(struct line_reader* r, char* line, size_t size)
{
    size_t len = 0;
    bool got_any = false;
    for (;;) {
        if (r->start == r->end) {
            if (r->eof)
                break;
            long n = read(r->fd, r->buf, sizeof r->buf);
            if (n < 0)
                return n;
            if (n == 0) {
                r->eof = 1;
                break;
            }
            r->start = 0;
            r->end = size_t(n);
        }
        got_any = true;
        char c = r->buf[r->start++];
        if (c == '\n')
            break;
        if (len + 1 < size)
            line[len++] = c;
        if (len + 1 >= size)
            break; // the rest of the line comes next time
    }
    if (size > 0)
        line[len] = 0;
    return got_any ? long(len) : long(ERR_END);
}
