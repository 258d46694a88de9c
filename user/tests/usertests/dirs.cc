/*
 * usertests: directories and names: mkdir, chdir, relative paths,
 * listing with getdents, the errors for wrong types and long names, and
 * fstat of each kind of descriptor.
 */
#include "cases.h"

void dir_mkdir_chdir()
{
    const char* dir = "ut_dir";
    unlink("ut_dir/f");
    remove_stale(dir);
    require_eq(mkdir(dir), 0);
    check_eq(mkdir(dir), ERR_EXIST);
    require_eq(chdir(dir), 0);
    check_eq(write_file("f", "hi", 2), 0);
    check_eq(chdir(".."), 0);
    char buf[4] = {};
    check_eq(read_file("ut_dir/f", buf, sizeof buf), 2);
    check(memcmp(buf, "hi", 2) == 0, "got '%s'", buf);
    check_eq(read_file("./ut_dir/../ut_dir/f", buf, sizeof buf), 2);
    check_eq(chdir("ut_dir/f"), ERR_NOTDIR);
    check_eq(open("ut_dir/f/x", O_RDONLY), ERR_NOTDIR);
    check_eq(open(dir, O_WRONLY), ERR_ISDIR);
    check_eq(open(dir, O_RDWR), ERR_ISDIR);
    check_eq(unlink(dir), ERR_NOTEMPTY);
    check_eq(unlink("ut_dir/f"), 0);
    check_eq(unlink(dir), 0);
    check_eq(chdir(dir), ERR_NOTEXIST);
    // The root's parent is the root.
    require_eq(chdir("/.."), 0);
    struct stat root, here;
    int r = open("/", O_RDONLY), h = open(".", O_RDONLY);
    check_eq(fstat(r, &root), 0);
    check_eq(fstat(h, &here), 0);
    check_eq(here.ino, root.ino);
    close(r);
    close(h);
}

namespace {
// Counts how often each name appears in the directory listing.
int count_entries(const char* dir, const char* const* names, int* counts, int n, int batch)
{
    for (int i = 0; i < n; i++)
        counts[i] = 0;
    int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return fd;
    struct dirent entries[8];
    int total = 0;
    for (;;) {
        int got = getdents(fd, entries, batch);
        if (got < 0) {
            close(fd);
            return got;
        }
        if (got == 0)
            break;
        for (int e = 0; e < got; e++) {
            if (entries[e].ino == 0)
                continue;
            total++;
            for (int i = 0; i < n; i++)
                if (strcmp(entries[e].name, names[i]) == 0)
                    counts[i]++;
        }
    }
    close(fd);
    return total;
}
} // namespace

void dir_listing()
{
    const char* dir = "ut_ls";
    const char* const names[] = {".", "..", "a", "bb", "ccc"};
    const char* const paths[] = {"ut_ls/a", "ut_ls/bb", "ut_ls/ccc"};
    for (const char* p : paths)
        unlink(p);
    remove_stale(dir);
    require_eq(mkdir(dir), 0);
    for (const char* p : paths)
        require_eq(write_file(p, "x", 1), 0);
    int counts[5];
    const int batches[] = {8, 1};
    for (int batch : batches) {
        int total = count_entries(dir, names, counts, 5, batch);
        check_eq(total, 5);
        for (int i = 0; i < 5; i++)
            check(counts[i] == 1, "batch %d: '%s' listed %d times", batch, names[i], counts[i]);
    }
    check_eq(unlink("ut_ls/bb"), 0);
    check_eq(count_entries(dir, names, counts, 5, 8), 4);
    check_eq(counts[3], 0);
    int file = open("ut_ls/a", O_RDONLY);
    struct dirent d;
    check_eq(getdents(file, &d, 1), ERR_NOTDIR);
    close(file);
    unlink("ut_ls/a");
    unlink("ut_ls/ccc");
    check_eq(unlink(dir), 0);
}

void name_errors()
{
    char long_name[DIRENT_NAME_MAX + 10];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    check_eq(open(long_name, O_CREAT | O_RDWR), ERR_NAMETOOLONG);
    check_eq(mkdir(long_name), ERR_NAMETOOLONG);
    // The longest name that fits works.
    long_name[DIRENT_NAME_MAX - 1] = 0;
    int fd = open(long_name, O_CREAT | O_RDWR);
    check(fd >= 0, "%d-byte name: %s", DIRENT_NAME_MAX - 1, errname(fd));
    close(fd);
    unlink(long_name);
    check_eq(mkdir("/"), ERR_EXIST);
    int r = unlink("/");
    check(is_err(r), "unlink(\"/\") returned %d", r);
    r = unlink(".");
    check(is_err(r), "unlink(\".\") returned %d", r);
    check_eq(open("ut_no_dir/file", O_CREAT | O_RDWR), ERR_NOTEXIST);
    check_eq(mkdir("ut_no_dir/sub"), ERR_NOTEXIST);
    check_eq(open("/bin/echoargs/x", O_RDONLY), ERR_NOTDIR);
}

void fstat_types()
{
    struct stat st;
    check_eq(fstat(0, &st), 0);
    check_eq(st.type, T_DEVICE);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(fstat(fds[0], &st), 0);
    check_eq(st.type, T_PIPE);
    close(fds[0]);
    close(fds[1]);
    int dir = open("/", O_RDONLY);
    check_eq(fstat(dir, &st), 0);
    check_eq(st.type, T_DIR);
    close(dir);
    int file = open("/bin/echoargs", O_RDONLY);
    check_eq(fstat(file, &st), 0);
    check_eq(st.type, T_FILE);
    check(st.size > 1000, "echoargs is %lu bytes", (unsigned long)st.size);
    close(file);
}
