/*
 * shm: look at and manage named shared-memory regions from the shell, in
 * the spirit of ipcs/ipcrm.
 *
 *   shm ls                          every live region
 *   shm create NAME SIZE [-p]       create (SIZE may end in K or M); -p persists
 *   shm rm NAME                     unlink the name (memory lives while in use)
 *   shm cat NAME [OFFSET LEN]       print bytes of the region
 *   shm write NAME OFFSET TEXT      store TEXT at OFFSET
 *   shm maps PID                    a process's mappings (PID 0: shm itself)
 *
 * Without -p, a region created here lives only while something uses it;
 * since this command exits at once, that is almost never what you want
 * from a shell.
 */
#include "include/shm.h"
#include "include/ulib.h"

namespace {

int usage()
{
    fprintf(2, "usage: shm ls\n"
               "       shm create NAME SIZE[K|M] [-p]\n"
               "       shm rm NAME\n"
               "       shm cat NAME [OFFSET LEN]\n"
               "       shm write NAME OFFSET TEXT\n"
               "       shm maps PID\n");
    return 2;
}

int fail(const char* what, const char* name, int code)
{
    fprintf(2, "shm %s %s: %s\n", what, name, errstr(code));
    return 1;
}

bool parse_size(const char* s, uint64_t* out)
{
    char* end;
    uint64_t v = strtoul(s, &end, 0);
    if (end == s)
        return false;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

// Prints a name with control characters made visible.
void print_name(const char* name, int width)
{
    int n = 0;
    for (const char* p = name; *p; p++, n++) {
        if (*p == '\t')
            printf("\\t"), n++;
        else if (*p == '\n')
            printf("\\n"), n++;
        else if ((unsigned char)*p < 32)
            printf("?");
        else
            printf("%c", *p);
    }
    for (; n < width; n++)
        printf(" ");
}

int list()
{
    static struct shm_info records[64];
    printf("%-20s %10s %8s %7s %5s  %-16s %7s %4s\n", "NAME", "SIZE", "RESIDENT", "HANDLES", "VIEWS", "FLAGS",
           "CREATOR", "LOCK");
    for (int skip = 0;;) {
        int n = shm_list(records, 64, skip);
        if (n < 0)
            return fail("ls", "", n);
        for (int i = 0; i < n; i++) {
            struct shm_info* r = &records[i];
            char flags[32] = "";
            if (r->flags & SHM_INFO_PERSIST)
                strcat(flags, "persist ");
            if (r->flags & SHM_INFO_READONLY_CEILING)
                strcat(flags, "ro ");
            if (r->flags & SHM_INFO_UNLINKED)
                strcat(flags, "unlinked ");
            if (!flags[0])
                strcpy(flags, "-");
            print_name(r->name, 20);
            printf(" %10lu %8lu %7u %5u  %-16s %7d ", (unsigned long)r->size, (unsigned long)r->resident_pages,
                   r->handles, r->views, flags, r->creator);
            if (r->lock_owner)
                printf("%4d\n", r->lock_owner);
            else
                printf("%4s\n", "-");
        }
        if (n < 64)
            return 0;
        skip += n;
    }
}

// Maps the whole region; returns its base and size through the pointers.
int map_whole(const char* name, int oflag, char** base, uint64_t* size)
{
    int fd = shm_open(name, oflag, 0, 0, 0);
    if (fd < 0)
        return fd;
    struct stat st;
    int r = fstat(fd, &st);
    if (r < 0 || st.size == 0) {
        close(fd);
        return r < 0 ? r : ERR_INVAL;
    }
    int prot = PROT_READ | ((oflag & O_ACCMODE) == O_RDWR ? PROT_WRITE : 0);
    void* p = mmap(0, st.size, prot, MAP_SHARED, fd, 0);
    close(fd);
    if (mmap_failed(p))
        return (int)(intptr_t)p;
    *base = (char*)p;
    *size = st.size;
    return 0;
}

int cat(const char* name, const char* offset_arg, const char* length_arg)
{
    char* base;
    uint64_t size, offset = 0, length;
    int r = map_whole(name, O_RDONLY, &base, &size);
    if (r < 0)
        return fail("cat", name, r);
    length = size;
    if (offset_arg && (!parse_size(offset_arg, &offset) || !parse_size(length_arg, &length))) {
        munmap(base, size);
        return usage();
    }
    if (offset > size || length > size - offset) {
        fprintf(2, "shm cat: range beyond the region's %lu bytes\n", (unsigned long)size);
        munmap(base, size);
        return 1;
    }
    if (!offset_arg) {
        // The whole region: stop at the first NUL, as text usually does.
        length = strnlen(base, size);
    }
    write(1, base + offset, length);
    if (length && base[offset + length - 1] != '\n')
        write(1, "\n", 1);
    munmap(base, size);
    return 0;
}

int write_text(const char* name, const char* offset_arg, const char* text)
{
    char* base;
    uint64_t size, offset;
    if (!parse_size(offset_arg, &offset))
        return usage();
    int r = map_whole(name, O_RDWR, &base, &size);
    if (r < 0)
        return fail("write", name, r);
    size_t n = strlen(text);
    if (offset > size || n > size - offset) {
        fprintf(2, "shm write: %zu bytes at %lu do not fit in %lu\n", n, (unsigned long)offset,
                (unsigned long)size);
        munmap(base, size);
        return 1;
    }
    memcpy(base + offset, text, n);
    munmap(base, size);
    return 0;
}

const char* kind_name(uint32_t kind)
{
    switch (kind) {
    case MAP_KIND_PROGRAM: return "program";
    case MAP_KIND_HEAP: return "heap";
    case MAP_KIND_STACK: return "stack";
    case MAP_KIND_ANONYMOUS: return "anon";
    case MAP_KIND_SHARED_VIEW: return "shm";
    case MAP_KIND_FILE: return "file";
    default: return "?";
    }
}

int maps(const char* pid_arg)
{
    static struct map_info records[128];
    int pid = atoi(pid_arg);
    int n = shm_maps(pid, records, 128);
    if (n < 0)
        return fail("maps", pid_arg, n);
    printf("%-18s %-18s %-4s %-7s %8s %8s  %s\n", "START", "END", "PROT", "KIND", "OFFSET", "RESIDENT", "NAME");
    for (int i = 0; i < n; i++) {
        struct map_info* m = &records[i];
        char prot[5] = "----";
        if (m->prot & PROT_READ)
            prot[0] = 'r';
        if (m->prot & PROT_WRITE)
            prot[1] = 'w';
        if (m->prot & PROT_EXEC)
            prot[2] = 'x';
        prot[3] = m->shared ? 's' : 'p';
        printf("0x%016lx 0x%016lx %-4s %-7s %8lx %8u  ", (unsigned long)m->start, (unsigned long)m->end, prot,
               kind_name(m->kind), (unsigned long)m->offset, m->resident_pages);
        print_name(m->name, 0);
        printf("\n");
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const char* cmd = argv[1];
    if (!strcmp(cmd, "ls") && argc == 2)
        return list();
    if (!strcmp(cmd, "create") && (argc == 4 || argc == 5)) {
        uint64_t size;
        bool persist = argc == 5 && !strcmp(argv[4], "-p");
        if (!parse_size(argv[3], &size) || (argc == 5 && !persist))
            return usage();
        int r = createSharedRegion(argv[2], size, persist ? RS_PERSIST : 0);
        return r < 0 ? fail("create", argv[2], r) : 0;
    }
    if (!strcmp(cmd, "rm") && argc == 3) {
        int r = shm_unlink(argv[2]);
        return r < 0 ? fail("rm", argv[2], r) : 0;
    }
    if (!strcmp(cmd, "cat") && (argc == 3 || argc == 5))
        return cat(argv[2], argc == 5 ? argv[3] : 0, argc == 5 ? argv[4] : 0);
    if (!strcmp(cmd, "write") && argc == 5)
        return write_text(argv[2], argv[3], argv[4]);
    if (!strcmp(cmd, "maps") && argc == 3)
        return maps(argv[2]);
    return usage();
}
