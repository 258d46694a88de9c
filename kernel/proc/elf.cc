/*
 * ELF64 parsing for exec (see elf.h).
 *
 * Each PT_LOAD segment becomes one page-aligned mapping: its start is
 * rounded down to a page, which moves the file offset by the same amount
 * (so p_offset and p_vaddr must agree modulo the page size), and its bytes
 * beyond p_filesz are zero (the .bss).
 */
#include "elf.h"
#include "../uapi/mman.h"

namespace {
constexpr u16 ET_EXEC = 2;
constexpr u16 EM_RISCV = 243;
constexpr u32 PT_LOAD = 1;
constexpr u32 PF_X = 1, PF_W = 2, PF_R = 4;
constexpr u64 PHDR_SIZE = 56;

u16 le16(const u8* p) { return u16(p[0] | p[1] << 8); }
u32 le32(const u8* p) { return u32(p[0]) | u32(p[1]) << 8 | u32(p[2]) << 16 | u32(p[3]) << 24; }
u64 le64(const u8* p) { return u64(le32(p)) | u64(le32(p + 4)) << 32; }
} // namespace

Result<ElfImage> parse_elf(Span<const u8> head, u64 file_size, const ElfLimits& limits)
{
    const u8* h = head.data();
    if (head.size() < 64 || file_size < 64)
        return Error(ERR_NOEXEC);
    if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F')
        return Error(ERR_NOEXEC);
    if (h[4] != 2 || h[5] != 1 || h[6] != 1) // 64-bit, little-endian, version 1
        return Error(ERR_NOEXEC);
    if (le16(h + 16) != ET_EXEC || le16(h + 18) != EM_RISCV)
        return Error(ERR_NOEXEC);
    ElfImage image;
    image.entry = le64(h + 24);
    u64 phoff = le64(h + 32);
    u16 phentsize = le16(h + 54);
    u16 phnum = le16(h + 56);
    if (phentsize != PHDR_SIZE || phnum == 0 || phoff > head.size() || phnum * PHDR_SIZE > head.size() - phoff)
        return Error(ERR_NOEXEC);

    for (u16 i = 0; i < phnum; i++) {
        const u8* ph = h + phoff + i * PHDR_SIZE;
        if (le32(ph) != PT_LOAD)
            continue;
        u32 flags = le32(ph + 4);
        u64 offset = le64(ph + 8), vaddr = le64(ph + 16);
        u64 filesz = le64(ph + 32), memsz = le64(ph + 40);
        u64 vend, fend;
        if (memsz == 0)
            continue;
        if (filesz > memsz || add_overflows(vaddr, memsz, &vend) || add_overflows(offset, filesz, &fend))
            return Error(ERR_NOEXEC);
        if (fend > file_size || (vaddr % PAGE_SIZE) != (offset % PAGE_SIZE))
            return Error(ERR_NOEXEC);
        if (vaddr < limits.lowest || page_round_up(vend) > limits.highest || vend < vaddr)
            return Error(ERR_NOEXEC);
        if (image.segment_count == ELF_MAX_SEGMENTS)
            return Error(ERR_NOEXEC);
        ElfSegment seg;
        u64 lead = vaddr % PAGE_SIZE;
        seg.vaddr = vaddr - lead;
        seg.memsz = page_round_up(vend) - seg.vaddr;
        seg.file_offset = offset - lead;
        seg.filesz = filesz + lead;
        seg.prot = (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
        // Segments may not overlap one another.
        for (int j = 0; j < image.segment_count; j++) {
            const ElfSegment& o = image.segments[j];
            if (seg.vaddr < o.vaddr + o.memsz && o.vaddr < seg.vaddr + seg.memsz)
                return Error(ERR_NOEXEC);
        }
        image.segments[image.segment_count++] = seg;
        image.end = max(image.end, seg.vaddr + seg.memsz);
    }
    if (image.segment_count == 0)
        return Error(ERR_NOEXEC);
    bool entry_ok = false;
    for (int j = 0; j < image.segment_count; j++) {
        const ElfSegment& s = image.segments[j];
        if (image.entry >= s.vaddr && image.entry < s.vaddr + s.memsz && (s.prot & PROT_EXEC))
            entry_ok = true;
    }
    if (!entry_ok)
        return Error(ERR_NOEXEC);
    return image;
}
