/*
 * System call handlers. Each sys_<name> of uapi/syscalls.h has the same
 * signature: it receives the raw argument registers and returns a
 * Result<long>, the value for the caller (>= 0) or an error. Handlers use
 * TRY like any other kernel function; the dispatch (user_trap.cc) turns
 * the result into what user space sees, once, with syscall_return().
 *
 * Handlers validate every argument: user pointers only through
 * mm/uaccess.h, descriptors through fd_get(), sizes against overflow.
 */
#pragma once

#include "../lib/result.h"
#include "../uapi/syscalls.h"

struct SyscallArgs {
    u64 raw[6];
    u64 operator[](int i) const { return raw[i]; }
    int as_int(int i) const { return int(raw[i]); }
    long as_long(int i) const { return long(raw[i]); }
};

// SYS_<name> = number, for the kernel's own references to a call.
#define SYSCALL_NUMBER(number, name) SYS_##name = number,
enum SyscallNumber : u64 { SYSCALL_LIST(SYSCALL_NUMBER) };
#undef SYSCALL_NUMBER

#define DECLARE_SYSCALL_HANDLER(number, name) Result<long> sys_##name(const SyscallArgs& args);
SYSCALL_LIST(DECLARE_SYSCALL_HANDLER)
#undef DECLARE_SYSCALL_HANDLER

// What user space sees of a handler's result: the value, or the negative
// ERR_* code (without a branch: this is on every system call's path).
inline long syscall_return(const Result<long>& result) { return result.value_or_error_code(); }
