/*
 * Parsing ELF64 executables for RISC-V (System V ABI, "ELF-64 Object File
 * Format"). Only what exec needs: the entry point and the PT_LOAD segments.
 *
 * The parser is portable and distrusts its input: every offset, size and
 * address is checked, so a corrupt file yields ERR_NOEXEC, never a bad
 * mapping. Host unit tests feed it hostile headers.
 */
#pragma once

#include "../lib/result.h"
#include "../lib/string_view.h"

constexpr int ELF_MAX_SEGMENTS = 8;

struct ElfSegment {
    u64 vaddr = 0;       // page-aligned start of the mapping
    u64 memsz = 0;       // bytes of memory from vaddr (page-rounded)
    u64 file_offset = 0; // file offset of vaddr
    u64 filesz = 0;      // bytes of file content from vaddr; zeros after
    u32 prot = 0;        // PROT_READ | PROT_WRITE | PROT_EXEC
};

struct ElfImage {
    u64 entry = 0;
    ElfSegment segments[ELF_MAX_SEGMENTS];
    int segment_count = 0;
    u64 end = 0; // first address after the highest segment (page-rounded)
};

struct ElfLimits {
    u64 lowest;  // lowest address a segment may use
    u64 highest; // first address a segment may not use
};

// `head` holds the first bytes of the file (the program headers must lie
// within them); file_size is the size of the whole file.
Result<ElfImage> parse_elf(Span<const u8> head, u64 file_size, const ElfLimits& limits);
