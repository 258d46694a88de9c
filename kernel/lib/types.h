/*
 * Basic types and small helpers used everywhere in the kernel.
 *
 * This header is portable: it builds for the RISC-V kernel and for the host
 * unit tests, so it includes only compiler-provided C headers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using uptr = uintptr_t;

// Physical and virtual addresses are kept apart by name, not by type, so
// that arithmetic on them stays plain.
using paddr_t = u64;
using vaddr_t = u64;

constexpr u64 PAGE_SHIFT = 12;
constexpr u64 PAGE_SIZE = u64(1) << PAGE_SHIFT;

// The coherence unit of the RISC-V cores Tandem runs on (and of the hosts
// QEMU runs on). Data that different harts write often is kept on lines of
// its own: two harts writing one line take turns owning it, even when each
// writes only its own bytes.
constexpr u64 CACHE_LINE_SIZE = 64;

template <typename T> constexpr T min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T max(T a, T b) { return a > b ? a : b; }

constexpr u64 align_down(u64 x, u64 a) { return x & ~(a - 1); }
constexpr u64 align_up(u64 x, u64 a) { return (x + a - 1) & ~(a - 1); }
constexpr bool is_aligned(u64 x, u64 a) { return (x & (a - 1)) == 0; }
constexpr u64 page_round_up(u64 x) { return align_up(x, PAGE_SIZE); }
constexpr u64 page_round_down(u64 x) { return align_down(x, PAGE_SIZE); }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

template <typename T> struct RemoveReference { using Type = T; };
template <typename T> struct RemoveReference<T&> { using Type = T; };
template <typename T> struct RemoveReference<T&&> { using Type = T; };

template <typename T> constexpr typename RemoveReference<T>::Type&& move(T&& v)
{
    return static_cast<typename RemoveReference<T>::Type&&>(v);
}

template <typename T> constexpr T&& forward(typename RemoveReference<T>::Type& v)
{
    return static_cast<T&&>(v);
}

template <typename T> constexpr void swap(T& a, T& b)
{
    T t = move(a);
    a = move(b);
    b = move(t);
}

// Overflow-checked addition for user-supplied ranges.
inline bool add_overflows(u64 a, u64 b, u64* out) { return __builtin_add_overflow(a, b, out); }

#define container_of(ptr, type, member) \
    reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - offsetof(type, member))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
