/*
 * exec, for the system call and for starting /bin/init.
 */
#pragma once

#include "../lib/result.h"

constexpr int EXEC_MAX_ARGS = 64;
constexpr size_t EXEC_MAX_ARG_BYTES = 16384; // path and argument strings together
constexpr size_t EXEC_MAX_PATH = 256;

// Replaces the current process's image with the program at `path`, with
// arguments copied from kernel memory. On success the trap frame is set to
// enter the program's main(argc, argv), and argc is returned (the system
// call's result, which main's first argument holds).
Result<int> exec_image(const char* path, const char* const* argv, int argc);
