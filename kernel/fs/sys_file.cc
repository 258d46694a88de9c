/*
 * System calls on open descriptors: read, write, close, dup, pipe, fstat,
 * lseek, getdents. Each validates its arguments (descriptors through
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

long sys_read(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    size_t n = TRY_SYSCALL(checked_length(args[1], args[2]));
    return to_syscall_return(file_read(f.value(), args[1], n));
}

long sys_write(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    size_t n = TRY_SYSCALL(checked_length(args[1], args[2]));
    return to_syscall_return(file_write(f.value(), args[1], n));
}

long sys_close(const SyscallArgs& args)
{
    auto f = fd_remove(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    file_close(f.value());
    return ERR_OK;
}

long sys_dup(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    auto fd = fd_install(file_dup(f.value()));
    if (fd.is_error())
        file_close(f.value());
    return to_syscall_return(move(fd));
}

long sys_pipe(const SyscallArgs& args)
{
    File* read_end;
    File* write_end;
    if (auto made = pipe_create(&read_end, &write_end); made.is_error())
        return made.error_code();
    auto rfd = fd_install(read_end);
    if (rfd.is_error()) {
        file_close(read_end);
        file_close(write_end);
        return rfd.error_code();
    }
    auto wfd = fd_install(write_end);
    if (wfd.is_error()) {
        (void)fd_remove(rfd.value());
        file_close(read_end);
        file_close(write_end);
        return wfd.error_code();
    }
    int fds[2] = {rfd.value(), wfd.value()};
    if (auto put = copy_to_user(args[0], fds, sizeof(fds)); put.is_error()) {
        (void)fd_remove(rfd.value());
        (void)fd_remove(wfd.value());
        file_close(read_end);
        file_close(write_end);
        return put.error_code();
    }
    return ERR_OK;
}

long sys_fstat(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    struct stat st {};
    if (auto r = file_stat(f.value(), &st); r.is_error())
        return r.error_code();
    return to_syscall_return(copy_to_user(args[1], &st, sizeof(st)));
}

long sys_lseek(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    return to_syscall_return(file_seek(f.value(), i64(args[1]), args.as_int(2)));
}

long sys_getdents(const SyscallArgs& args)
{
    auto f = fd_get(args.as_int(0));
    if (f.is_error())
        return f.error_code();
    int max = args.as_int(2);
    if (max <= 0)
        return ERR_INVAL;
    return to_syscall_return(file_getdents(f.value(), args[1], size_t(max)));
}
