/*
 * Checked access to user memory from the kernel.
 *
 * Every system call that takes a user pointer goes through these. They
 * refuse anything outside the user half of the address space (a kernel
 * address is just a bad pointer), fault in lazy pages as the process itself
 * would (a page not yet touched is not an invalid pointer), and return
 * ERR_FAULT for addresses outside the caller's regions or without the
 * needed permission. Never call them holding a spin lock.
 */
#pragma once

#include "../lib/result.h"

Result<void> copy_from_user(void* dst, u64 user_src, size_t n);
Result<void> copy_to_user(u64 user_dst, const void* src, size_t n);
// Copies a NUL-terminated string of at most max-1 characters (plus the NUL)
// into dst; returns its length. ERR_NAMETOOLONG if no NUL within max bytes.
Result<size_t> copy_string_from_user(char* dst, u64 user_src, size_t max);
// Fills n bytes of user memory with zero.
Result<void> clear_user(u64 user_dst, size_t n);

// Typed helpers.
template <typename T> Result<void> get_user(T* out, u64 user_src) { return copy_from_user(out, user_src, sizeof(T)); }
template <typename T> Result<void> put_user(u64 user_dst, const T& value)
{
    return copy_to_user(user_dst, &value, sizeof(T));
}
