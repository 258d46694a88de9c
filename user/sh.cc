/*
 * sh: the Tandem shell.
 *
 *   sh              interactive: prompt "$ " when input is the console
 *   sh FILE         run the commands in FILE
 *   sh -c LINE      run one command line
 *
 * Pipes (|), redirection (< > >>), sequences (;), background jobs (&),
 * quotes, $? (the last exit status) and the built-ins cd, exit and help.
 * Commands without a slash are looked up in /bin. The parser is in
 * sh/parse.cc.
 *
 * Background jobs are started through a short-lived intermediate child that
 * exits at once, so the job is re-parented to init, which reaps it: the
 * shell never has to poll for finished jobs.
 */
#include "sh/parse.h"
#include "ulib.h"

namespace {

constexpr size_t LINE_MAX = 512;
constexpr int STATUS_KILLED = 137;   // as POSIX shells report a SIGKILL
constexpr int STATUS_NOT_FOUND = 127;
constexpr int STATUS_CANNOT_RUN = 126;

int g_last_status = 0;

const char HELP[] =
    "Tandem shell. Syntax:\n"
    "  cmd args...          run /bin/cmd (or a path with a slash)\n"
    "  cmd < in > out       redirect input, output (>> appends)\n"
    "  a | b | c            pipeline\n"
    "  a ; b                one after the other\n"
    "  a &                  in the background\n"
    "  'x y' \"x $?\" \\x      quoting; $? is the last exit status\n"
    "Built-ins: cd [dir], exit [status], help.\n"
    "Programs: ls /bin.\n";

int status_code(int wait_status)
{
    if (wait_status < 0)
        return STATUS_CANNOT_RUN;
    if (WIFKILLED(wait_status))
        return STATUS_KILLED;
    return WEXITSTATUS(wait_status);
}

// Makes fd become target (fds below target must be open), like dup2.
bool move_fd(int fd, int target)
{
    if (fd == target)
        return true;
    close(target);
    int r = dup(fd);
    close(fd);
    return r == target;
}

[[noreturn]] void exec_command(const sh::Command& c)
{
    const char* name = c.argv[0];
    char path[128];
    if (strchr(name, '/'))
        strlcpy(path, name, sizeof path);
    else
        snprintf(path, sizeof path, "/bin/%s", name);
    int r = exec(path, c.argv);
    if (r == ERR_NOTEXIST) {
        fprintf(STDERR_FILENO, "sh: %s: command not found (try 'help')\n", name);
        exit(STATUS_NOT_FOUND);
    }
    fprintf(STDERR_FILENO, "sh: %s: %s\n", name, errstr(r));
    exit(STATUS_CANNOT_RUN);
}

// In the child: applies the command's own redirections (they win over pipes).
bool redirect(const sh::Command& c)
{
    if (c.input) {
        int fd = open(c.input, O_RDONLY);
        if (fd < 0 || !move_fd(fd, 0)) {
            fprintf(STDERR_FILENO, "sh: %s: %s\n", c.input, errstr(fd < 0 ? fd : ERR_BADF));
            return false;
        }
    }
    if (c.output) {
        int flags = O_WRONLY | O_CREAT | (c.append ? O_APPEND : O_TRUNC);
        int fd = open(c.output, flags);
        if (fd < 0 || !move_fd(fd, 1)) {
            fprintf(STDERR_FILENO, "sh: %s: %s\n", c.output, errstr(fd < 0 ? fd : ERR_BADF));
            return false;
        }
    }
    return true;
}

// Starts every command of the job; stores their pids. Returns how many
// started (all of them unless fork or pipe failed).
int start_job(const sh::Job& job, int* pids)
{
    int input = -1; // read end of the previous pipe
    int started = 0;
    for (int i = 0; i < job.count; i++) {
        int fds[2] = {-1, -1};
        if (i + 1 < job.count) {
            int r = pipe(fds);
            if (r < 0) {
                fprintf(STDERR_FILENO, "sh: pipe: %s\n", errstr(r));
                break;
            }
        }
        int pid = fork();
        if (pid == 0) {
            if (input >= 0)
                move_fd(input, 0);
            if (fds[1] >= 0) {
                close(fds[0]);
                move_fd(fds[1], 1);
            }
            if (!redirect(job.commands[i]))
                exit(1);
            exec_command(job.commands[i]);
        }
        if (input >= 0)
            close(input);
        if (fds[1] >= 0)
            close(fds[1]);
        input = fds[0];
        if (pid < 0) {
            fprintf(STDERR_FILENO, "sh: fork: %s\n", errstr(pid));
            break;
        }
        pids[started++] = pid;
    }
    if (input >= 0)
        close(input);
    return started;
}

int wait_job(const int* pids, int count)
{
    int last = STATUS_CANNOT_RUN;
    for (int i = 0; i < count; i++) {
        int status = 0;
        int r = waitpid(pids[i], &status);
        last = status_code(r < 0 ? r : status);
    }
    return last;
}

// Returns true if the command was a built-in (and ran it).
bool run_builtin(const sh::Command& c)
{
    const char* name = c.argv[0];
    if (strcmp(name, "cd") == 0) {
        const char* dir = c.argc > 1 ? c.argv[1] : "/";
        int r = chdir(dir);
        if (r < 0)
            fprintf(STDERR_FILENO, "sh: cd: %s: %s\n", dir, errstr(r));
        g_last_status = r < 0 ? 1 : 0;
        return true;
    }
    if (strcmp(name, "exit") == 0) {
        exit(c.argc > 1 ? atoi(c.argv[1]) : g_last_status);
    }
    if (strcmp(name, "help") == 0) {
        fputs(HELP, STDOUT_FILENO);
        g_last_status = 0;
        return true;
    }
    return false;
}

void run_job(const sh::Job& job)
{
    if (job.count == 1 && !job.background && run_builtin(job.commands[0]))
        return;
    int pids[sh::MAX_COMMANDS];
    if (!job.background) {
        int started = start_job(job, pids);
        g_last_status = started == job.count ? wait_job(pids, started) : STATUS_CANNOT_RUN;
        if (started < job.count)
            wait_job(pids, started);
        return;
    }
    int middle = fork();
    if (middle == 0) {
        int started = start_job(job, pids);
        if (started > 0)
            printf("[%d]\n", pids[started - 1]);
        exit(started == job.count ? 0 : 1);
    }
    if (middle < 0) {
        fprintf(STDERR_FILENO, "sh: fork: %s\n", errstr(middle));
        g_last_status = STATUS_CANNOT_RUN;
        return;
    }
    int status = 0;
    waitpid(middle, &status);
    g_last_status = status_code(status);
}

void run_line(const char* text)
{
    static char storage[LINE_MAX * 2];
    static sh::Job job;
    for (;;) {
        const char* rest = text;
        const char* error = sh::parse_job(text, g_last_status, storage, sizeof storage, &job, &rest);
        if (error) {
            fprintf(STDERR_FILENO, "sh: %s\n", error);
            g_last_status = 2;
            return;
        }
        if (job.count == 0)
            return;
        run_job(job);
        text = rest;
    }
}

bool is_console(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.type == T_DEVICE;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        run_line(argv[2]);
        return g_last_status;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(STDERR_FILENO, "usage: sh [FILE | -c LINE]\n");
        return 2;
    }
    int fd = STDIN_FILENO;
    if (argc == 2) {
        fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            fprintf(STDERR_FILENO, "sh: %s: %s\n", argv[1], errstr(fd));
            return 1;
        }
    }
    bool interactive = argc == 1 && is_console(fd);
    char text[LINE_MAX];
    for (;;) {
        if (interactive)
            fputs("$ ", STDOUT_FILENO);
        long n = readline(fd, text, sizeof text);
        if (n < 0)
            break;
        run_line(text);
    }
    return g_last_status;
}
