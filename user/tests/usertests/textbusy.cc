/*
 * usertests: a running program's file does not change (issue 13, bug 3).
 *
 * Program segments are paged in from the file long after exec, so a writer
 * could once change a running program under it: its initialised data read
 * as zeros after an overwrite, and O_TRUNC killed it ("bad load"). As on
 * Linux, a file has writers or running programs, never both: opening it
 * for writing, truncating it or mapping it shared and writable while a
 * program runs from it, and running it while it is open for writing (or
 * has a shared writable view, or backs a writable region), give ERR_TXTBSY.
 */
#include "cases.h"
#include "shm.h"

namespace {

const char* const PROG = "/txtbsy_sleep";

char* arg(const char* s) { return const_cast<char*>(s); }

// Copies /bin/sleep to PROG, so that the cases own the file they lock.
void make_program()
{
    int in = open("/bin/sleep", O_RDONLY);
    require(in >= 0, "open /bin/sleep: %s", errname(in));
    int out = open(PROG, O_CREAT | O_RDWR | O_TRUNC);
    require(out >= 0, "create %s: %s", PROG, errname(out));
    static char buf[4096];
    for (;;) {
        long n = read(in, buf, sizeof buf);
        require(n >= 0, "read: %s", errname(int(n)));
        if (n == 0)
            break;
        require_eq(write(out, buf, size_t(n)), n);
    }
    close(in);
    close(out);
}

bool process_named(const char* name, int pid)
{
    static struct procinfo table[64];
    int n = procinfo(table, 64);
    for (int i = 0; i < n; i++)
        if (table[i].pid == pid && strcmp(table[i].name, name) == 0)
            return true;
    return false;
}

// Starts PROG (sleeping `ms`) in a child and waits until it runs.
int start_program(const char* ms)
{
    int pid = fork();
    if (pid == 0) {
        char* argv[] = {arg("txtbsy_sleep"), arg(ms), nullptr};
        exec(PROG, argv);
        exit(99);
    }
    require(pid > 0, "fork: %s", errname(pid));
    for (int i = 0; i < 5000 && !process_named("txtbsy_sleep", pid); i++)
        sleep(1);
    require(process_named("txtbsy_sleep", pid), "the program never started");
    return pid;
}

// exec(PROG) in a child: its result (the child exits with -result).
int exec_result()
{
    int pid = fork();
    if (pid == 0) {
        char* argv[] = {arg("txtbsy_sleep"), arg("0ms"), nullptr};
        int r = exec(PROG, argv);
        exit(-r);
    }
    int status = 0;
    waitpid(pid, &status);
    if (!WIFEXITED(status))
        return 1000;
    return -WEXITSTATUS(status);
}

} // namespace

void text_busy_while_running()
{
    make_program();
    int pid = start_program("30000ms");
    check_eq(open(PROG, O_RDWR), ERR_TXTBSY);
    check_eq(open(PROG, O_WRONLY), ERR_TXTBSY);
    check_eq(open(PROG, O_WRONLY | O_TRUNC), ERR_TXTBSY);
    check_eq(open(PROG, O_RDWR | O_CREAT), ERR_TXTBSY);
    // So is this suite's own file: every case runs in a forked copy of it.
    check_eq(open("/bin/usertests", O_WRONLY), ERR_TXTBSY);
    // Reading is fine, and so is a private view (its writes are its own).
    int fd = open(PROG, O_RDONLY);
    check(fd >= 0, "open read-only: %s", errname(fd));
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check(!mmap_failed(p), "a private view: %s", errname(int(intptr_t(p))));
    if (!mmap_failed(p))
        munmap(p, 4096);
    // Nor can a region over it be writable.
    check_eq(shm_open_file("txtbsy.r", fd, O_RDWR | O_CREAT, 0, 0, nullptr), ERR_ACCESS);
    close(fd);
    // Two running copies lock it no more than one.
    int second = start_program("30000ms");
    check_eq(kill(pid), ERR_OK);
    waitpid(pid, nullptr);
    check_eq(open(PROG, O_RDWR), ERR_TXTBSY);
    check_eq(kill(second), ERR_OK);
    waitpid(second, nullptr);
    // Once no program runs from it, it may be written again.
    int w = open(PROG, O_RDWR);
    check(w >= 0, "open for writing after the programs ended: %s", errname(w));
    close(w);
    check_eq(unlink(PROG), ERR_OK);
}

void text_busy_while_open_for_writing()
{
    make_program();
    int w = open(PROG, O_RDWR);
    require(w >= 0, "open for writing: %s", errname(w));
    check_eq(exec_result(), ERR_TXTBSY);
    // A shared writable view outlives its descriptor and still counts.
    void* v = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
    require(!mmap_failed(v), "a shared writable view: %s", errname(int(intptr_t(v))));
    close(w);
    check_eq(exec_result(), ERR_TXTBSY);
    // So does a fork's copy of it.
    int child = fork();
    if (child == 0) {
        sleep(300);
        exit(0);
    }
    check_eq(munmap(v, 4096), ERR_OK);
    check_eq(exec_result(), ERR_TXTBSY); // the child's view
    waitpid(child, nullptr);
    check_eq(exec_result(), 0);
    // A writable region backed by the file counts until it is gone.
    w = open(PROG, O_RDWR);
    require(w >= 0, "open again: %s", errname(w));
    int h = shm_open_file("txtbsy.r", w, O_RDWR | O_CREAT, 0, 0, nullptr);
    require(h >= 0, "shm_open_file: %s", errname(h));
    close(w);
    check_eq(exec_result(), ERR_TXTBSY);
    check_eq(shm_unlink("txtbsy.r"), ERR_OK);
    close(h);
    check_eq(exec_result(), 0);
    check_eq(unlink(PROG), ERR_OK);
}
