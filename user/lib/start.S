/*
 * Process entry point.
 *
 * The kernel enters _start with a0 = argc, a1 = argv and sp set to the top
 * of the stack (argv's strings live above it). Clearing ra and fp ends the
 * frame-pointer chain here, so a backtrace stops cleanly.
 */
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    andi sp, sp, -16        /* the ABI wants 16-byte stack alignment */
    li ra, 0
    li fp, 0
    call ulib_start         /* never returns: it calls exit(main(...)) */
1:  j 1b
    .size _start, . - _start
