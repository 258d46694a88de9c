/*
 * Pipes: a 16 KiB ring buffer between a read end and a write end.
 *
 * read() sleeps (killably) while the pipe is empty and a writer remains;
 * it returns 0 at end of file, once every write end is closed and the data
 * is drained. write() sleeps while the pipe is full and a reader remains;
 * it fails with ERR_PIPE when no reader is left. A write of up to
 * PIPE_ATOMIC bytes is never interleaved with other writers' data.
 */
#pragma once

#include "../lib/result.h"

struct File;
struct Pipe;
struct stat;

constexpr size_t PIPE_SIZE = 16384;
constexpr size_t PIPE_ATOMIC = 4096;

// Makes a pipe and its two open files (read end, write end); what the
// descriptor calls do with them is g_pipe_file_ops (file.h).
Result<void> pipe_create(File** read_end, File** write_end);
