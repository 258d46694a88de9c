/*
 * Result<T>: a value or an error code, in the manner of SerenityOS's ErrorOr.
 *
 * Error codes are the negative ERR_* values of uapi/errors.h. TRY(expr)
 * evaluates expr and returns its error from the enclosing function, which
 * must itself return a Result (or an Error), otherwise yields the value.
 *
 * Invariant: a success holds error code 0, an error holds a zero value.
 * The code is register-sized, so a Result<long> comes back in two
 * registers with no padding to fill (system calls return one).
 */
#pragma once

#include "types.h"
#include "../uapi/errors.h"

struct [[nodiscard]] Error {
    int code;
    constexpr explicit Error(int c) : code(c) {}
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(const T& value) : m_value(value), m_error(0) {}
    Result(T&& value) : m_value(move(value)), m_error(0) {}
    Result(Error e) : m_value(), m_error(e.code) {}

    bool is_error() const { return m_error != 0; }
    bool ok() const { return m_error == 0; }
    int error_code() const { return int(m_error); }
    Error error() const { return Error(int(m_error)); }
    T& value() { return m_value; }
    const T& value() const { return m_value; }
    T release_value() { return move(m_value); }
    // For an integer T: the value, or the negative error code; by the
    // invariant above one of the two is 0, so this is one OR, no branch.
    T value_or_error_code() const { return m_value | T(m_error); }

private:
    T m_value;
    long m_error;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() : m_error(0) {}
    Result(Error e) : m_error(e.code) {}

    bool is_error() const { return m_error != 0; }
    bool ok() const { return m_error == 0; }
    int error_code() const { return int(m_error); }
    Error error() const { return Error(int(m_error)); }
    void release_value() {}

private:
    long m_error;
};

#define TRY(expr)                                   \
    ({                                              \
        auto _try_result = (expr);                  \
        if (_try_result.is_error())                 \
            return _try_result.error();             \
        _try_result.release_value();                \
    })

// For a call that cannot fail here (the caller has made sure of it): the
// value, or a panic naming the place if it failed after all.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] inline void result_must_failed(const char* expr, const char* file, int line, int code)
{
    panic("MUST(%s) failed at %s:%d: error %d", expr, file, line, code);
}
#define MUST(expr)                                                                  \
    ({                                                                              \
        auto _must_result = (expr);                                                 \
        if (_must_result.is_error())                                                \
            result_must_failed(#expr, __FILE__, __LINE__, _must_result.error_code()); \
        _must_result.release_value();                                               \
    })
