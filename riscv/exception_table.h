/*
 * Exception fix-ups: kernel instructions that may fault on purpose (user
 * memory accesses, CSR probes) are listed in the __ex_table section with
 * the address to resume at. A fault at a listed instruction jumps there
 * instead of panicking.
 */
#pragma once

#include "../kernel/lib/types.h"

struct ExceptionFixup {
    u64 instruction;
    u64 fixup;
};

// The fix-up address for a faulting pc, or 0.
u64 find_exception_fixup(u64 pc);

// Adds a fix-up entry in inline assembly: EX_TABLE_ENTRY(1b, 2f).
#define EX_TABLE_ENTRY(insn, fix)          \
    ".pushsection __ex_table, \"a\"\n"     \
    ".balign 8\n"                          \
    ".dword " #insn ", " #fix "\n"         \
    ".popsection\n"
