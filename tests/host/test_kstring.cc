/*
 * Unit tests of the kernel's own memory and string functions
 * (kernel/lib/string.cc), which host builds normally replace with the C
 * library's.
 *
 * This file compiles that source a second time with TANDEM_HOST undefined
 * and every function renamed (memcpy -> kern_memcpy, ...), so the
 * word-at-a-time loops the kernel really runs are checked against the C
 * library for every alignment of source and destination and every length
 * up to a few hundred bytes, with guard bytes around each buffer.
 */
#include <doctest/doctest.h>

#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

// The C library's declarations are in; from here on the names mean the
// kernel's versions.
#undef TANDEM_HOST
#define memset kern_memset
#define memcpy kern_memcpy
#define memmove kern_memmove
#define memcmp kern_memcmp
#define strlen kern_strlen
#define strnlen kern_strnlen
#define strcmp kern_strcmp
#define strncmp kern_strncmp
#define strcpy kern_strcpy
#define strncpy kern_strncpy
#define strchr kern_strchr
#define strrchr kern_strrchr
#define strlcpy kern_strlcpy
#include "kernel/lib/string.cc"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strcpy
#undef strncpy
#undef strchr
#undef strrchr
#undef strlcpy
#define TANDEM_HOST 1

namespace {

constexpr size_t GUARD = 16;
constexpr u8 GUARD_BYTE = 0xcd;

// A buffer with guard bytes on both sides and a known pattern inside.
struct Guarded {
    std::vector<u8> bytes;
    explicit Guarded(size_t n, u8 seed) : bytes(n + 2 * GUARD + 8, GUARD_BYTE)
    {
        for (size_t i = 0; i < n + 8; i++)
            bytes[GUARD + i] = u8(seed + i * 7);
    }
    u8* at(size_t offset) { return bytes.data() + GUARD + offset; }
};

int sign(int x) { return (x > 0) - (x < 0); }

} // namespace

TEST_CASE("kstring: memcpy and memset at every alignment and length")
{
    for (size_t len = 0; len <= 300; len += (len < 80 ? 1 : 13))
        for (size_t dst_off = 0; dst_off < 8; dst_off++)
            for (size_t src_off = 0; src_off < 8; src_off++) {
                Guarded src(len + 8, 1), ours(len + 8, 2), libc(len + 8, 2);
                void* r = kern_memcpy(ours.at(dst_off), src.at(src_off), len);
                memcpy(libc.at(dst_off), src.at(src_off), len);
                REQUIRE(r == ours.at(dst_off));
                INFO("len ", len, " dst+", dst_off, " src+", src_off);
                REQUIRE(ours.bytes == libc.bytes);
            }
    for (size_t len = 0; len <= 300; len += (len < 80 ? 1 : 13))
        for (size_t off = 0; off < 8; off++)
            for (int value : {0, 0x5a, 0xff, 0x1234}) {
                Guarded ours(len + 8, 3), libc(len + 8, 3);
                void* r = kern_memset(ours.at(off), value, len);
                memset(libc.at(off), value, len);
                REQUIRE(r == ours.at(off));
                INFO("len ", len, " off ", off, " value ", value);
                REQUIRE(ours.bytes == libc.bytes);
            }
}

TEST_CASE("kstring: memmove handles overlap both ways")
{
    for (size_t len = 0; len <= 200; len += (len < 40 ? 1 : 17))
        for (size_t from = 0; from < 24; from += 3)
            for (size_t to = 0; to < 24; to += 1) {
                Guarded ours(len + 32, 4), libc(len + 32, 4);
                void* r = kern_memmove(ours.at(to), ours.at(from), len);
                memmove(libc.at(to), libc.at(from), len);
                REQUIRE(r == ours.at(to));
                INFO("len ", len, " from ", from, " to ", to);
                REQUIRE(ours.bytes == libc.bytes);
            }
}

TEST_CASE("kstring: comparisons and searches agree with the C library")
{
    const char* const strings[] = {"", "a", "b", "ab", "abc", "abd", "abcd", "\xff", "\x01", "a\xff", "zzzz"};
    for (const char* a : strings)
        for (const char* b : strings) {
            CAPTURE(a);
            CAPTURE(b);
            CHECK(sign(kern_strcmp(a, b)) == sign(strcmp(a, b)));
            for (size_t n = 0; n < 6; n++)
                CHECK(sign(kern_strncmp(a, b, n)) == sign(strncmp(a, b, n)));
            size_t n = std::min(strlen(a), strlen(b)) + 1;
            CHECK(sign(kern_memcmp(a, b, n)) == sign(memcmp(a, b, n)));
        }
    const char* text = "hello, world";
    CHECK(kern_strlen(text) == 12);
    CHECK(kern_strlen("") == 0);
    CHECK(kern_strnlen(text, 5) == 5);
    CHECK(kern_strnlen(text, 100) == 12);
    CHECK(kern_strnlen(text, 0) == 0);
    for (int c : {int('h'), int('o'), int('d'), int('x'), 0, int(',')}) {
        CAPTURE(c);
        CHECK(kern_strchr(text, c) == strchr(text, c));
        CHECK(kern_strrchr(text, c) == strrchr(text, c));
    }
}

TEST_CASE("kstring: strcpy, strncpy and strlcpy")
{
    char ours[16], libc[16];
    memset(ours, 'x', sizeof ours);
    memset(libc, 'x', sizeof libc);
    CHECK(kern_strcpy(ours, "abc") == ours);
    strcpy(libc, "abc");
    CHECK(memcmp(ours, libc, sizeof ours) == 0);
    for (size_t n : {size_t(0), size_t(2), size_t(3), size_t(4), size_t(10)}) {
        CAPTURE(n);
        memset(ours, 'x', sizeof ours);
        memset(libc, 'x', sizeof libc);
        CHECK(kern_strncpy(ours, "abc", n) == ours);
        strncpy(libc, "abc", n);
        CHECK(memcmp(ours, libc, sizeof ours) == 0); // pads with NULs up to n
    }
    CHECK(kern_strlcpy(ours, "truncate me", 5) == 11);
    CHECK(std::string(ours) == "trun");
}
