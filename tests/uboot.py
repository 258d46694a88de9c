#!/usr/bin/env python3
"""Booting Tandem the way a real board does: through U-Boot's booti.

On a board such as the VisionFive 2 the firmware (OpenSBI, then U-Boot in
S-mode) reads the kernel Image and the file system from an SD card into
memory and starts the kernel with `booti`, handing it the file system as
a RAM disk (/chosen linux,initrd-start/end) and its own device tree. This
module plays that out on QEMU virt with Debian's S-mode U-Boot
(package u-boot-qemu):

  - make_sd_image() writes an "SD card": an MBR partition table with one
    ext4 partition holding Image and fs.img (mke2fs -d fills it without
    root rights). QEMU attaches it as a virtio-blk *PCI* disk: U-Boot can
    read it, Tandem has no PCI driver and so cannot, just as it has no
    driver for the VisionFive 2's SD controller. The root file system must
    therefore come from the RAM disk, as on the board.
  - boot_script() is what a student would type at the `=> ` prompt: stop
    autoboot, `virtio scan`, `load` both files, `setenv bootargs`, then
    `booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}`.
    tests/run_qemu.py types it on the serial console (QemuConfig.boot =
    "uboot") and then reads the kernel's output as for any other run.
  - check_image() checks the Linux RISC-V Image header of build/Image
    against build/kernel.elf on the host: magic "RSC\\x05" at offset 56,
    text_offset, image_size covering .bss, and that the bytes are the
    ELF's loadable segments.

By hand:
    tests/uboot.py --check                     # the header check only
    tests/uboot.py --sd-image build/sd.img     # write the SD image
    tests/run_qemu.py --uboot --append run=usertests --suite usertests
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from typing import List, Optional, Tuple

UBOOT_BIN = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
# The addresses below are U-Boot's own defaults for QEMU virt
# (kernel_addr_r=0x84000000, ramdisk_addr_r=0x8c300000), so RAM must reach
# past 0x8c300000 + the size of fs.img: 256 MiB does.
UBOOT_MEMORY = "256M"
# For the high-memory run: 5 GiB of RAM (0x80000000-0x1c0000000), and the
# device tree and RAM disk moved above 4 GiB before booti, as U-Boot may
# leave them on an 8 GiB VisionFive 2. The kernel must reach both through
# its direct map before it knows how much RAM there is.
HIGH_MEMORY = "5G"
HIGH_RAMDISK_ADDR = 0x1a0000000
HIGH_FDT_ADDR = 0x1b0000000

# What the kernel's Image header must say (riscv/entry.S, riscv/memlayout.h).
IMAGE_MAGIC = b"RISCV\0\0\0"   # offset 48, deprecated but still checked by old loaders
IMAGE_MAGIC2 = b"RSC\x05"      # offset 56, what booti checks
IMAGE_TEXT_OFFSET = 0x200000
IMAGE_VERSION = 0x2            # header version 0.2
SZ_2M = 0x200000

# The U-Boot prompt, and what it prints when a command fails; seeing one of
# these ends the run at once instead of waiting for the timeout.
PROMPT = r"=> "
UBOOT_ERRORS = (r"\*\* [^\n]*\*\*|Bad Linux RISCV Image magic|Unknown command|Wrong Ramdisk Image Format|"
                r"Could not find a valid device tree|Image lacks image_size|Failed to load|ERROR: ")


# ---- the SD card ----------------------------------------------------------------------

def _find_mke2fs() -> Optional[str]:
    found = shutil.which("mke2fs")
    if found:
        return found
    for d in ("/usr/sbin", "/sbin"):  # not on a normal user's PATH
        if os.access(os.path.join(d, "mke2fs"), os.X_OK):
            return os.path.join(d, "mke2fs")
    return None


def make_sd_image(out: str, files: List[Tuple[str, str]]) -> None:
    """Writes a disk image at `out`: an MBR with one bootable Linux
    partition starting at 1 MiB (where SD cards put their first partition),
    formatted ext4 and holding `files`, a list of (name on the card, host
    path). Raises RuntimeError if mke2fs is missing or fails."""
    mke2fs = _find_mke2fs()
    if not mke2fs:
        raise RuntimeError("mke2fs not found (Debian package e2fsprogs; make deps installs it)")
    payload = sum(os.path.getsize(path) for _, path in files)
    mib = 1 << 20
    # Room for the file system's own metadata, rounded to whole MiB.
    part_bytes = ((payload + payload // 8 + 4 * mib) + mib - 1) // mib * mib
    start = mib
    with open(out, "wb") as f:
        f.truncate(start + part_bytes)
        mbr = bytearray(512)
        # One entry: bootable, type 0x83 (Linux), LBA start and length in
        # 512-byte sectors; the CHS fields stay zero (nobody reads them).
        mbr[446:462] = struct.pack("<B3sB3sII", 0x80, b"\0\0\0", 0x83, b"\0\0\0", start // 512, part_bytes // 512)
        mbr[510:512] = b"\x55\xaa"
        f.write(mbr)
    with tempfile.TemporaryDirectory(prefix="tandem-sd-") as tree:
        for name, path in files:
            shutil.copyfile(path, os.path.join(tree, name))
        cmd = [mke2fs, "-q", "-F", "-t", "ext4", "-L", "boot", "-E", f"offset={start}", "-d", tree,
               out, f"{part_bytes // 1024}k"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {p.stdout.decode(errors='replace').strip()}")


# ---- QEMU and the console script ------------------------------------------------------

def qemu_command(machine: str, memory: str, smp: int, sd_image: str, extra_args: List[str]) -> List[str]:
    """QEMU boots OpenSBI (-bios default), which starts U-Boot in S-mode
    (-kernel u-boot.bin); the SD image is a virtio-blk PCI disk."""
    return ["qemu-system-riscv64", "-machine", machine, "-bios", "default", "-m", memory, "-smp", str(smp),
            "-nographic", "-no-reboot", "-kernel", UBOOT_BIN,
            "-drive", f"file={sd_image},if=none,format=raw,id=sdcard",
            "-device", "virtio-blk-pci,drive=sdcard"] + list(extra_args)


def boot_script(bootargs: str, ramdisk: bool = True, high: bool = False) -> List[Tuple[str, str]]:
    """The U-Boot session as (wait for this regular expression, then type
    this) steps. Each step after a `load` waits for its "bytes read" line,
    so a failed load stops the script where it failed. With `high`, the
    device tree and the RAM disk are moved above 4 GiB first (HIGH_*)."""
    loaded = r"\d+ bytes read[^\n]*\n" + PROMPT
    steps = [
        # bootdelay is 2 s: any key stops the automatic distro boot.
        (r"Hit any key to stop autoboot", " "),
        (PROMPT, "virtio scan\r"),
        (PROMPT, "load virtio 0:1 ${kernel_addr_r} Image\r"),
    ]
    if ramdisk:
        steps.append((loaded, "load virtio 0:1 ${ramdisk_addr_r} fs.img\r"))
    ramdisk_addr, fdt_addr, after_load = "${ramdisk_addr_r}", "${fdtcontroladdr}", loaded
    if high:
        # U-Boot only loads files below 4 GiB here; copy them up instead.
        # fdt move leaves room for the /chosen entries booti adds.
        steps.append((after_load, f"fdt move ${{fdtcontroladdr}} {HIGH_FDT_ADDR:#x} 0x10000\r"))
        after_load = PROMPT
        fdt_addr = f"{HIGH_FDT_ADDR:#x}"
        if ramdisk:
            steps.append((PROMPT, f"cp.b ${{ramdisk_addr_r}} {HIGH_RAMDISK_ADDR:#x} ${{filesize}}\r"))
            ramdisk_addr = f"{HIGH_RAMDISK_ADDR:#x}"
    # `setenv bootargs` with nothing after it deletes the variable.
    steps.append((after_load, (f"setenv bootargs {bootargs}" if bootargs else "setenv bootargs") + "\r"))
    # ${filesize} is the size of the last file loaded: fs.img.
    rd = f"{ramdisk_addr}:${{filesize}}" if ramdisk else "-"
    steps.append((PROMPT, f"booti ${{kernel_addr_r}} {rd} {fdt_addr}\r"))
    # booti prints this just before it jumps; after it, the kernel speaks.
    steps.append((r"Starting kernel", ""))
    return steps


# ---- the Image header -------------------------------------------------------------------

def _elf_load_segments(elf: bytes):
    """(vaddr, paddr, file bytes, memsz) of each PT_LOAD of a little-endian ELF64."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a little-endian ELF64 file")
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    segments = []
    for i in range(phnum):
        p_type, _flags, offset, vaddr, paddr, filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", elf, phoff + i * phentsize)
        if p_type == 1:
            segments.append((vaddr, paddr, elf[offset:offset + filesz], memsz))
    return segments


def check_image(image_path: str, elf_path: str) -> List[Tuple[str, bool, str]]:
    """Checks the Image U-Boot will boot. Returns (check name, ok, reason)."""
    checks: List[Tuple[str, bool, str]] = []

    def check(name: str, ok: bool, reason: str = ""):
        checks.append((name, bool(ok), "" if ok else reason))

    try:
        with open(image_path, "rb") as f:
            image = f.read()
        with open(elf_path, "rb") as f:
            segments = _elf_load_segments(f.read())
    except (OSError, ValueError) as e:
        return [("image-files", False, f"cannot read {image_path} / {elf_path}: {e}")]
    if len(image) < 64 or not segments:
        return [("image-files", False, f"{image_path} is {len(image)} bytes, {elf_path} has no PT_LOAD")]

    code0, code1, text_offset, image_size, flags, version, _res1, _res2 = struct.unpack_from("<IIQQQIIQ", image, 0)
    check("image-magic", image[56:60] == IMAGE_MAGIC2 and image[48:56] == IMAGE_MAGIC,
          f"magic at 48 is {image[48:56]!r} and at 56 {image[56:60]!r}; booti wants {IMAGE_MAGIC2!r} at 56")
    check("image-version", version == IMAGE_VERSION and flags & 1 == 0,
          f"version {version:#x} (want {IMAGE_VERSION:#x}), flags {flags:#x} (bit 0 must be 0: little endian)")
    # booti puts the Image at (start of RAM) + text_offset; the kernel maps
    # itself with 2 MiB pages, so that must be 2 MiB aligned, and the ELF's
    # own load address (for qemu -kernel) must sit at the same offset.
    first_paddr = min(p for _, p, _, _ in segments)
    check("image-text-offset", text_offset == IMAGE_TEXT_OFFSET and first_paddr % SZ_2M == 0,
          f"text_offset {text_offset:#x}, ELF load address {first_paddr:#x}")
    # image_size must cover everything up to _end, .bss included: U-Boot
    # reserves exactly that much and may put the ramdisk or the device tree
    # right after it.
    base = min(v for v, _, _, _ in segments)
    span = max(v + m for v, _, _, m in segments) - base
    check("image-size", image_size >= span and image_size % 4096 == 0 and image_size >= len(image),
          f"image_size {image_size:#x}, but the segments span {span:#x} and the file is {len(image):#x} bytes")
    # The file is the loadable segments laid out from the first one.
    same = all(image[p - first_paddr:p - first_paddr + len(data)] == data for _, p, data, _ in segments)
    check("image-contents", same, f"{image_path} does not match the PT_LOAD segments of {elf_path} (stale?)")
    # code0 must be a jump (jal x0) that stays inside the file: the
    # loader enters at offset 0.
    opcode, rd = code0 & 0x7f, (code0 >> 7) & 0x1f
    imm = (((code0 >> 31) & 1) << 20) | (((code0 >> 12) & 0xff) << 12) | (((code0 >> 20) & 1) << 11) | \
        (((code0 >> 21) & 0x3ff) << 1)
    if imm & (1 << 20):
        imm -= 1 << 21
    check("image-entry", opcode == 0x6f and rd == 0 and 64 <= imm < len(image),
          f"code0 {code0:#010x} is not a jump over the 64-byte header")
    return checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Helpers for booting Tandem through U-Boot's booti (the real-board path): check the "
                    "Image header, or write the SD-card image the U-Boot test run boots from. The run "
                    "itself is tests/run_qemu.py --uboot.")
    parser.add_argument("--check", action="store_true", help="check build/Image's header against build/kernel.elf")
    parser.add_argument("--image", default="build/Image", help="the Image (default build/Image)")
    parser.add_argument("--elf", default="build/kernel.elf", help="the kernel ELF (default build/kernel.elf)")
    parser.add_argument("--ramdisk", default="build/fs.img", help="the file system image (default build/fs.img)")
    parser.add_argument("--sd-image", metavar="PATH", help="write an SD-card image holding Image and fs.img")
    parser.add_argument("--script", action="store_true", help="print the U-Boot commands the test types")
    parser.add_argument("--append", default="", help="bootargs for --script")
    parser.add_argument("--high", action="store_true", help="--script: with the device tree and RAM disk "
                        "moved above 4 GiB")
    args = parser.parse_args(argv)
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    status = 0
    if args.check:
        for name, ok, reason in check_image(args.image, args.elf):
            print(f"{'pass' if ok else 'FAIL'}({name})" + (f": {reason}" if reason else ""))
            status |= 0 if ok else 1
    if args.sd_image:
        make_sd_image(args.sd_image, [("Image", args.image), ("fs.img", args.ramdisk)])
        print(f"wrote {args.sd_image}")
    if args.script:
        for _, typed in boot_script(args.append, high=args.high):
            if typed.strip():
                print(typed.strip())
    if not (args.check or args.sd_image or args.script):
        parser.print_help()
    return status


if __name__ == "__main__":
    sys.exit(main())
