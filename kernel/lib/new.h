/*
 * Placement new. The kernel has no C++ standard library, so it declares the
 * one form of operator new it uses; host builds take it from <new>.
 */
#pragma once

#include "types.h"

#ifdef TANDEM_HOST
#include <new>
#else
inline void* operator new(size_t, void* where) noexcept { return where; }
inline void* operator new[](size_t, void* where) noexcept { return where; }
#endif
