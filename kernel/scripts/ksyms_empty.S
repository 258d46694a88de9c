/* First-pass placeholder for the symbol table (see kernel/scripts/ksyms.py). */
    .section .ksyms, "a"
    .balign 8
    .globl ksyms_count, ksyms_addresses, ksyms_name_offsets, ksyms_names
ksyms_count:
    .dword 0
ksyms_addresses:
ksyms_name_offsets:
ksyms_names:
    .byte 0
