/*
 * Range arithmetic for the boot memory map (see memory_map.h). Inputs are
 * small (a few memory banks and a dozen reservations), so the quadratic
 * algorithms are the clearest.
 */
#include "memory_map.h"
#include "page_alloc.h"

namespace {
void sort_by_base(MemRange* ranges, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && ranges[j].base < ranges[j - 1].base; j--)
            swap(ranges[j], ranges[j - 1]);
}
} // namespace

int subtract_ranges(const MemRange* ranges, int range_count, const MemRange* holes, int hole_count, MemRange* out,
                    int out_max)
{
    int n = 0;
    for (int i = 0; i < range_count; i++) {
        if (n >= out_max)
            break;
        out[n++] = ranges[i];
    }
    for (int h = 0; h < hole_count; h++) {
        u64 hs = holes[h].base, he = holes[h].base + holes[h].size;
        if (he <= hs)
            continue;
        for (int i = 0; i < n; i++) {
            u64 s = out[i].base, e = out[i].end();
            if (he <= s || hs >= e)
                continue;
            bool keep_left = hs > s, keep_right = he < e;
            if (keep_left && keep_right) {
                out[i] = MemRange{s, hs - s};
                if (n < out_max)
                    out[n++] = MemRange{he, e - he};
            } else if (keep_left) {
                out[i] = MemRange{s, hs - s};
            } else if (keep_right) {
                out[i] = MemRange{he, e - he};
            } else {
                out[i] = out[--n];
                i--;
            }
        }
    }
    sort_by_base(out, n);
    return n;
}

int plan_descriptor_spans(const MemRange* memory, int count, MemRange* out, int out_max)
{
    MemRange banks[BOARD_MAX_MEMORY];
    int n = 0;
    for (int i = 0; i < count && n < BOARD_MAX_MEMORY; i++) {
        u64 end = memory[i].end() < memory[i].base ? ~u64(0) : memory[i].end(); // a size that wraps
        u64 start = align_down(memory[i].base, PAGE_MAX_BLOCK);
        end = align_up(min(end, PAGE_PHYS_LIMIT), PAGE_MAX_BLOCK);
        if (start < end)
            banks[n++] = MemRange{start, end - start};
    }
    sort_by_base(banks, n);
    int spans = 0;
    for (int i = 0; i < n; i++) {
        MemRange* last = spans ? &out[spans - 1] : nullptr;
        // The page allocator maps each 128 MiB section to one span, so banks
        // that meet in a section (or overlap) are described together. When
        // out is full, the rest joins the last span too.
        if (last && ((banks[i].base >> PAGE_SECTION_SHIFT) <= ((last->end() - 1) >> PAGE_SECTION_SHIFT) ||
                     spans == out_max)) {
            if (banks[i].end() > last->end())
                last->size = banks[i].end() - last->base;
            continue;
        }
        if (out_max == 0)
            return 0;
        out[spans++] = banks[i];
    }
    return spans;
}

int limit_memory(MemRange* memory, int count, u64 limit)
{
    sort_by_base(memory, count);
    int kept = 0;
    for (int i = 0; i < count && limit; i++) {
        memory[kept] = memory[i];
        memory[kept].size = min(memory[i].size, limit);
        limit -= memory[kept].size;
        kept++;
    }
    return kept;
}

bool range_inside(const MemRange* ranges, int count, u64 base, u64 size)
{
    u64 end;
    if (add_overflows(base, size, &end))
        return false;
    for (int i = 0; i < count; i++)
        if (base >= ranges[i].base && end <= ranges[i].end())
            return true;
    return false;
}

bool parse_size(StringView text, u64* bytes)
{
    if (text.is_empty())
        return false;
    u64 value = 0;
    size_t i = 0;
    for (; i < text.length() && text[i] >= '0' && text[i] <= '9'; i++) {
        if (__builtin_mul_overflow(value, u64(10), &value) || add_overflows(value, u64(text[i] - '0'), &value))
            return false;
    }
    if (i == 0 || i + 1 < text.length())
        return false;
    unsigned shift = 0;
    if (i < text.length()) {
        switch (text[i]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return false;
        }
    }
    if (shift && value > (~u64(0) >> shift))
        return false;
    *bytes = value << shift;
    return true;
}
