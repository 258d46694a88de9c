/*
 * Building and installing the kernel's page table; see kernel_map.cc.
 */
#pragma once

#include "../kernel/lib/result.h"

struct BoardInfo;

void early_map_ram(const BoardInfo& board);
Result<void> build_kernel_map(const BoardInfo& board);
void activate_kernel_map();
paddr_t kernel_page_table_root();
