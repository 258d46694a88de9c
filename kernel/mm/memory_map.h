/*
 * Arithmetic on sets of physical ranges: which parts of RAM are free once
 * the kernel image, the device tree, the initrd and the firmware's
 * reservations are taken out.
 */
#pragma once

#include "../board.h"

constexpr int MEMORY_MAP_MAX_RANGES = 32;

// Writes the parts of `ranges` not covered by any of `holes` into `out`
// (sorted by base, at most out_max); returns how many.
int subtract_ranges(const MemRange* ranges, int range_count, const MemRange* holes, int hole_count, MemRange* out,
                    int out_max);
