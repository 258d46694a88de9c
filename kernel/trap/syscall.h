/*
 * System call handlers. Each sys_<name> of uapi/syscalls.h has the same
 * signature: it receives the raw argument registers and returns the value
 * for a0 (>= 0 on success, a negative ERR_* code on failure).
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

#define DECLARE_SYSCALL_HANDLER(number, name) long sys_##name(const SyscallArgs& args);
SYSCALL_LIST(DECLARE_SYSCALL_HANDLER)
#undef DECLARE_SYSCALL_HANDLER

// Like TRY, for handlers that return a plain long.
#define TRY_SYSCALL(expr)                           \
    ({                                              \
        auto _try_result = (expr);                  \
        if (_try_result.is_error())                 \
            return _try_result.error_code();        \
        _try_result.release_value();                \
    })
