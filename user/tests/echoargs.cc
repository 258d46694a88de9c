/*
 * echoargs: a helper for usertests' exec cases. Prints its pid and argc on
 * one line, then each argument in brackets on its own line, and exits with
 * 100 + argc (never 0, so an exec that should have failed cannot pass for
 * a success), so the caller can check argv, the pid and the exit status of
 * an exec'd program through a pipe.
 */
#include "ulib.h"

int main(int argc, char** argv)
{
    printf("pid=%d argc=%d\n", getpid(), argc);
    for (int i = 0; i < argc; i++)
        printf("[%s]\n", argv[i]);
    if (argv[argc] != nullptr)
        printf("argv[argc] is not NULL\n");
    return 100 + argc;
}
