/*
 * The in-guest side of the doc tests: runs the examples that
 * tests/doctests/extract.py took out of the docs (build/doc/doctests.cc is
 * the generated suite, one case per example; docs/testing.md has the
 * convention). Every example program exits 0 when it worked; these
 * helpers run it as the docs say a student would, check its status and
 * the lines its doctest comment expects, and fail the case otherwise.
 */
#ifndef TANDEM_DOCTESTS_RUNNER_H
#define TANDEM_DOCTESTS_RUNNER_H

struct doc_program {
    char* const* argv;          /* argv[0] is the path, /doc/<name> */
    const char* const* expect;  /* lines its output must contain; NULL-terminated */
    const char* where;          /* doc:line, for messages */
};

struct doc_command {
    const char* line;           /* typed at the shell */
    const char* const* output;  /* the lines shown under it; NULL-terminated */
    int check_output;           /* 0: only its exit status is checked */
};

/* One program, alone. */
void doc_run(const struct doc_program* p);
/* Programs one after the other, each once the previous has exited. */
void doc_run_sequence(const struct doc_program* const* chain, int n);
/* Two programs at the same time, as two processes: first a then b, then
   the other way round; both must exit 0 either way. */
void doc_run_together(const struct doc_program* a, const struct doc_program* b);
/* A shell session: every command through /bin/sh; each must succeed and
   print exactly its shown lines (whitespace runs count as one space; `*`
   matches anything). */
void doc_console(const struct doc_command* commands, int n, const char* where);

#endif
