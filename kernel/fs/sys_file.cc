/*
 * System calls on open descriptors: read, write, close, dup, pipe, fstat,
 * lseek, ftruncate, getdents. Each validates its arguments (descriptors through
 * fd_get, user memory through the checked copies) and returns a value
 * >= 0 or an ERR_* code; none of them trusts a size or pointer from user
 * space or can panic on one.
 *
 * Locks: none of their own; see file.cc.
 */
#include "../mm/uaccess.h"
#include "../trap/syscall.h"
#include "file.h"
#include "pipe.h"

namespace {

// A user length, cut down so that the result fits a positive long (a
// huge count reads to the end of the file, as on Linux). A
// buffer that wraps past the top of the address space is a bad pointer,
// not a short one: cutting it to what fits once made read() of a pipe that
// held data return 0, end-of-file. A buffer that merely runs past the end
// of user space is left to the copy routines, which deliver what fits
// before the bad part, as for any buffer that turns bad part of the way.
Result<size_t> checked_length(u64 user_buf, u64 n)
{
    constexpr u64 LIMIT = u64(1) << 40;
    n = min(n, LIMIT);
    u64 end;
    if (n && add_overflows(user_buf, n - 1, &end))
        return Error(ERR_FAULT);
    return size_t(n);
}

} // namespace

Result<long> sys_read(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    size_t n = TRY(checked_length(args[1], args[2]));
    return long(TRY(file_read(f, args[1], n)));
}

Result<long> sys_write(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    size_t n = TRY(checked_length(args[1], args[2]));
    return long(TRY(file_write(f, args[1], n)));
}

Result<long> sys_close(const SyscallArgs& args)
{
    file_close(TRY(fd_remove(args.as_int(0))));
    return 0;
}

Result<long> sys_dup(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    auto fd = fd_install(file_dup(f));
    if (fd.is_error())
        file_close(f); // the reference file_dup took
    return TRY(fd);
}

Result<long> sys_pipe(const SyscallArgs& args)
{
    File* read_end;
    File* write_end;
    TRY(pipe_create(&read_end, &write_end));
    auto rfd = fd_install(read_end);
    auto wfd = rfd.ok() ? fd_install(write_end) : Result<int>(rfd.error());
    Result<void> stored = wfd.ok() ? Result<void>() : Result<void>(wfd.error());
    if (stored.ok()) {
        int fds[2] = {rfd.value(), wfd.value()};
        stored = copy_to_user(args[0], fds, sizeof(fds));
    }
    if (stored.is_error()) {
        // Undo in full: the caller learns of no descriptor.
        if (wfd.ok())
            MUST(fd_remove(wfd.value()));
        if (rfd.ok())
            MUST(fd_remove(rfd.value()));
        file_close(read_end);
        file_close(write_end);
        return stored.error();
    }
    return 0;
}

Result<long> sys_fstat(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    struct stat st {};
    TRY(file_stat(f, &st));
    TRY(copy_to_user(args[1], &st, sizeof(st)));
    return 0;
}

Result<long> sys_lseek(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    return long(TRY(file_seek(f, i64(args[1]), args.as_int(2))));
}

// ftruncate(fd, size): a regular file's or a shared region's handle.
Result<long> sys_ftruncate(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    TRY(file_truncate(f, args[1]));
    return 0;
}

Result<long> sys_getdents(const SyscallArgs& args)
{
    File* f = TRY(fd_get(args.as_int(0)));
    int max = args.as_int(2);
    if (max <= 0)
        return Error(ERR_INVAL);
    return long(TRY(file_getdents(f, args[1], size_t(max))));
}
