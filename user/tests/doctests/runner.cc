/*
 * Runs the examples of the docs (runner.h). Each program's output goes to
 * a file of its own in /tmp, so two programs running at once never mix
 * their lines, and nothing blocks on a full pipe while the runner waits
 * for the other one.
 */
#include "runner.h"
#include "test.h"

namespace {

constexpr size_t OUTPUT_MAX = 16384;
const char SCRIPT[] = "/tmp/doctest-session.sh";

struct Started {
    int pid;
    char output_path[64];
};

// Starts p with stdout and stderr in a file of its own.
Started start(const doc_program* p, int slot)
{
    Started s = {};
    snprintf(s.output_path, sizeof s.output_path, "/tmp/doctest-%d.out", slot);
    unlink(s.output_path);
    s.pid = fork();
    require(s.pid >= 0, "fork: %s", errname(s.pid));
    if (s.pid == 0) {
        // fd 0 stays open, so the file becomes fd 1 and its copy fd 2.
        close(1);
        close(2);
        if (open(s.output_path, O_CREAT | O_RDWR | O_TRUNC) != 1 || dup(1) != 2)
            exit(120);
        int r = exec(p->argv[0], p->argv);
        fprintf(2, "exec %s: %s\n", p->argv[0], errstr(r));
        exit(121);
    }
    return s;
}

// Reads what the program wrote (NUL-terminated) and removes the file.
void collect(const Started& s, char* out, size_t size)
{
    out[0] = 0;
    int fd = open(s.output_path, O_RDONLY);
    if (fd >= 0) {
        long n = read(fd, out, size - 1);
        out[n > 0 ? n : 0] = 0;
        close(fd);
    }
    unlink(s.output_path);
}

// The last lines of a program's output, for a failure message.
const char* tail(const char* text)
{
    size_t n = strlen(text);
    return n > 600 ? text + n - 600 : text;
}

void judge(const doc_program* p, int status, const char* output, const char* how)
{
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s (%s%s): %s %d; output:\n%s", p->argv[0], p->where,
          how, WIFKILLED(status) ? "killed, status" : "exit status", WEXITSTATUS(status), tail(output));
    for (const char* const* e = p->expect; *e; e++)
        check(strstr(output, *e), "%s (%s%s) never printed \"%s\"; output:\n%s", p->argv[0], p->where, how, *e,
              tail(output));
}

void run_alone(const doc_program* p, const char* how)
{
    static char output[OUTPUT_MAX];
    Started s = start(p, 0);
    int status = test_wait_status(s.pid);
    collect(s, output, sizeof output);
    judge(p, status, output, how);
}

// `*` in the pattern matches any run of characters.
bool glob_match(const char* pattern, const char* text)
{
    if (!*pattern)
        return !*text;
    if (*pattern == '*')
        return glob_match(pattern + 1, text) || (*text && glob_match(pattern, text + 1));
    return *text == *pattern && glob_match(pattern + 1, text + 1);
}

// Copies the next line of *cursor into line with whitespace runs made one
// space and the ends trimmed; advances *cursor. False at the end.
bool next_line(const char** cursor, char* line, size_t size)
{
    const char* p = *cursor;
    if (!*p)
        return false;
    size_t n = 0;
    bool space = false;
    for (; *p && *p != '\n'; p++) {
        bool blank = *p == ' ' || *p == '\t' || *p == '\r';
        if (blank) {
            space = n > 0;
            continue;
        }
        if (space && n + 1 < size)
            line[n++] = ' ';
        space = false;
        if (n + 1 < size)
            line[n++] = *p;
    }
    line[n] = 0;
    *cursor = *p ? p + 1 : p;
    return true;
}

// The output of command i, from its start marker to its status line (which
// gives *status), searched from *rest; cuts it out of the text (a NUL at its
// end) and moves *rest past it.
const char* section(char** rest, int i, int* status)
{
    char marker[32];
    snprintf(marker, sizeof marker, "@@doc %d\n", i);
    char* start = strstr(*rest, marker);
    if (!start)
        return nullptr;
    start += strlen(marker);
    char* end = strstr(start, "@@status ");
    if (!end)
        return nullptr;
    *status = atoi(end + 9);
    char* after = strchr(end, '\n');
    *rest = after ? after + 1 : end + strlen(end);
    *end = 0;
    return start;
}

} // namespace

void doc_run(const doc_program* p) { run_alone(p, ""); }

void doc_run_sequence(const doc_program* const* chain, int n)
{
    for (int i = 0; i < n; i++)
        run_alone(chain[i], ", in sequence");
}

void doc_run_together(const doc_program* a, const doc_program* b)
{
    static char output[OUTPUT_MAX];
    for (int order = 0; order < 2; order++) {
        const doc_program* first = order ? b : a;
        const doc_program* second = order ? a : b;
        const char* how = order ? ", started second" : ", started first";
        const char* how_other = order ? ", started first" : ", started second";
        Started s1 = start(first, 1);
        sleep(50); // the first is well on its way before the second starts
        Started s2 = start(second, 2);
        int status1 = test_wait_status(s1.pid);
        int status2 = test_wait_status(s2.pid);
        collect(s1, output, sizeof output);
        judge(first, status1, output, order ? how_other : how);
        collect(s2, output, sizeof output);
        judge(second, status2, output, order ? how : how_other);
    }
}

void doc_console(const doc_command* commands, int n, const char* where)
{
    // One shell runs the whole session, as at the prompt; markers split its
    // output per command, with each command's exit status.
    int fd = open(SCRIPT, O_CREAT | O_RDWR | O_TRUNC);
    require(fd >= 0, "create %s: %s", SCRIPT, errname(fd));
    for (int i = 0; i < n; i++) {
        char text[600];
        snprintf(text, sizeof text, "echo '@@doc %d'\n%s\necho \"@@status $?\"\n", i, commands[i].line);
        require(write(fd, text, strlen(text)) == long(strlen(text)), "write %s", SCRIPT);
    }
    close(fd);
    static char output[4 * OUTPUT_MAX];
    char* argv[] = {(char*)"sh", (char*)SCRIPT, nullptr};
    int status = 0;
    long len = test_run_capture("/bin/sh", argv, output, sizeof output, &status);
    unlink(SCRIPT);
    require(len >= 0, "sh %s: %s", SCRIPT, errname(int(len)));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the shell exited with status %#x", where, status);
    char* rest = output;
    for (int i = 0; i < n; i++) {
        int cmd_status = -1;
        const char* out = section(&rest, i, &cmd_status);
        if (!check(out, "%s: `%s` never finished; output:\n%s", where, commands[i].line, tail(output)))
            return;
        check(cmd_status == 0, "%s: `%s` exited with status %d; output:\n%s", where, commands[i].line, cmd_status,
              out);
        if (!commands[i].check_output || !commands[i].output[0])
            continue;
        const char* cursor = out;
        char line[512];
        int k = 0;
        while (next_line(&cursor, line, sizeof line)) {
            if (!line[0])
                continue;
            const char* want = commands[i].output[k];
            if (!check(want, "%s: `%s` printed more than the doc shows: \"%s\"", where, commands[i].line, line))
                break;
            check(glob_match(want, line), "%s: `%s` printed \"%s\" where the doc shows \"%s\"", where,
                  commands[i].line, line, want);
            k++;
        }
        check(!commands[i].output[k], "%s: `%s` did not print \"%s\"", where, commands[i].line,
              commands[i].output[k] ? commands[i].output[k] : "");
    }
}
