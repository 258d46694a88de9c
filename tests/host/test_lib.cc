/*
 * Unit tests of the kernel library (kernel/lib): IntrusiveList, Result and
 * TRY, StringView and Span, the printf formatter, strlcpy, Random, Atomic
 * and the small helpers of types.h; and of subtract_ranges
 * (kernel/mm/memory_map.cc), the boot memory map's range arithmetic.
 *
 * The formatter is checked against the host C library's snprintf over a
 * matrix of conversions, flags, widths, precisions and length modifiers,
 * so any divergence from C shows up as a concrete format string.
 */
#include <doctest/doctest.h>

#include <limits.h>
#include <stdio.h>

#include <deque>
#include <string>
#include <vector>

#include "host_support.h"
#include "kernel/lib/atomic.h"
#include "kernel/lib/format.h"
#include "kernel/lib/kstring.h"
#include "kernel/lib/list.h"
#include "kernel/lib/random.h"
#include "kernel/lib/result.h"
#include "kernel/lib/string_view.h"
#include "kernel/mm/memory_map.h"
#include "kernel/trap/syscall.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat"

// ---- IntrusiveList ----------------------------------------------------------------

namespace {

struct Item {
    int value;
    ListNode link;
    ListNode other_link;
    explicit Item(int v) : value(v) {}
};

using List = IntrusiveList<Item, &Item::link>;
using OtherList = IntrusiveList<Item, &Item::other_link>;

std::vector<int> values(List& list)
{
    std::vector<int> out;
    for (Item* it : list)
        out.push_back(it->value);
    return out;
}

} // namespace

TEST_CASE("list: push, pop, front, back, next, size")
{
    List list;
    CHECK(list.is_empty());
    CHECK(list.front() == nullptr);
    CHECK(list.back() == nullptr);
    CHECK(list.pop_front() == nullptr);
    CHECK(list.size_slow() == 0);

    Item a(1), b(2), c(3), d(4);
    list.push_back(&b);
    list.push_front(&a);
    list.push_back(&d);
    list.insert_before(&d, &c);
    CHECK(values(list) == std::vector<int>{1, 2, 3, 4});
    CHECK(list.size_slow() == 4);
    CHECK(list.front() == &a);
    CHECK(list.back() == &d);
    CHECK(list.next(&a) == &b);
    CHECK(list.next(&d) == nullptr);
    CHECK(List::contains_node(&c));

    Item e(5);
    list.insert_before(nullptr, &e); // nullptr means the end
    CHECK(list.back() == &e);

    List::remove(&c);
    CHECK_FALSE(List::contains_node(&c));
    List::remove(&c); // removing an unlinked node is a no-op
    CHECK(values(list) == std::vector<int>{1, 2, 4, 5});
    CHECK(list.pop_front() == &a);
    CHECK_FALSE(a.link.is_linked());
    CHECK(values(list) == std::vector<int>{2, 4, 5});
    while (list.pop_front())
        ;
    CHECK(list.is_empty());
}

TEST_CASE("list: removing the current item while iterating")
{
    List list;
    std::deque<Item> items; // a deque never moves its elements
    for (int i = 0; i < 10; i++)
        items.emplace_back(i);
    for (Item& it : items)
        list.push_back(&it);

    // Remove the even ones during the loop.
    int seen = 0;
    for (Item* it : list) {
        seen++;
        if (it->value % 2 == 0)
            List::remove(it);
    }
    CHECK(seen == 10);
    CHECK(values(list) == std::vector<int>{1, 3, 5, 7, 9});

    // Remove everything during the loop, and move items to another list.
    List moved;
    for (Item* it : list) {
        List::remove(it);
        moved.push_front(it);
    }
    CHECK(list.is_empty());
    CHECK(values(moved) == std::vector<int>{9, 7, 5, 3, 1});
    while (moved.pop_front())
        ;
}

TEST_CASE("list: one object on two lists")
{
    List first;
    OtherList second;
    Item a(1), b(2);
    first.push_back(&a);
    first.push_back(&b);
    second.push_back(&b);
    second.push_back(&a);
    CHECK(first.front() == &a);
    CHECK(second.front() == &b);
    List::remove(&a);
    CHECK(first.size_slow() == 1);
    CHECK(second.size_slow() == 2);
    CHECK(OtherList::contains_node(&a));
    OtherList::remove(&a);
    OtherList::remove(&b);
    List::remove(&b);
    CHECK(first.is_empty());
    CHECK(second.is_empty());
}

// ---- Result and TRY -------------------------------------------------------------------

namespace {

Result<int> parse_digit(char c)
{
    if (c < '0' || c > '9')
        return Error(ERR_INVAL);
    return c - '0';
}

Result<int> sum_digits(const char* s)
{
    int total = 0;
    for (; *s; s++)
        total += TRY(parse_digit(*s));
    return total;
}

int g_side_effects = 0;

Result<void> step(bool fail)
{
    g_side_effects++;
    if (fail)
        return Error(ERR_NOMEM);
    return {};
}

Result<void> two_steps(bool fail_first, bool fail_second)
{
    TRY(step(fail_first));
    TRY(step(fail_second));
    return {};
}

struct Movable {
    std::vector<int> data;
};

Result<Movable> make_movable(int n)
{
    if (n < 0)
        return Error(ERR_RANGE);
    Movable m;
    m.data.assign(size_t(n), 7);
    return m;
}

Result<size_t> use_movable(int n)
{
    Movable m = TRY(make_movable(n));
    return m.data.size();
}

} // namespace

TEST_CASE("result: values, errors and TRY")
{
    auto ok = parse_digit('7');
    CHECK(ok.ok());
    CHECK_FALSE(ok.is_error());
    CHECK(ok.value() == 7);
    CHECK(ok.error_code() == 0);

    auto bad = parse_digit('x');
    CHECK(bad.is_error());
    CHECK(bad.error_code() == ERR_INVAL);
    CHECK(bad.error().code == ERR_INVAL);

    CHECK(sum_digits("1234").value() == 10);
    CHECK(sum_digits("12x4").error_code() == ERR_INVAL);
    CHECK(sum_digits("").value() == 0);

    g_side_effects = 0;
    CHECK(two_steps(false, false).ok());
    CHECK(g_side_effects == 2);
    g_side_effects = 0;
    CHECK(two_steps(true, false).error_code() == ERR_NOMEM);
    CHECK(g_side_effects == 1); // TRY returned before the second step
    g_side_effects = 0;
    CHECK(two_steps(false, true).error_code() == ERR_NOMEM);
    CHECK(g_side_effects == 2);

    CHECK(use_movable(5).value() == 5);
    CHECK(use_movable(-1).error_code() == ERR_RANGE);
    auto m = make_movable(3);
    Movable taken = m.release_value();
    CHECK(taken.data.size() == 3);

    // What the system-call dispatch makes of a handler's result.
    CHECK(syscall_return(Result<long>(4)) == 4);
    CHECK(syscall_return(Result<long>(0)) == 0);
    CHECK(syscall_return(Result<long>(Error(ERR_INVAL))) == ERR_INVAL);
    CHECK(syscall_return(Result<long>(Error(ERR_BUSY))) == ERR_BUSY);
}

TEST_CASE("result: MUST yields the value of a call that cannot fail, and panics naming the place if it does")
{
    CHECK(MUST(parse_digit('7')) == 7);
    std::string output;
    CHECK(host::panics([] { (void)MUST(parse_digit('x')); }, &output));
    CHECK(output.find("MUST(parse_digit('x')) failed at") != std::string::npos);
    CHECK(output.find("test_lib.cc") != std::string::npos);
}

TEST_CASE("errors: every code has its own number")
{
    const int codes[] = {ERR_OK, ERR_NOMEM, ERR_NORES, ERR_UNALLOC, ERR_EXIST, ERR_NOTEXIST, ERR_INCOMP, ERR_FTYPE,
                         ERR_REGISTER, ERR_NOTEMPTY, ERR_END, ERR_INIT, ERR_FAULT, ERR_INVAL, ERR_CHILD,
                         ERR_PGFAULT_ALLOC, ERR_ACCESS, ERR_BUSY, ERR_AGAIN, ERR_TIMEDOUT, ERR_ABANDONED,
                         ERR_OWNERDEAD, ERR_NOTRECOVERABLE, ERR_NAMETOOLONG, ERR_BADF, ERR_NOSYS, ERR_INTR};
    // The original system's values are part of the contract (DESIGN.md, section 6).
    CHECK(ERR_NOMEM == -1);
    CHECK(ERR_EXIST == -4);
    CHECK(ERR_NOTEXIST == -5);
    CHECK(ERR_FAULT == -12);
    CHECK(ERR_INVAL == -13);
    CHECK(ERR_PGFAULT_ALLOC == -15);
    CHECK(ERR_ACCESS == -16);
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
        CHECK(codes[i] == -int(i)); // dense, in order, starting at 0
        CHECK(codes[i] >= ERR_LAST);
    }
}

// ---- StringView and Span ----------------------------------------------------------------

TEST_CASE("string_view: comparisons, prefixes, substrings, find")
{
    StringView empty;
    CHECK(empty.is_empty());
    CHECK(empty.length() == 0);
    CHECK(StringView(nullptr).is_empty());
    CHECK(empty == StringView(""));
    CHECK(StringView("") == empty);

    StringView s("serial@10000000");
    CHECK(s.length() == 15);
    CHECK(s[0] == 's');
    CHECK(s == "serial@10000000");
    CHECK_FALSE(s == "serial@1000000");
    CHECK_FALSE(s == "serial@100000000");
    CHECK(s.starts_with("serial"));
    CHECK(s.starts_with(""));
    CHECK(s.starts_with(s));
    CHECK_FALSE(s.starts_with("serial@100000000"));
    CHECK_FALSE(s.starts_with("Serial"));
    CHECK_FALSE(empty.starts_with("x"));
    CHECK(s.find('@') == 6);
    CHECK(s.find('s') == 0);
    CHECK(s.find('#') == -1);
    CHECK(empty.find('a') == -1);

    CHECK(s.substring(7) == "10000000");
    CHECK(s.substring(0, 6) == "serial");
    CHECK(s.substring(6, 1) == "@");
    CHECK(s.substring(15) == "");
    CHECK(s.substring(15).is_empty());
    CHECK(s.substring(16).is_empty()); // past the end is empty, not a crash
    CHECK(s.substring(1000, 5).is_empty());
    CHECK(s.substring(10, 1000) == "00000");
    CHECK(s.substring(3, ~size_t(0)) == "ial@10000000");

    // Embedded NULs are characters like any other.
    const char raw[] = {'a', 0, 'b'};
    StringView with_nul(raw, 3);
    CHECK(with_nul.length() == 3);
    CHECK_FALSE(with_nul == "a");
    CHECK(with_nul.find('b') == 2);
}

TEST_CASE("span: size, indexing, iteration")
{
    int data[] = {5, 6, 7};
    Span<int> span(data, 3);
    CHECK(span.size() == 3);
    CHECK_FALSE(span.is_empty());
    CHECK(span[1] == 6);
    span[1] = 60;
    CHECK(data[1] == 60);
    int sum = 0;
    for (int v : span)
        sum += v;
    CHECK(sum == 72);
    Span<const u8> none;
    CHECK(none.is_empty());
    CHECK(none.begin() == none.end());
}

// ---- the formatter --------------------------------------------------------------------------

namespace {

struct Mismatch {
    std::string format;
    std::string ours;
    std::string libc;
};

// Formats with both snprintf_k and the C library; records any difference
// in the text or the returned length.
template <typename... Args> void compare(std::vector<Mismatch>& out, const std::string& fmt, Args... args)
{
    char ours[512], libc[512];
    int n_ours = snprintf_k(ours, sizeof ours, fmt.c_str(), args...);
    int n_libc = snprintf(libc, sizeof libc, fmt.c_str(), args...);
    if (n_ours != n_libc || std::string(ours) != std::string(libc))
        out.push_back({fmt, ours, libc});
}

std::string format_k(const char* fmt, ...)
{
    char buf[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf_k(buf, sizeof buf, fmt, args);
    va_end(args);
    return buf;
}

// Where C itself leaves the result to the implementation, or where the
// kernel documents a simplification, the two may legitimately differ:
// a '0' flag together with a precision (C ignores the '0'), and a
// precision of zero for the value zero (C prints no digits).
bool c_behaviour_differs_on_purpose(const std::string& flags, const std::string& precision, bool value_is_zero)
{
    if (!precision.empty() && flags.find('0') != std::string::npos)
        return true;
    if ((precision == ".0" || precision == ".") && value_is_zero)
        return true;
    return false;
}

const char* const FLAGS[] = {"", "-", "0", "-0", "0-"};
const char* const WIDTHS[] = {"", "1", "6", "21"};
const char* const PRECISIONS[] = {"", ".", ".0", ".1", ".5", ".22"};

} // namespace

TEST_CASE("format: integers agree with the C library")
{
    const long long values[] = {0, 1, -1, 7, -7, 42, 127, 128, 255, 256, -128, -129, 32767, 32768, 65535, 65536,
                                INT_MAX, INT_MIN, (long long)UINT_MAX, LLONG_MAX, LLONG_MIN, 0x123456789abcdefll};
    const char* const lengths[] = {"hh", "h", "", "l", "ll", "z"};
    std::vector<Mismatch> bad;
    int checked = 0;
    for (const char* flags : FLAGS)
        for (const char* width : WIDTHS)
            for (const char* precision : PRECISIONS)
                for (const char* length : lengths)
                    for (char conv : {'d', 'i', 'u', 'x', 'X', 'o'})
                        for (long long v : values) {
                            std::string fmt = std::string("<%") + flags + width + precision + length + conv + ">";
                            std::string len = length;
                            bool is_signed = conv == 'd' || conv == 'i';
                            // The value as the argument type says: narrower
                            // types are passed as (promoted) int.
                            bool zero;
                            if (len == "l" || len == "ll" || len == "z") {
                                zero = v == 0;
                                if (is_signed)
                                    compare(bad, fmt, (long)v);
                                else
                                    compare(bad, fmt, (unsigned long)v);
                            } else {
                                int iv = int(v);
                                zero = len == "hh" ? (signed char)iv == 0 : len == "h" ? short(iv) == 0 : iv == 0;
                                if (is_signed)
                                    compare(bad, fmt, iv);
                                else
                                    compare(bad, fmt, unsigned(iv));
                            }
                            if (!bad.empty() && bad.back().format == fmt &&
                                c_behaviour_differs_on_purpose(flags, precision, zero))
                                bad.pop_back();
                            checked++;
                        }
    CHECK(checked > 10000);
    for (const Mismatch& m : bad) {
        INFO("format ", m.format, ": kernel \"", m.ours, "\", C \"", m.libc, "\"");
        CHECK(m.ours == m.libc);
    }
}

TEST_CASE("format: strings, characters, pointers and %% agree with the C library")
{
    std::vector<Mismatch> bad;
    for (const char* flags : {"", "-"})
        for (const char* width : WIDTHS) {
            for (const char* precision : PRECISIONS)
                for (const char* s : {"", "a", "hello", "a longer string than any width"})
                    compare(bad, std::string("[%") + flags + width + precision + "s]", s);
            for (char c : {'x', ' ', '%'})
                compare(bad, std::string("[%") + flags + width + "c]", int(c));
            for (u64 p : {u64(1), u64(0xdeadbeef), u64(0xffffffc000000000ull)})
                compare(bad, std::string("[%") + flags + width + "p]", reinterpret_cast<void*>(p));
        }
    compare(bad, "100%% sure %%d");
    compare(bad, "%s=%d, %s=%lu", "a", -3, "b", 99ul);
    for (const Mismatch& m : bad) {
        INFO("format ", m.format, ": kernel \"", m.ours, "\", C \"", m.libc, "\"");
        CHECK(m.ours == m.libc);
    }
}

TEST_CASE("format: star width and precision")
{
    CHECK(format_k("[%*d]", 5, 42) == "[   42]");
    CHECK(format_k("[%*d]", -5, 42) == "[42   ]"); // negative width means '-'
    CHECK(format_k("[%-*d]", 5, 42) == "[42   ]");
    CHECK(format_k("[%.*d]", 4, 42) == "[0042]");
    CHECK(format_k("[%*.*x]", 6, 3, 0xa) == "[   00a]");
    CHECK(format_k("[%.*s]", 3, "abcdef") == "[abc]");
    CHECK(format_k("[%.*s]", -1, "abcdef") == "[abcdef]"); // negative precision: none
    CHECK(format_k("[%*s]", 0, "ab") == "[ab]");
}

TEST_CASE("format: what C leaves open, the kernel defines")
{
    CHECK(format_k("%s", (const char*)nullptr) == "(null)");
    CHECK(format_k("%.3s|", (const char*)nullptr) == "(nu|");
    CHECK(format_k("%p", (void*)nullptr) == "0x0");
    CHECK(format_k("%q") == "%q"); // unknown conversions are shown, no argument taken
    CHECK(format_k("%y%d", 5) == "%y5");
    CHECK(format_k("abc%") == "abc"); // a lone % at the end
    CHECK(format_k("abc%-") == "abc");
    CHECK(format_k("abc%5l") == "abc");
    CHECK(format_k("%ld", LONG_MIN) == "-9223372036854775808");
    CHECK(format_k("%lu", ULONG_MAX) == "18446744073709551615");
    CHECK(format_k("%lo", ULONG_MAX) == "1777777777777777777777");
    CHECK(format_k("%lx", ULONG_MAX) == "ffffffffffffffff");
}

TEST_CASE("format: vformat counts what it sends to the sink")
{
    std::string out;
    auto sink = [](char c, void* ctx) { static_cast<std::string*>(ctx)->push_back(c); };
    auto run = [&](const char* fmt, ...) {
        va_list args;
        va_start(args, fmt);
        int n = vformat(sink, &out, fmt, args);
        va_end(args);
        return n;
    };
    CHECK(run("%d-%s", 12, "ab") == 5);
    CHECK(out == "12-ab");
    out.clear();
    CHECK(run("") == 0);
    CHECK(out.empty());
}

TEST_CASE("format: snprintf_k truncates and always terminates")
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, sizeof buf, "%s", "0123456789") == 10);
    CHECK(std::string(buf) == "0123456");

    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, 1, "abc") == 3);
    CHECK(buf[0] == 0);
    CHECK(buf[1] == 'x');

    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, 0, "abc") == 3); // size 0: nothing written at all
    CHECK(buf[0] == 'x');
    CHECK(snprintf_k(nullptr, 0, "%d", 12345) == 5);

    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, 4, "abc") == 3); // exact fit
    CHECK(std::string(buf) == "abc");
    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, 4, "abcd") == 4);
    CHECK(std::string(buf) == "abc");
    memset(buf, 'x', sizeof buf);
    CHECK(snprintf_k(buf, 6, "%08x", 0xbeef) == 8);
    CHECK(std::string(buf) == "0000b");
    CHECK(buf[6] == 'x');
}

// ---- strlcpy ------------------------------------------------------------------------

TEST_CASE("strlcpy: copies what fits, always terminates, returns the source length")
{
    char buf[6];
    memset(buf, 'x', sizeof buf);
    CHECK(strlcpy(buf, "abc", sizeof buf) == 3);
    CHECK(std::string(buf) == "abc");
    CHECK(strlcpy(buf, "abcdef", sizeof buf) == 6);
    CHECK(std::string(buf) == "abcde");
    CHECK(strlcpy(buf, "abcde", sizeof buf) == 5); // exact fit
    CHECK(std::string(buf) == "abcde");
    CHECK(strlcpy(buf, "", sizeof buf) == 0);
    CHECK(buf[0] == 0);
    memset(buf, 'x', sizeof buf);
    CHECK(strlcpy(buf, "abc", 1) == 3);
    CHECK(buf[0] == 0);
    CHECK(buf[1] == 'x');
    memset(buf, 'x', sizeof buf);
    CHECK(strlcpy(buf, "abc", 0) == 3); // size 0 writes nothing
    CHECK(buf[0] == 'x');
}

// ---- subtract_ranges ---------------------------------------------------------------------

namespace {

using Ranges = std::vector<std::pair<u64, u64>>; // (base, end)

Ranges subtract(const Ranges& ranges, const Ranges& holes, int out_max = MEMORY_MAP_MAX_RANGES)
{
    std::vector<MemRange> r, h;
    for (auto& x : ranges)
        r.push_back({x.first, x.second - x.first});
    for (auto& x : holes)
        h.push_back({x.first, x.second - x.first});
    std::vector<MemRange> out(size_t(out_max) + 1, MemRange{0xdead, 0xbeef});
    int n = subtract_ranges(r.data(), int(r.size()), h.data(), int(h.size()), out.data(), out_max);
    REQUIRE(n >= 0);
    REQUIRE(n <= out_max);
    CHECK(out[size_t(out_max)].base == 0xdead); // nothing written past out_max
    Ranges result;
    for (int i = 0; i < n; i++)
        result.push_back({out[size_t(i)].base, out[size_t(i)].end()});
    return result;
}

} // namespace

TEST_CASE("memory map: subtracting holes from RAM")
{
    const Ranges ram{{0x80000000, 0x88000000}};
    CHECK(subtract(ram, {}) == ram);
    // A hole in the middle splits the range.
    CHECK(subtract(ram, {{0x80200000, 0x80400000}}) == Ranges{{0x80000000, 0x80200000}, {0x80400000, 0x88000000}});
    // At either edge it trims.
    CHECK(subtract(ram, {{0x80000000, 0x80080000}}) == Ranges{{0x80080000, 0x88000000}});
    CHECK(subtract(ram, {{0x87000000, 0x88000000}}) == Ranges{{0x80000000, 0x87000000}});
    // Overhanging either end, too.
    CHECK(subtract(ram, {{0x7f000000, 0x80001000}}) == Ranges{{0x80001000, 0x88000000}});
    CHECK(subtract(ram, {{0x87fff000, 0x90000000}}) == Ranges{{0x80000000, 0x87fff000}});
    // Covering everything, exactly or more.
    CHECK(subtract(ram, {{0x80000000, 0x88000000}}).empty());
    CHECK(subtract(ram, {{0x0, 0x100000000}}).empty());
    // Outside, adjacent, or empty holes change nothing.
    CHECK(subtract(ram, {{0x10000000, 0x20000000}}) == ram);
    CHECK(subtract(ram, {{0x70000000, 0x80000000}}) == ram);
    CHECK(subtract(ram, {{0x88000000, 0x89000000}}) == ram);
    CHECK(subtract(ram, {{0x84000000, 0x84000000}}) == ram);
}

TEST_CASE("memory map: many holes, many ranges, sorted output")
{
    // Holes given out of order, overlapping and touching each other.
    Ranges holes{{0x80600000, 0x80700000}, {0x80100000, 0x80200000}, {0x80150000, 0x80300000},
                 {0x80300000, 0x80400000}, {0x80650000, 0x80680000}};
    CHECK(subtract({{0x80000000, 0x80800000}}, holes) ==
          Ranges{{0x80000000, 0x80100000}, {0x80400000, 0x80600000}, {0x80700000, 0x80800000}});
    // Ranges given out of order come out sorted; a hole spanning two
    // ranges trims both.
    Ranges ram{{0x200000000, 0x280000000}, {0x80000000, 0x100000000}, {0x40000000, 0x50000000}};
    CHECK(subtract(ram, {{0xf0000000, 0x210000000}}) ==
          Ranges{{0x40000000, 0x50000000}, {0x80000000, 0xf0000000}, {0x210000000, 0x280000000}});
    // Many small holes (a reservation per page).
    Ranges many;
    for (u64 i = 0; i < 10; i++)
        many.push_back({0x80000000 + (2 * i + 1) * 0x1000, 0x80000000 + (2 * i + 2) * 0x1000});
    Ranges got = subtract({{0x80000000, 0x80015000}}, many);
    REQUIRE(got.size() == 11);
    for (u64 i = 0; i < 10; i++)
        CHECK(got[i] == std::make_pair(0x80000000 + 2 * i * 0x1000, 0x80000000 + (2 * i + 1) * 0x1000));
    CHECK(got[10] == std::make_pair(u64(0x80014000), u64(0x80015000)));
}

TEST_CASE("memory map: a full output array loses pieces, never overflows")
{
    // Only three slots: a split that does not fit drops a piece (memory is
    // lost, which is safe), but nothing is written past the array and no
    // reserved byte is ever reported free.
    Ranges holes{{0x80100000, 0x80200000}, {0x80300000, 0x80400000}, {0x80500000, 0x80600000}};
    Ranges got = subtract({{0x80000000, 0x80800000}}, holes, 3);
    CHECK(got.size() == 3);
    for (auto& r : got)
        for (auto& h : holes)
            CHECK((r.second <= h.first || r.first >= h.second));
    // More input ranges than slots.
    Ranges ram;
    for (u64 i = 0; i < 5; i++)
        ram.push_back({i * 0x10000000, i * 0x10000000 + 0x1000000});
    CHECK(subtract(ram, {}, 2).size() == 2);
    CHECK(subtract({}, holes).empty());
}

// ---- Random ------------------------------------------------------------------------------

TEST_CASE("random: reproducible, seed-dependent, in range")
{
    // An independent statement of xorshift64* (Vigna, 2014): shifts 12, 25,
    // 27 and the multiplier 2685821657736338717.
    auto reference = [](u64& x) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        return x * 2685821657736338717ull;
    };
    Random a(42), b(42), c(43);
    u64 ref = 42;
    bool differs = false;
    for (int i = 0; i < 1000; i++) {
        u64 va = a.next();
        REQUIRE(va == b.next());
        REQUIRE(va == reference(ref));
        if (va != c.next())
            differs = true;
    }
    CHECK(differs);

    // Seed 0 would be a fixed point of xorshift; it is replaced.
    Random z(0);
    u64 first = z.next();
    CHECK(first != 0);
    CHECK(z.next() != first);

    Random r(7);
    for (u64 bound : {u64(1), u64(2), u64(3), u64(10), u64(1000), ~u64(0)})
        for (int i = 0; i < 200; i++)
            REQUIRE(r.below(bound) < bound);
    // Every residue of a small bound shows up.
    bool seen[6] = {};
    for (int i = 0; i < 600; i++)
        seen[r.below(6)] = true;
    for (bool s : seen)
        CHECK(s);
}

// ---- Atomic and types.h -------------------------------------------------------------------

TEST_CASE("atomic: the operations return the old value")
{
    Atomic<u32> a(5);
    CHECK(a.load() == 5);
    CHECK(a.fetch_add(3) == 5);
    CHECK(a.fetch_sub(1) == 8);
    CHECK(a.exchange(100) == 7);
    CHECK(a.fetch_or(1) == 100);
    CHECK(a.fetch_and(0xf0) == 101);
    CHECK(a.load(MemoryOrder::Relaxed) == 96);
    u32 expected = 1;
    CHECK_FALSE(a.compare_exchange(expected, 2));
    CHECK(expected == 96); // a failed exchange reports the current value
    CHECK(a.compare_exchange(expected, 2, MemoryOrder::AcqRel));
    CHECK(a.load(MemoryOrder::Acquire) == 2);
    a.store(9, MemoryOrder::Release);
    CHECK(*a.raw() == 9);

    Atomic<bool> flag;
    CHECK_FALSE(flag.load());
    CHECK_FALSE(flag.exchange(true));
    CHECK(flag.load());
    flag.store(false);
    CHECK_FALSE(flag.load());
    CHECK(sizeof(Atomic<bool>) == 4); // a word: RISC-V has no byte AMOs
}

TEST_CASE("types: alignment and overflow helpers")
{
    CHECK(align_down(0x1fff, 0x1000) == 0x1000);
    CHECK(align_up(0x1001, 0x1000) == 0x2000);
    CHECK(align_up(0x1000, 0x1000) == 0x1000);
    CHECK(align_up(0, 0x1000) == 0);
    CHECK(is_aligned(0x200000, 0x200000));
    CHECK_FALSE(is_aligned(0x201000, 0x200000));
    CHECK(page_round_up(1) == PAGE_SIZE);
    CHECK(page_round_down(PAGE_SIZE - 1) == 0);
    u64 sum;
    CHECK_FALSE(add_overflows(1, 2, &sum));
    CHECK(sum == 3);
    CHECK(add_overflows(~u64(0), 1, &sum));
    CHECK(add_overflows(u64(1) << 63, u64(1) << 63, &sum));
    CHECK(min(3, 4) == 3);
    CHECK(max<u64>(3, 4) == 4);
    int x = 1, y = 2;
    swap(x, y);
    CHECK(x == 2);
    CHECK(y == 1);
    struct S {
        int a;
        ListNode node;
    } s;
    CHECK(container_of(&s.node, S, node) == &s);
}
