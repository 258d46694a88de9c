/*
 * printf-style formatting, shared by the kernel's kprintf and the user
 * library's printf. Supports the flags '-' '0' '#' '+' and ' ', a width and
 * a precision (numbers or '*'), the length modifiers hh h l ll z, and the
 * conversions d i u x X o p s c %, with C's meaning.
 */
#pragma once

#include "types.h"

// Receives each output character; ctx is passed through unchanged.
using FormatSink = void (*)(char c, void* ctx);

// Formats into sink; returns the number of characters produced.
int vformat(FormatSink sink, void* ctx, const char* fmt, va_list args);

int vsnprintf_k(char* buf, size_t size, const char* fmt, va_list args);
int snprintf_k(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
