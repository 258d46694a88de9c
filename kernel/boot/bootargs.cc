/*
 * The kernel command line (/chosen/bootargs, QEMU -append): words separated
 * by spaces, each either a flag ("ktest") or key=value ("run=shmtests").
 */
#include "boot.h"

namespace {
// Calls fn(word) for each word; stops when fn returns true.
template <typename Fn> bool for_each_word(Fn fn)
{
    StringView args(g_board.bootargs);
    size_t i = 0;
    while (i < args.length()) {
        while (i < args.length() && args[i] == ' ')
            i++;
        size_t start = i;
        while (i < args.length() && args[i] != ' ')
            i++;
        if (i > start && fn(args.substring(start, i - start)))
            return true;
    }
    return false;
}
} // namespace

bool bootarg_flag(const char* flag)
{
    StringView want(flag);
    return for_each_word([&](StringView word) { return word == want; });
}

bool bootarg_value(const char* key, char* out, size_t out_size)
{
    StringView k(key);
    return for_each_word([&](StringView word) {
        if (word.length() <= k.length() || !word.starts_with(k) || word[k.length()] != '=')
            return false;
        StringView value = word.substring(k.length() + 1);
        size_t n = min(value.length(), out_size - 1);
        memcpy(out, value.data(), n);
        out[n] = 0;
        return true;
    });
}
