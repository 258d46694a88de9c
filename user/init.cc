/*
 * init: the first user process (pid 1).
 *
 * It gives every later process a console on fds 0, 1 and 2, then either
 * runs one program for a test run or keeps a shell alive. Its argv holds
 * the kernel's boot-argument words:
 *   run=<prog>     run /bin/<prog>, wait for it, then power off with its
 *                  exit status (0 on success): how the test runner drives
 *                  in-guest suites;
 *   args=a,b,c     extra arguments for <prog>.
 * Without run=, init starts /bin/sh and restarts it whenever it exits.
 * Orphans are re-parented to init; it reaps them in the same wait loop.
 */
#include "ulib.h"

namespace {

constexpr int MAX_ARGS = 32;

void open_console()
{
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0) {
        mkdir("/dev"); // may exist already; mknod reports any real trouble
        int r = mknod("/dev/console", DEV_CONSOLE, 0);
        if (r < 0 && r != ERR_EXIST)
            exit(1); // no console to complain on; the kernel reports init's exit
        fd = open("/dev/console", O_RDWR);
        if (fd < 0)
            exit(1);
    }
    // The first process starts with no descriptors, so this is fd 0.
    while (fd < 2)
        fd = dup(0);
    if (fd > 2)
        close(fd);
}

// Finds "key=value" among the words; returns value or nullptr.
const char* boot_value(int argc, char** argv, const char* key)
{
    size_t n = strlen(key);
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
            return argv[i] + n + 1;
    return nullptr;
}

// Waits until `pid` exits, reaping any orphan that ends meanwhile.
int wait_for(int pid)
{
    for (;;) {
        int status = 0;
        int r = wait(&status);
        if (r == pid)
            return status;
        if (r < 0) {
            fprintf(STDERR_FILENO, "init: wait: %s\n", errstr(r));
            return r;
        }
    }
}

int start(const char* path, char** argv)
{
    int pid = fork();
    if (pid == 0) {
        int r = exec(path, argv);
        fprintf(STDERR_FILENO, "init: cannot run %s: %s\n", path, errstr(r));
        exit(127);
    }
    if (pid < 0)
        fprintf(STDERR_FILENO, "init: fork: %s\n", errstr(pid));
    return pid;
}

[[noreturn]] void run_once(const char* prog, const char* args)
{
    static char path[128];
    static char arg_copy[256];
    char* argv[MAX_ARGS + 2];
    int argc = 0;
    snprintf(path, sizeof path, "/bin/%s", prog);
    argv[argc++] = const_cast<char*>(prog);
    if (args) {
        strlcpy(arg_copy, args, sizeof arg_copy);
        char* p = arg_copy;
        while (*p && argc < MAX_ARGS) {
            argv[argc++] = p;
            char* comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = 0;
            p = comma + 1;
        }
    }
    argv[argc] = nullptr;

    int pid = start(path, argv);
    int code = 127;
    if (pid > 0) {
        int status = wait_for(pid);
        if (status >= 0 && WIFEXITED(status))
            code = WEXITSTATUS(status);
        else
            code = 255; // killed: never report success
        printf("init: %s exited with status %d%s\n", prog, code,
               status >= 0 && WIFKILLED(status) ? " (killed)" : "");
    }
    poweroff(code);
    for (;;)
        sleep(1000);
}

[[noreturn]] void keep_shell_alive()
{
    char* argv[] = {const_cast<char*>("sh"), nullptr};
    for (;;) {
        int pid = start("/bin/sh", argv);
        if (pid < 0) {
            sleep(1000); // out of processes: try again later
            continue;
        }
        int status = wait_for(pid);
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            sleep(1000); // the shell cannot start: do not spin
    }
}

} // namespace

int main(int argc, char** argv)
{
    open_console();
    const char* prog = boot_value(argc, argv, "run");
    if (prog && *prog)
        run_once(prog, boot_value(argc, argv, "args"));
    keep_shell_alive();
}
