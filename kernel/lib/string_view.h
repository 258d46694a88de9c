/*
 * StringView and Span: non-owning views of characters and of arrays.
 */
#pragma once

#include "types.h"
#include "kstring.h"

class StringView {
public:
    constexpr StringView() = default;
    constexpr StringView(const char* s, size_t n) : m_chars(s), m_length(n) {}
    StringView(const char* cstr) : m_chars(cstr), m_length(cstr ? strlen(cstr) : 0) {}

    const char* data() const { return m_chars; }
    size_t length() const { return m_length; }
    bool is_empty() const { return m_length == 0; }
    char operator[](size_t i) const { return m_chars[i]; }

    bool operator==(StringView o) const
    {
        return m_length == o.m_length && (m_length == 0 || memcmp(m_chars, o.m_chars, m_length) == 0);
    }
    bool starts_with(StringView prefix) const
    {
        return prefix.m_length <= m_length && memcmp(m_chars, prefix.m_chars, prefix.m_length) == 0;
    }
    StringView substring(size_t start, size_t n) const
    {
        if (start > m_length)
            return {};
        return StringView(m_chars + start, min(n, m_length - start));
    }
    StringView substring(size_t start) const { return substring(start, m_length); }
    // Index of the first occurrence of c, or -1.
    long find(char c) const
    {
        for (size_t i = 0; i < m_length; i++)
            if (m_chars[i] == c)
                return long(i);
        return -1;
    }

private:
    const char* m_chars = ""; // never null, so memcpy of an empty view is defined
    size_t m_length = 0;
};

template <typename T> class Span {
public:
    constexpr Span() = default;
    constexpr Span(T* data, size_t n) : m_data(data), m_size(n) {}
    T* data() const { return m_data; }
    size_t size() const { return m_size; }
    bool is_empty() const { return m_size == 0; }
    T& operator[](size_t i) const { return m_data[i]; }
    T* begin() const { return m_data; }
    T* end() const { return m_data + m_size; }

private:
    T* m_data = nullptr;
    size_t m_size = 0;
};
