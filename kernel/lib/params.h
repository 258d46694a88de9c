/*
 * Kernel-wide tunables and limits, in one place.
 */
#pragma once

#include "types.h"

constexpr u64 TICK_HZ = 100;                // timer interrupts per second per hart
constexpr size_t KERNEL_STACK_ORDER = 2;    // kernel stacks are 2^2 pages (16 KiB)
constexpr size_t KERNEL_STACK_SIZE = PAGE_SIZE << KERNEL_STACK_ORDER;
constexpr size_t FDT_MAX_SIZE = 2 << 20;    // the largest device tree accepted
constexpr const char* TANDEM_VERSION = "0.1";
