/*
 * Arithmetic on sets of physical ranges, for bringing up memory at boot:
 * which parts of RAM are free once the kernel image, the device tree, the
 * initrd and the firmware's reservations are taken out; which spans need
 * page descriptors; what a mem= limit leaves; whether a range lies in RAM.
 * Portable, so the host tests check it against real boards' trees.
 */
#pragma once

#include "../board/board.h"

constexpr int MEMORY_MAP_MAX_RANGES = 32;

// Writes the parts of `ranges` not covered by any of `holes` into `out`
// (sorted by base, at most out_max); returns how many.
int subtract_ranges(const MemRange* ranges, int range_count, const MemRange* holes, int hole_count, MemRange* out,
                    int out_max);

// The spans of frames that need page descriptors (page_alloc.h) for the
// given memory banks: each bank clipped to what the direct map reaches
// (PAGE_PHYS_LIMIT) and widened to whole maximal blocks, and banks that
// would share a 128 MiB section merged into one span (describing the small
// hole between them). Writes at most out_max spans, sorted; returns how
// many. Banks far apart stay apart, so a hole costs nothing.
int plan_descriptor_spans(const MemRange* memory, int count, MemRange* out, int out_max);

// Keeps only the lowest `limit` bytes of RAM (the mem= boot argument, as on
// Linux): banks are cut or dropped, in address order. Returns the new count.
int limit_memory(MemRange* memory, int count, u64 limit);

// True if [base, base + size) lies entirely inside one of the ranges.
bool range_inside(const MemRange* ranges, int count, u64 base, u64 size);

// Parses a size such as "512M", "2G", "65536" or "64k" (K, M, G: powers
// of 1024). Returns false for anything else, including overflow.
bool parse_size(StringView text, u64* bytes);
