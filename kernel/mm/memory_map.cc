/*
 * Range subtraction for the boot memory map. Inputs are small (a few memory
 * banks and a dozen reservations), so the quadratic algorithm is clearest.
 */
#include "memory_map.h"

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
    // Sort by base (insertion sort; n is tiny).
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j].base < out[j - 1].base; j--)
            swap(out[j], out[j - 1]);
    return n;
}
