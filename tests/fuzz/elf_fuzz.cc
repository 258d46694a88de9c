/*
 * libFuzzer target: the ELF parser exec uses (kernel/proc/elf.cc, parse_elf).
 *
 * The input is the file: its first bytes are the head exec reads (up to a
 * page), its length the file size. On success the result must keep every
 * promise exec relies on, or this target aborts: segments page-aligned,
 * inside the limits, not overlapping, file bytes inside the file, at most
 * ELF_MAX_SEGMENTS, the entry point in an executable segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/proc/elf.h"
#include "kernel/uapi/mman.h"

namespace {
constexpr u64 LOWEST = 0x10000;         // USER_BASE
constexpr u64 HIGHEST = 0x1000000000;   // USER_MMAP_BASE
constexpr size_t HEAD = 4096;           // exec reads one page of headers

void require(bool ok)
{
    if (!ok)
        __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    size_t head_size = size < HEAD ? size : HEAD;
    uint8_t* head = static_cast<uint8_t*>(malloc(head_size ? head_size : 1));
    memcpy(head, data, head_size);
    auto parsed = parse_elf(Span<const u8>(head, head_size), size, ElfLimits{LOWEST, HIGHEST});
    if (parsed.ok()) {
        const ElfImage& image = parsed.value();
        require(image.segment_count >= 1 && image.segment_count <= ELF_MAX_SEGMENTS);
        bool entry_ok = false;
        for (int i = 0; i < image.segment_count; i++) {
            const ElfSegment& s = image.segments[i];
            require(s.vaddr % PAGE_SIZE == 0 && s.memsz % PAGE_SIZE == 0 && s.memsz > 0);
            require(s.vaddr >= LOWEST && s.vaddr + s.memsz <= HIGHEST && s.vaddr + s.memsz > s.vaddr);
            require(s.filesz <= s.memsz);
            require(s.file_offset + s.filesz <= size && s.file_offset + s.filesz >= s.file_offset);
            require(image.end >= s.vaddr + s.memsz);
            for (int j = 0; j < i; j++) {
                const ElfSegment& o = image.segments[j];
                require(!(s.vaddr < o.vaddr + o.memsz && o.vaddr < s.vaddr + s.memsz));
            }
            if ((s.prot & PROT_EXEC) && image.entry >= s.vaddr && image.entry < s.vaddr + s.memsz)
                entry_ok = true;
        }
        require(entry_ok);
    }
    free(head);
    return 0;
}
