/*
 * Saving and restoring the user's floating-point registers. The kernel
 * itself is built without floating point; these run only when a process is
 * switched out or back in. sstatus.FS must not be Off while they run, or
 * the instructions trap; both leave it Clean.
 */
    .option arch, +d
    .text
    .globl _ZN4arch7fp_saveEP7FpState
_ZN4arch7fp_saveEP7FpState:
    li      t0, (3 << 13)
    csrc    sstatus, t0
    li      t0, (2 << 13)
    csrs    sstatus, t0
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd     f\n, \n*8(a0)
    .endr
    frcsr   t0
    sd      t0, 256(a0)
    ret

    .globl _ZN4arch10fp_restoreEPK7FpState
_ZN4arch10fp_restoreEPK7FpState:
    li      t0, (3 << 13)
    csrc    sstatus, t0
    li      t0, (2 << 13)
    csrs    sstatus, t0
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld     f\n, \n*8(a0)
    .endr
    ld      t0, 256(a0)
    fscsr   t0
    ret
