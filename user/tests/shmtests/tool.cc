/*
 * shmtests: the shm tool (/bin/shm), run through fork and exec with its
 * output captured through a pipe: create, write, cat, rm, ls and maps do
 * what they say, and errors give the documented exit statuses.
 */
#include "cases.h"

namespace {
char g_out[4096];

char* arg(const char* s) { return const_cast<char*>(s); }

// Runs /bin/shm with up to five arguments; returns its exit status (or
// 255 if it was killed), with the output in g_out.
int shm_tool(const char* a1, const char* a2 = nullptr, const char* a3 = nullptr, const char* a4 = nullptr,
             const char* a5 = nullptr)
{
    char* argv[] = {arg("shm"), arg(a1), arg(a2), arg(a3), arg(a4), arg(a5), nullptr};
    int status = 0;
    long n = test_run_capture("/bin/shm", argv, g_out, sizeof g_out, &status);
    if (n < 0)
        return -1;
    return WIFKILLED(status) ? 255 : WEXITSTATUS(status);
}

// The line of g_out that starts with `prefix`, copied into line; false if none.
bool find_line(const char* prefix, char* line, size_t size)
{
    size_t plen = strlen(prefix);
    for (char* p = g_out; *p;) {
        char* end = strchr(p, '\n');
        size_t len = end ? size_t(end - p) : strlen(p);
        if (len >= plen && strncmp(p, prefix, plen) == 0) {
            size_t n = len < size - 1 ? len : size - 1;
            memcpy(line, p, n);
            line[n] = 0;
            return true;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

// Splits line into whitespace-separated words; returns how many.
int split(char* line, char** words, int max)
{
    int n = 0;
    for (char* p = line; *p && n < max;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        words[n++] = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
    }
    return n;
}
} // namespace

void tool_create_write_cat_rm()
{
    ShmCounts before = shm_counts();
    check_eq(shm_tool("create", "tool.a", "8K", "-p"), 0);
    check(g_out[0] == 0, "create printed \"%s\"", g_out);
    struct shm_info info;
    require(find_region_info("tool.a", &info), "shm create made nothing");
    check_eq(info.size, 8192);
    check(info.flags & SHM_INFO_PERSIST, "flags 0x%x", info.flags);
    check_eq(shm_tool("write", "tool.a", "0", "hello"), 0);
    check_eq(shm_tool("write", "tool.a", "4094", "across"), 0); // over the page boundary
    check_eq(shm_tool("cat", "tool.a", "0", "5"), 0);
    check(strcmp(g_out, "hello\n") == 0, "cat printed \"%s\"", g_out);
    check_eq(shm_tool("cat", "tool.a", "4094", "6"), 0);
    check(strcmp(g_out, "across\n") == 0, "cat across pages printed \"%s\"", g_out);
    check_eq(shm_tool("cat", "tool.a"), 0);
    check(strcmp(g_out, "hello\n") == 0, "cat of the whole region printed \"%s\"", g_out);
    // What the tool wrote is in the region.
    char* p = map_region("tool.a");
    if (p) {
        check(memcmp(p, "hello", 5) == 0 && memcmp(p + 4094, "across", 6) == 0, "region holds \"%s\"", p);
        strcpy(p + 100, "from the test");
        check_eq(destroyMapping("tool.a", p), ERR_OK);
    }
    check_eq(shm_tool("cat", "tool.a", "100", "13"), 0);
    check(strcmp(g_out, "from the test\n") == 0, "cat printed \"%s\"", g_out);
    check_eq(shm_tool("rm", "tool.a"), 0);
    check(!find_region_info("tool.a", &info), "shm rm left the region");
    // Without -p the region dies with the tool, as the tool's doc says.
    check_eq(shm_tool("create", "tool.b", "4096"), 0);
    check(!find_region_info("tool.b", &info), "a non-persistent region outlived shm create");
    check_counts_back(before, "after rm");
}

void tool_ls_shows_region()
{
    require_eq(createSharedRegion("tool.ls", 3 * PAGE, RS_PERSIST), ERR_OK);
    char* p = map_region("tool.ls");
    require(p, "no mapping");
    p[0] = p[2 * PAGE] = 1;
    require_eq(lockSharedRegion("tool.ls"), ERR_OK);
    require_eq(createSharedRegion("tool.ls\ttab", PAGE, 0), ERR_OK);
    check_eq(shm_tool("ls"), 0);
    check(strncmp(g_out, "NAME", 4) == 0, "no header: \"%s\"", g_out);
    char line[256];
    if (check(find_line("tool.ls ", line, sizeof line), "no line for tool.ls in:\n%s", g_out)) {
        // NAME SIZE RESIDENT HANDLES VIEWS FLAGS... CREATOR LOCK
        char* w[12];
        int n = split(line, w, 12);
        require(n >= 8, "line \"%s\"", line);
        check(strcmp(w[1], "12288") == 0, "size %s", w[1]);
        check(strcmp(w[2], "2") == 0, "resident %s", w[2]);
        check(strcmp(w[3], "0") == 0, "handles %s", w[3]);
        check(strcmp(w[4], "1") == 0, "views %s (the tool's own inherited view must be gone after exec)", w[4]);
        check(strcmp(w[5], "persist") == 0, "flags %s", w[5]);
        check_eq(atoi(w[n - 2]), getpid());
        check_eq(atoi(w[n - 1]), getpid());
    }
    check(find_line("tool.ls\\ttab", line, sizeof line), "the tab is not shown as \\t:\n%s", g_out);
    check_eq(unlockSharedRegion("tool.ls"), ERR_OK);
    check_eq(destroyMapping("tool.ls", p), ERR_OK);
    check_eq(destroySharedRegion("tool.ls"), ERR_OK);
    check_eq(destroySharedRegion("tool.ls\ttab"), ERR_OK);
    check_eq(shm_tool("ls"), 0);
    check(!find_line("tool.ls", line, sizeof line), "destroyed regions still listed:\n%s", g_out);
}

void tool_maps_shows_views()
{
    int fd = shm_open("tool.maps", O_RDWR | O_CREAT | O_EXCL, 4 * PAGE, 0, nullptr);
    require(fd >= 0, "shm_open");
    char* a = map_region("tool.maps");
    char* b = map_fd(fd, PAGE, PROT_READ, MAP_SHARED, 2 * PAGE);
    require(a && !mmap_failed(b), "mappings");
    a[0] = 1;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", getpid());
    check_eq(shm_tool("maps", pid), 0);
    char prefix[40], line[256];
    snprintf(prefix, sizeof prefix, "0x%016lx", (unsigned long)uintptr_t(a));
    if (check(find_line(prefix, line, sizeof line), "no line for %s in:\n%s", prefix, g_out)) {
        char* w[10];
        int n = split(line, w, 10);
        check(n == 7 && !strcmp(w[2], "rw-s") && !strcmp(w[3], "shm") && !strcmp(w[4], "0") && !strcmp(w[5], "1") &&
                  !strcmp(w[6], "tool.maps"),
              "line \"%s\"", line);
    }
    snprintf(prefix, sizeof prefix, "0x%016lx", (unsigned long)uintptr_t(b));
    if (check(find_line(prefix, line, sizeof line), "no line for %s in:\n%s", prefix, g_out)) {
        char* w[10];
        int n = split(line, w, 10);
        check(n == 7 && !strcmp(w[2], "r--s") && !strcmp(w[4], "2000") && !strcmp(w[6], "tool.maps"), "line \"%s\"",
              line);
    }
    check_eq(shm_tool("maps", "999999"), 1);
    check_eq(munmap(b, PAGE), 0);
    check_eq(destroyMapping("tool.maps", a), ERR_OK);
    close(fd);
}

void tool_errors()
{
    check_eq(shm_tool("rm", "tool.none"), 1);
    check(strstr(g_out, "ERR_NOTEXIST") != nullptr, "rm of a missing region said \"%s\"", g_out);
    check_eq(shm_tool("cat", "tool.none"), 1);
    check_eq(shm_tool("write", "tool.none", "0", "x"), 1);
    check_eq(shm_tool("create", "tool.e", "0"), 1);
    check(strstr(g_out, "ERR_INVAL") != nullptr, "create of size 0 said \"%s\"", g_out);
    check_eq(shm_tool("create", "tool.e", "12X"), 2);
    check_eq(shm_tool("create", "tool.e", "4096", "-x"), 2);
    check_eq(shm_tool("bogus"), 2);
    check(strstr(g_out, "usage") != nullptr, "no usage line: \"%s\"", g_out);
    // Out of range writes and reads are refused without touching anything.
    check_eq(shm_tool("create", "tool.small", "4096", "-p"), 0);
    check_eq(shm_tool("write", "tool.small", "4090", "0123456789"), 1);
    check_eq(shm_tool("cat", "tool.small", "4000", "200"), 1);
    check_eq(shm_tool("create", "tool.small", "4096", "-p"), 1);
    check(strstr(g_out, "ERR_EXIST") != nullptr, "second create said \"%s\"", g_out);
    check_eq(shm_tool("rm", "tool.small"), 0);
}
