/*
 * The C string and memory functions the kernel (and the user library, which
 * compiles the same source) needs. In host builds the C library provides them.
 */
#pragma once

#include <stddef.h>

#ifdef TANDEM_HOST
#include <string.h>
size_t strlcpy(char* dst, const char* src, size_t size);
#else
#include "cstring.h"
#endif
