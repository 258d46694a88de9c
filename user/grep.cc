/*
 * grep: prints the lines that match a pattern.
 *
 *   grep [-v] [-c] [-n] [-i] [-F] PATTERN [FILE...]
 *
 * Patterns are a small regular-expression language: ^ and $ anchor, .
 * matches any character, [abc] [a-z] [^...] are classes, * + ? repeat the
 * previous item, and \ quotes the next character. -F takes the pattern as
 * a fixed string. The matcher backtracks; patterns are short and lines
 * are short, so that is fast enough and simple to follow.
 */
#include "ulib.h"

namespace {

constexpr int MAX_ATOMS = 64;
constexpr int UNLIMITED = 1 << 30;

struct Atom {
    bool any = false;       // .
    bool negate = false;    // [^...]
    bool set[256] = {};     // the characters a literal or class accepts
    int min = 1;
    int max = 1;
};

struct Pattern {
    Atom atoms[MAX_ATOMS];
    int count = 0;
    bool anchor_start = false;
    bool anchor_end = false;
};

struct Options {
    bool invert = false;
    bool count = false;
    bool numbers = false;
    bool ignore_case = false;
    bool fixed = false;
};

Options g_opt;
Pattern g_pattern;
const char* g_fixed = nullptr;

void accept(Atom& a, unsigned char c)
{
    a.set[c] = true;
    if (g_opt.ignore_case) {
        a.set[(unsigned char)tolower(c)] = true;
        a.set[(unsigned char)toupper(c)] = true;
    }
}

// Parses a [...] class starting after '['; returns the character after ']'.
const char* parse_class(const char* p, Atom& a)
{
    if (*p == '^') {
        a.negate = true;
        p++;
    }
    bool first = true;
    while (*p && (*p != ']' || first)) {
        unsigned char lo = (unsigned char)*p++;
        if (*p == '-' && p[1] && p[1] != ']') {
            unsigned char hi = (unsigned char)p[1];
            p += 2;
            for (int c = lo; c <= hi; c++)
                accept(a, (unsigned char)c);
        } else {
            accept(a, lo);
        }
        first = false;
    }
    return *p == ']' ? p + 1 : nullptr;
}

const char* compile(const char* p, Pattern& pat)
{
    if (*p == '^') {
        pat.anchor_start = true;
        p++;
    }
    while (*p) {
        if (p[0] == '$' && p[1] == 0) {
            pat.anchor_end = true;
            break;
        }
        if (pat.count == MAX_ATOMS)
            return "pattern too long";
        Atom& a = pat.atoms[pat.count++];
        char c = *p++;
        if (c == '.') {
            a.any = true;
        } else if (c == '[') {
            p = parse_class(p, a);
            if (!p)
                return "unterminated [";
        } else if (c == '\\' && *p) {
            accept(a, (unsigned char)*p++);
        } else if (c == '*' || c == '+' || c == '?') {
            return "repetition with nothing to repeat";
        } else {
            accept(a, (unsigned char)c);
        }
        if (*p == '*' || *p == '+' || *p == '?') {
            a.min = *p == '+' ? 1 : 0;
            a.max = *p == '?' ? 1 : UNLIMITED;
            p++;
        }
    }
    return nullptr;
}

bool atom_matches(const Atom& a, char c)
{
    if (c == 0)
        return false;
    if (a.any)
        return true;
    return a.set[(unsigned char)c] != a.negate;
}

bool match_here(const Pattern& pat, int i, const char* text)
{
    if (i == pat.count)
        return !pat.anchor_end || *text == 0;
    const Atom& a = pat.atoms[i];
    int n = 0;
    while (n < a.max && atom_matches(a, text[n]))
        n++;
    // Longest first, as greedy matchers do; any length >= min may work.
    for (; n >= a.min; n--)
        if (match_here(pat, i + 1, text + n))
            return true;
    return false;
}

bool regex_match(const Pattern& pat, const char* text)
{
    if (pat.anchor_start)
        return match_here(pat, 0, text);
    for (const char* t = text;; t++) {
        if (match_here(pat, 0, t))
            return true;
        if (*t == 0)
            return false;
    }
}

bool fixed_match(const char* text)
{
    if (!g_opt.ignore_case)
        return strstr(text, g_fixed) != nullptr;
    size_t n = strlen(g_fixed);
    for (const char* t = text;; t++) {
        size_t i = 0;
        while (i < n && t[i] && tolower(t[i]) == tolower(g_fixed[i]))
            i++;
        if (i == n)
            return true;
        if (*t == 0)
            return false;
    }
}

// Greps one input; returns the number of selected lines or an error.
long grep_fd(int fd, const char* name)
{
    static struct line_reader reader;
    static char line[1024];
    line_reader_init(&reader, fd);
    long selected = 0;
    for (long number = 1;; number++) {
        long n = line_reader_next(&reader, line, sizeof line);
        if (n == ERR_END)
            break;
        if (n < 0)
            return n;
        bool hit = g_opt.fixed ? fixed_match(line) : regex_match(g_pattern, line);
        if (hit == g_opt.invert)
            continue;
        selected++;
        if (g_opt.count)
            continue;
        if (name && g_opt.numbers)
            printf("%s:%ld:%s\n", name, number, line);
        else if (name)
            printf("%s:%s\n", name, line);
        else if (g_opt.numbers)
            printf("%ld:%s\n", number, line);
        else
            printf("%s\n", line);
    }
    if (g_opt.count) {
        if (name)
            printf("%s:%ld\n", name, selected);
        else
            printf("%ld\n", selected);
    }
    return selected;
}

int usage()
{
    fprintf(STDERR_FILENO, "usage: grep [-v] [-c] [-n] [-i] [-F] PATTERN [FILE...]\n"
                           "  regex: ^ $ . [a-z] [^x] * + ? \\c;  -F fixed string, -i ignore case,\n"
                           "  -v non-matching lines, -c count, -n line numbers\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char* f = argv[i] + 1; *f; f++) {
            switch (*f) {
            case 'v': g_opt.invert = true; break;
            case 'c': g_opt.count = true; break;
            case 'n': g_opt.numbers = true; break;
            case 'i': g_opt.ignore_case = true; break;
            case 'F': g_opt.fixed = true; break;
            default: return usage();
            }
        }
    }
    if (i >= argc)
        return usage();
    const char* pattern = argv[i++];
    if (g_opt.fixed) {
        g_fixed = pattern;
    } else if (const char* error = compile(pattern, g_pattern)) {
        fprintf(STDERR_FILENO, "grep: %s: %s\n", pattern, error);
        return 2;
    }

    long total = 0;
    bool failed = false;
    if (i == argc) {
        long r = grep_fd(STDIN_FILENO, nullptr);
        failed = r < 0;
        if (failed)
            fprintf(STDERR_FILENO, "grep: %s\n", errstr(int(r)));
        total = r < 0 ? 0 : r;
    }
    bool many = argc - i > 1;
    for (; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        long r = fd < 0 ? fd : grep_fd(fd, many ? argv[i] : nullptr);
        if (fd >= 0)
            close(fd);
        if (r < 0) {
            fprintf(STDERR_FILENO, "grep: %s: %s\n", argv[i], errstr(int(r)));
            failed = true;
            continue;
        }
        total += r;
    }
    // As POSIX grep: 0 if a line was selected, 1 if none, 2 on error.
    return failed ? 2 : total > 0 ? 0 : 1;
}
