/*
 * ls: lists directories (type, size, name of each entry) and describes
 * plain files, using getdents() and fstat().
 */
#include "ulib.h"

namespace {

const char* type_name(int type)
{
    switch (type) {
    case T_DIR: return "dir";
    case T_FILE: return "file";
    case T_DEVICE: return "dev";
    case T_PIPE: return "pipe";
    case T_SHM: return "shm";
    }
    return "?";
}

void show(const char* name, const struct stat& st)
{
    printf("%-4s %8lu %s\n", type_name(st.type), (unsigned long)st.size, name);
}

// Describes dir/name; returns 0 or an error.
int show_entry(const char* dir, const char* name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fd;
    struct stat st;
    int r = fstat(fd, &st);
    close(fd);
    if (r == 0)
        show(name, st);
    return r;
}

int list(const char* path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(STDERR_FILENO, "ls: %s: %s\n", path, errstr(fd));
        return 1;
    }
    struct stat st;
    int r = fstat(fd, &st);
    if (r < 0) {
        fprintf(STDERR_FILENO, "ls: %s: %s\n", path, errstr(r));
        close(fd);
        return 1;
    }
    if (st.type != T_DIR) {
        show(path, st);
        close(fd);
        return 0;
    }
    int failed = 0;
    struct dirent entries[16];
    for (;;) {
        int n = getdents(fd, entries, 16);
        if (n < 0) {
            fprintf(STDERR_FILENO, "ls: %s: %s\n", path, errstr(n));
            failed = 1;
        }
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            if (entries[i].ino == 0)
                continue;
            int e = show_entry(path, entries[i].name);
            if (e < 0) {
                fprintf(STDERR_FILENO, "ls: %s/%s: %s\n", path, entries[i].name, errstr(e));
                failed = 1;
            }
        }
    }
    close(fd);
    return failed;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && argv[1][0] == '-') {
        fprintf(STDERR_FILENO, "usage: ls [PATH...]\n");
        return 2;
    }
    if (argc == 1)
        return list(".");
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (argc > 2)
            printf("%s:\n", argv[i]);
        failed |= list(argv[i]);
    }
    return failed;
}
