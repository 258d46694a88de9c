/*
 * mmaptests: mmap's arguments for descriptors (each refused with its own
 * code, nothing mapped), and mcat, which prints files by mapping them.
 */
#include "cases.h"

void mmap_bad_arguments()
{
    const char* path = "/mt_badargs";
    int fd = make_file(path, 2 * PAGE, 127);
    const int R = PROT_READ;
    check_eq(map_error(map_file(fd, PAGE, R, MAP_SHARED, 100)), ERR_INVAL);     // unaligned offset
    check_eq(map_error(map_file(fd, PAGE, R, MAP_SHARED, -PAGE)), ERR_INVAL);   // negative offset
    check_eq(map_error(map_file(fd, 0, R, MAP_SHARED, 0)), ERR_INVAL);          // length 0
    check_eq(map_error(map_file(fd, PAGE, R, MAP_SHARED, 4 * PAGE)), ERR_INVAL); // starts past the end
    check_eq(map_error(map_file(fd, PAGE, R, 0, 0)), ERR_INVAL);                 // neither shared nor private
    check_eq(map_error(map_file(77, PAGE, R, MAP_SHARED, 0)), ERR_BADF);
    check_eq(map_error(map_file(-1, PAGE, R, MAP_SHARED, 0)), ERR_BADF);
    int dir = open_or_stop("/", O_RDONLY);
    check_eq(map_error(map_file(dir, PAGE, R, MAP_SHARED, 0)), ERR_ISDIR);
    check_eq(map_error(map_file(dir, PAGE, R, MAP_PRIVATE, 0)), ERR_ISDIR);
    close(dir);
    int wo = open_or_stop(path, O_WRONLY);
    check_eq(map_error(map_file(wo, PAGE, R, MAP_SHARED, 0)), ERR_ACCESS);
    close(wo);
    int fds[2];
    require_eq(pipe(fds), 0);
    check_eq(map_error(map_file(fds[0], PAGE, R, MAP_SHARED, 0)), ERR_INVAL);
    close(fds[0]);
    close(fds[1]);
    int console = open("/dev/console", O_RDWR);
    if (console >= 0) {
        check_eq(map_error(map_file(console, PAGE, R, MAP_SHARED, 0)), ERR_INVAL);
        close(console);
    }
    // MAP_FIXED never replaces a mapping.
    char* p = map_or_stop(fd, 2 * PAGE, R, MAP_SHARED, 0);
    check_eq(map_error(mmap(p, PAGE, R, MAP_SHARED | MAP_FIXED, fd, 0)), ERR_NOMEM);
    check_pattern(p, 2 * PAGE, 127, 0, "the mapping MAP_FIXED tried to replace");
    check_eq(munmap(p, 2 * PAGE), 0);
    // Executable views are fine (the descriptor is readable).
    p = map_file(fd, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0);
    check(!mmap_failed(p), "PROT_EXEC view: %s", errname(map_error(p)));
    if (!mmap_failed(p))
        munmap(p, PAGE);
    close(fd);
    unlink(path);
}

void mcat_prints_files()
{
    const char* path = "/mt_mcat";
    const size_t size = 2 * PAGE + 321;
    close(make_file(path, size, 'a'));
    static char out[4 * PAGE];
    int status = 0;
    char* argv[] = {const_cast<char*>("mcat"), const_cast<char*>(path), nullptr};
    long n = test_run_capture("/bin/mcat", argv, out, sizeof out, &status);
    check_eq(n, long(size));
    check_pattern(out, size_t(n > 0 ? n : 0) < size ? size_t(n > 0 ? n : 0) : size, 'a', 0, "mcat's output");
    check_eq(status, 0);
    // Two files, one of them empty.
    const char* empty = "/mt_mcat_empty";
    int fd = open(empty, O_CREAT | O_TRUNC | O_RDWR);
    require(fd >= 0, "create: %s", errname(fd));
    close(fd);
    char* argv2[] = {const_cast<char*>("mcat"), const_cast<char*>(empty), const_cast<char*>(path), nullptr};
    n = test_run_capture("/bin/mcat", argv2, out, sizeof out, &status);
    check_eq(n, long(size));
    check_eq(status, 0);
    // A missing file: a message and a failure status; a directory likewise.
    char* argv3[] = {const_cast<char*>("mcat"), const_cast<char*>("/mt_no_such_file"), nullptr};
    test_run_capture("/bin/mcat", argv3, out, sizeof out, &status);
    check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0, "missing file: status 0x%x", status);
    check(strstr(out, "mt_no_such_file") != nullptr, "no message naming the file: \"%s\"", out);
    char* argv4[] = {const_cast<char*>("mcat"), const_cast<char*>("/"), nullptr};
    test_run_capture("/bin/mcat", argv4, out, sizeof out, &status);
    check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0, "directory: status 0x%x", status);
    unlink(empty);
    unlink(path);
}
