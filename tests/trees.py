#!/usr/bin/env python3
"""Device trees for in-guest runs whose board QEMU does not describe by
itself, or describes differently from the board being rehearsed.

QEMU normally writes the tree it hands the firmware. A run in
tests/run_all.py may name a recipe instead (GuestRun.tree); the runner
then builds build/trees/<run>.dtb from it and boots with -dtb:

  icicle            tests/trees/mpfs-icicle-kit.dts, Linux 6.1's tree of the
                    Microchip PolarFire SoC Icicle Kit (QEMU 7.2 boots
                    microchip-icicle-kit with -kernel only when -dtb is given)
  icicle-dw-uart    the same with the console UART (MMUART1) made a
                    "snps,dw-apb-uart", the VisionFive 2's kind
  virt-first16-off  QEMU virt's own tree with cpu@0..15 disabled: OpenSBI
                    then boots on a hart beyond the first 16
  virt-bad-initrd   QEMU virt's own tree with linux,initrd-start/-end as
                    single 32-bit cells pointing outside RAM (what QEMU 7.2
                    writes when it loads an initrd above 4 GiB)
  virt-no-irqchip   QEMU virt's own tree with the PLIC's compatible changed
                    to one no driver knows: a board without an interrupt
                    controller the kernel can drive

Only dtc and fdtput (package device-tree-compiler) and QEMU are needed.
"""

import os
import subprocess
from typing import List

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = "qemu-system-riscv64"
ICICLE_DTS = "tests/trees/mpfs-icicle-kit.dts"
ICICLE_CONSOLE = "/soc/serial@20100000"  # MMUART1, what stdout-path's alias serial1 names
RECIPES = ("icicle", "icicle-dw-uart", "virt-first16-off", "virt-bad-initrd", "virt-no-irqchip")


def _run(cmd: List[str]):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stdout.decode(errors='replace').strip()}")


def _fdtput(dtb: str, *args: str):
    _run(["fdtput", dtb, *args])


def build(recipe: str, out: str, machine: str = "virt", smp: int = 1, memory: str = "128M") -> str:
    """Writes the tree of `recipe` to `out` (a .dtb path, relative to the
    repository); machine, smp and memory must be those of the run, since
    QEMU's own trees describe them. Returns out."""
    if recipe not in RECIPES:
        raise ValueError(f"unknown device tree recipe {recipe!r} (known: {', '.join(RECIPES)})")
    os.makedirs(os.path.join(REPO, os.path.dirname(out)), exist_ok=True)
    tmp = out + ".tmp"
    if recipe.startswith("icicle"):
        _run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", tmp, ICICLE_DTS])
        if recipe == "icicle-dw-uart":
            _fdtput(tmp, "-t", "s", ICICLE_CONSOLE, "compatible", "snps,dw-apb-uart")
    else:
        _run([QEMU, "-machine", f"{machine},dumpdtb={tmp}", "-smp", str(smp), "-m", memory,
              "-display", "none"])
        if recipe == "virt-first16-off":
            for cpu in range(min(16, smp - 1)):
                _fdtput(tmp, "-t", "s", f"/cpus/cpu@{cpu}", "status", "disabled")
        elif recipe == "virt-bad-initrd":
            # 0x1_0800_0000 written as one cell loses its top: 0x0800_0000 is MMIO, not RAM.
            _fdtput(tmp, "-t", "x", "/chosen", "linux,initrd-start", "8000000")
            _fdtput(tmp, "-t", "x", "/chosen", "linux,initrd-end", "9000000")
        elif recipe == "virt-no-irqchip":
            _fdtput(tmp, "-t", "s", "/soc/plic@c000000", "compatible", "acme,unknown-intc")
    os.replace(os.path.join(REPO, tmp), os.path.join(REPO, out))
    return out


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description="Build a device tree for an in-guest run (see the recipes above).",
                                     epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipe", choices=RECIPES)
    parser.add_argument("out", help="the .dtb to write")
    parser.add_argument("--machine", default="virt", help="QEMU board the run uses (virt recipes)")
    parser.add_argument("--smp", type=int, default=4, help="the run's -smp (virt recipes)")
    parser.add_argument("--memory", default="128M", help="the run's -m (virt recipes)")
    args = parser.parse_args(argv)
    print(build(args.recipe, os.path.relpath(os.path.abspath(args.out), REPO), args.machine, args.smp, args.memory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
