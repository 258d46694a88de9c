/*
 * Converting between physical addresses and the kernel's direct map.
 *
 * In the kernel every physical page is visible at pa + DIRECT_MAP_BASE.
 * Host unit tests run the same code over a buffer that stands in for RAM,
 * so there the offset is a variable the test sets.
 */
#pragma once

#include "../lib/types.h"

#ifdef TANDEM_HOST
extern u64 g_direct_map_offset;
inline u64 direct_map_offset() { return g_direct_map_offset; }
#else
#include "../../riscv/arch.h"
constexpr u64 direct_map_offset() { return DIRECT_MAP_BASE; }
#endif

inline void* phys_to_virt(paddr_t pa) { return reinterpret_cast<void*>(pa + direct_map_offset()); }
template <typename T> inline T* phys_to_ptr(paddr_t pa) { return static_cast<T*>(phys_to_virt(pa)); }
inline paddr_t virt_to_phys(const void* va) { return uptr(va) - direct_map_offset(); }
