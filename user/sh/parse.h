/*
 * The shell's command-line parser: turns one line into pipelines of
 * commands with their redirections.
 *
 * Grammar (no nesting):
 *   line     := job ((';' | '&') job)* ['&' | ';']
 *   job      := command ('|' command)*
 *   command  := (word | '<' word | '>' word | '>>' word)+
 * Words may be quoted with '...' (literal) or "..." (where $? still
 * expands); a backslash quotes the next character; $? expands to the
 * last exit status; '#' starts a comment.
 */
#pragma once

#include <stddef.h>

namespace sh {

constexpr int MAX_ARGS = 32;     // per command
constexpr int MAX_COMMANDS = 8;  // per pipeline

struct Command {
    char* argv[MAX_ARGS + 1]; // NULL-terminated
    int argc;
    const char* input;        // < file, or nullptr
    const char* output;       // > or >> file, or nullptr
    bool append;              // >>
};

struct Job {
    Command commands[MAX_COMMANDS];
    int count;
    bool background;          // ended by '&'
};

// Parses the first job of text into out, copying words into storage (the
// words point into it, so it must live as long as out) and setting *rest to
// the text after the job's ';' or '&'. Jobs are parsed one at a time so
// that $? in a later job sees the status of the earlier ones. out->count is
// 0 when text holds no more jobs. Returns nullptr on success or a message
// saying what is wrong.
const char* parse_job(const char* text, int last_status, char* storage, size_t storage_size, Job* out,
                      const char** rest);

} // namespace sh
