#!/usr/bin/env python3
"""Run every Tandem test: the host unit tests, then the in-guest runs.

`make test` calls this after building. It prints one line per run (and one
per failed case) as results come in, a table at the end, and as its very
last line "N passed, N failed", the totals over host test cases and
in-guest cases. The exit status is non-zero if anything failed.

The in-guest runs are defined in one place, RUNS below. Each is booted by
tests/run_qemu.py, with at most two QEMUs at a time (the machine this runs
on may have only two cores). User-space suites (usertests, shmtests,
synctests) are booted with -append run=<suite>, on 1 and on 4 harts, as
soon as their program exists in build/u/bin; until then they are listed as
"not built", which is never counted as a pass.

The same suites also run the ways a real board would run them (issue 8,
docs/porting.md): booted by U-Boot's booti from an SD-card image with the
file system as a RAM disk; on QEMU sifive_u (hart 0 without an MMU, a
SiFive UART, no virtio); and with the SBI timer instead of Sstc. A host-side
check of build/Image's header (tests/uboot.py) runs with them.

Host unit tests normally run as one process whose doctest summary gives
the counts. If that process dies (a sanitizer report, a crash, a hang),
the test case it died in is recorded as failed and the rest are run
again from the next case, so one broken case cannot hide the others.
"""

import argparse
import json
import concurrent.futures
import fnmatch
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402
import reboot_test  # noqa: E402
import trees  # noqa: E402
from fuzz import run_host_fuzz  # noqa: E402
import uboot  # noqa: E402
from progress import Progress  # noqa: E402
import gdb_test  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "labs"))
import labs  # noqa: E402
try:
    import check_starters  # noqa: E402  (the main tree only: starters do not have it)
except ImportError:
    check_starters = None
from doctests import extract as doc_extract  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "figures"))
import make_figures  # noqa: E402
import first_build_test  # noqa: E402
import progress_test  # noqa: E402
import arch_check  # noqa: E402
import lock_doc_check  # noqa: E402
from run_qemu import Case, QemuConfig, RunResult  # noqa: E402

REPO = run_qemu.REPO
HOST_BINARY = "build/host/unit_tests"
# The host test binaries: (label, binary, log name). The VM tests run the
# memory code against a fake MMU (tests/host/vm/).
HOST_BINARIES = [
    ("host unit tests", HOST_BINARY, "host"),
    ("host VM tests", "build/host/vm_tests", "host-vm"),
]
USER_BIN_DIR = "build/u/bin"
MAX_PARALLEL_QEMU = 2


@dataclass
class GuestRun:
    """One in-guest run of the table."""
    name: str
    group: str                        # ktest, panic, console, user, uboot, sifive_u, nosstc, icicle, irqchip, manyharts, memory
    kind: str = "suite"               # suite, boot or panic (see run_qemu.py), reboot (reboot_test.py); image: the header check; gdb (gdb_test.py); doc-host (doctests/extract.py), figures (docs/figures), first-build (first_build_test.py), arch-check (arch_check.py), lock-doc (lock_doc_check.py)
    boot: str = "direct"              # direct (QEMU loads the ELF) or uboot (booti from an SD image)
    uboot_high: bool = False          # uboot: device tree and RAM disk moved above 4 GiB
    machine: str = "virt"
    smp: int = 4
    memory: str = "128M"
    append: str = ""
    qemu_args: List[str] = field(default_factory=list)
    suite: Optional[str] = None       # summary name expected
    disk: bool = True                 # attach build/fs.img
    timeout: float = 120.0
    program: Optional[str] = None     # user program that must exist in build/u/bin
    wait_for: str = ""                # boot: regular expression to wait for
    send: Optional[str] = None        # boot: keystrokes to type
    expect: Optional[str] = None      # boot: expected after typing
    backtrace: List[str] = field(default_factory=list)  # panic: functions to name
    # Regular expressions the console must show (the boot banner, say),
    # checked as one extra case, <name>-banner. They catch a run that passes
    # for the wrong reason, such as ktest on fewer harts than asked for.
    log_checks: List[str] = field(default_factory=list)
    # A device tree recipe of tests/trees.py to boot with (-dtb) instead of
    # QEMU's own tree.
    tree: Optional[str] = None
    lab: Optional[str] = None         # kind "lab": the lab whose starter is checked (tests/labs/)

    def config(self, timeout_scale: float = 1.0) -> QemuConfig:
        return QemuConfig(name=self.name, machine=self.machine, smp=self.smp, memory=self.memory,
                          extra_args=list(self.qemu_args), append=self.append,
                          disk="build/fs.img" if self.disk else None, timeout=self.timeout * timeout_scale,
                          suite=self.suite, poweroff=self.machine not in run_qemu.NO_POWEROFF_MACHINES,
                          boot=self.boot, uboot_high=self.uboot_high)

    def missing(self) -> Optional[str]:
        """Why this run cannot happen yet, or None."""
        if self.program and not os.path.exists(os.path.join(USER_BIN_DIR, self.program)):
            return f"{USER_BIN_DIR}/{self.program} not built"
        return None


def user_suite(name: str, timeout: float = 300.0) -> List[GuestRun]:
    """A user-space suite, booted by init with run=<name>, on 1 and 4 harts
    (DESIGN.md section 7: every suite runs with both)."""
    return [GuestRun(f"{name}-virt-{n}", "user", smp=n, append=f"run={name}", suite=name,
                     timeout=timeout, program=name, log_checks=[rf"harts online: {n} \("]) for n in (1, 4)]


def harts_online(n: int) -> str:
    return rf"harts online: {n} \("


# What the console shows when the invariant checker is on.
VMCHECK_ON = r"vmcheck: address spaces are checked"

# What the console shows when the root file system is the RAM disk.
ON_RAMDISK = r"fs: ramdisk: "


def uboot_suite(name: str, smp: int = 4, timeout: float = 300.0) -> GuestRun:
    """A suite booted as on a real board: U-Boot loads build/Image and
    fs.img from an SD-card image and starts them with booti; the root is
    the RAM disk, and run=<name> comes from U-Boot's bootargs."""
    return GuestRun(f"{name}-uboot-{smp}", "uboot", boot="uboot", memory=uboot.UBOOT_MEMORY, smp=smp,
                    append=f"run={name}", suite=name, timeout=timeout, program=name,
                    log_checks=[r"Starting kernel", harts_online(smp), ON_RAMDISK, rf"bootargs: run={name}"])


def sifive_u_suite(name: str, harts: int = 4, timeout: float = 300.0) -> GuestRun:
    """A suite on QEMU sifive_u: QEMU hart 0 is the monitor core the kernel
    skips, so -smp harts+1; SiFive UART, SBI timer, RAM disk root."""
    return GuestRun(f"{name}-sifive_u-{harts + 1}", "sifive_u", machine="sifive_u", smp=harts + 1,
                    append=f"run={name}", suite=name, timeout=timeout, program=name,
                    log_checks=[harts_online(harts), r"timer: sbi", r"console sifive,uart0", ON_RAMDISK])


def icicle_suite(name: str, tree: str = "icicle", console: str = "ns16550a", timeout: float = 120.0) -> GuestRun:
    """A suite on QEMU's microchip-icicle-kit (PolarFire SoC) with Linux's
    tree, the rehearsal for a VisionFive 2 (docs/porting.md): 16550 console
    with 32-bit registers 4 bytes apart named through an alias, hart 0 a
    monitor core (so -smp 5 for 4 usable harts), a boot hart that changes
    from run to run, firmware without power-off, and RAM in two banks 62
    GiB apart. The banner must show nearly all of the 2 GiB fitted free
    (before descriptors were kept per bank, 640 MiB of it described the
    hole)."""
    suffix = "" if tree == "icicle" else "-" + tree.removeprefix("icicle-").replace("-", "")
    return GuestRun(f"{name}-icicle-5{suffix}", "icicle", machine="microchip-icicle-kit", smp=5, memory="3G",
                    tree=tree, append=f"run={name}", suite=name, timeout=timeout, program=name,
                    log_checks=[harts_online(4), rf"console {console} @ 0x20100000 irq 91", r"timer: sbi",
                                r"memory: 2048 MiB, 5[01]\d{4} pages free of 51\d{4}\n", ON_RAMDISK])


def aia_suite(name: str, aia: str, smp: int = 4, timeout: float = 300.0) -> GuestRun:
    """A suite on QEMU virt with the Advanced Interrupt Architecture instead
    of a PLIC: the APLIC in direct mode (aia=aplic), or the APLIC sending
    MSIs to each hart's IMSIC (aia=aplic-imsic)."""
    chip = {"aplic": r"aplic", "aplic-imsic": r"aplic\+imsic"}[aia]
    return GuestRun(f"{name}-virt-{smp}-{aia}", "irqchip", machine=f"virt,aia={aia}", smp=smp, append=f"run={name}",
                    suite=name, timeout=timeout, program=name,
                    log_checks=[harts_online(smp), rf", {chip} @ 0xd000000,"])


def nosstc_suite(name: str, smp: int = 4, timeout: float = 300.0) -> GuestRun:
    """A suite on a CPU without Sstc: every timer deadline is an SBI call."""
    return GuestRun(f"{name}-virt-{smp}-nosstc", "nosstc", smp=smp, append=f"run={name}", suite=name,
                    timeout=timeout, program=name, qemu_args=["-cpu", "rv64,sstc=false"],
                    log_checks=[harts_online(smp), r"timer: sbi"])


# ---- the table: every in-guest run of `make test` ---------------------------------------
RUNS: List[GuestRun] = [
    # Kernel self-tests: allocators hammered from every hart, lock
    # contention, timer ticks on every hart, page tables.
    GuestRun("ktest-virt-1", "ktest", smp=1, append="ktest", suite="ktest", disk=False,
             log_checks=[harts_online(1)]),
    GuestRun("ktest-virt-4", "ktest", smp=4, append="ktest", suite="ktest", disk=False,
             log_checks=[harts_online(4), r"timer: sstc"]),
    GuestRun("ktest-virt-8", "ktest", smp=8, append="ktest", suite="ktest", disk=False,
             log_checks=[harts_online(8)]),
    # Without Sstc the timer goes through SBI calls.
    GuestRun("ktest-virt-4-nosstc", "ktest", smp=4, append="ktest", suite="ktest", disk=False,
             qemu_args=["-cpu", "rv64,sstc=false"], log_checks=[harts_online(4), r"timer: sbi"]),
    # sifive_u: hart 0 is a monitor core without an MMU, so 5 QEMU harts
    # give the kernel 4, with hart ids that do not start at 0.
    GuestRun("ktest-sifive_u-5", "ktest", machine="sifive_u", smp=5, append="ktest", suite="ktest", disk=False,
             log_checks=[harts_online(4), r"hart ids(?: [1-4]){4}\)", r"timer: sbi"]),
    # Negative test: a deliberate panic must be reported with a symbolic
    # backtrace and must stop the machine with a failure status.
    GuestRun("ktest-panic", "panic", kind="panic", smp=4, append="ktest_panic", disk=False, timeout=60,
             backtrace=["panic_test_inner"]),
    # The console: the banner counts the harts, and typed input echoes.
    GuestRun("console-virt-4", "console", kind="boot", smp=4, timeout=60, wait_for=r"harts online: 4 \(",
             send="tandem echo check\r", expect=r"tandem echo check"),
    # User-space suites, included once their programs are built.
    *user_suite("usertests"),
    *user_suite("shmtests"),
    *user_suite("synctests"),
    # ---- the real-board paths (docs/porting.md) ----
    # build/Image's Linux header, checked on the host before U-Boot boots it.
    GuestRun("image-header", "uboot", kind="image"),
    # Booted by U-Boot: SD-card image, booti, RAM-disk root.
    GuestRun("console-uboot-4", "uboot", kind="boot", boot="uboot", memory=uboot.UBOOT_MEMORY, timeout=60,
             wait_for=r"\$ ", send="echo booted by u-boot\r", expect=r"booted by u-boot",
             log_checks=[r"Starting kernel", harts_online(4), ON_RAMDISK]),
    uboot_suite("usertests"),
    uboot_suite("shmtests"),
    uboot_suite("synctests"),
    # 5 GiB of RAM, the device tree and the RAM disk above 4 GiB (as U-Boot
    # may place them on an 8 GiB board): the early direct map must reach them.
    GuestRun("usertests-uboot-4-highmem", "uboot", boot="uboot", uboot_high=True, memory=uboot.HIGH_MEMORY,
             append="run=usertests", suite="usertests", program="usertests", timeout=300,
             log_checks=[r"fdt blob at 0x1b0000000", r"memory: 5120 MiB", harts_online(4),
                         rf"ramdisk: \d+ blocks \(\d+ KiB\) at {uboot.HIGH_RAMDISK_ADDR:#x}"]),
    # QEMU sifive_u: the shell comes up (BOARD=sifive_u make qemu), and
    # the suites pass on its 4 usable harts.
    GuestRun("console-sifive_u-5", "console", kind="boot", machine="sifive_u", smp=5, timeout=60,
             wait_for=r"\$ ", send="echo on sifive_u\r", expect=r"on sifive_u",
             log_checks=[harts_online(4), r"console sifive,uart0", ON_RAMDISK]),
    sifive_u_suite("usertests", 1),
    sifive_u_suite("usertests", 4),
    sifive_u_suite("shmtests", 1),
    sifive_u_suite("shmtests", 4),
    sifive_u_suite("synctests", 1),
    sifive_u_suite("synctests", 4),
    # Without Sstc (the VisionFive 2's U74 has none): the SBI timer path.
    nosstc_suite("usertests", 1),
    nosstc_suite("usertests", 4),
    nosstc_suite("shmtests", 1),
    nosstc_suite("shmtests", 4),
    nosstc_suite("synctests", 1),
    nosstc_suite("synctests", 4),
    # ---- a third board, many harts, other interrupt controllers, memory sizes (issue 16) ----
    # The Icicle Kit with Linux's tree, and with its console UART made a
    # DesignWare one (the VisionFive 2's).
    # The shell comes up on the Icicle Kit (lab 6 grades this, docs/labs/port.md).
    GuestRun("console-icicle-5", "icicle", kind="boot", machine="microchip-icicle-kit", smp=5, memory="3G",
             tree="icicle", timeout=60, wait_for=r"\$ ", send="echo on icicle\r", expect=r"on icicle",
             log_checks=[harts_online(4), r"console ns16550a @ 0x20100000 irq 91"]),
    icicle_suite("usertests"),
    icicle_suite("shmtests"),
    icicle_suite("usertests", tree="icicle-dw-uart", console="snps,dw-apb-uart"),
    icicle_suite("shmtests", tree="icicle-dw-uart", console="snps,dw-apb-uart"),
    # The AIA: APLIC in direct mode, and APLIC with IMSICs.
    aia_suite("usertests", "aplic"),
    aia_suite("shmtests", "aplic"),
    aia_suite("usertests", "aplic-imsic"),
    aia_suite("shmtests", "aplic-imsic"),
    # 48 QEMU harts, the first 16 disabled in the tree: OpenSBI boots on a
    # hart beyond them, and the kernel brings up the other 31.
    *[GuestRun(f"{suite}-virt-48-first16off", "manyharts", smp=48, memory="256M", tree="virt-first16-off",
               append=f"run={suite}" if suite != "ktest" else "ktest", suite=suite, disk=suite != "ktest",
               program=None if suite == "ktest" else suite, timeout=300,
               log_checks=[harts_online(32), r"harts online: 32 \(hart ids (1[6-9]|[2-4]\d) ",
                           r"harts left out, disabled in the device tree: 16 \(hart ids 0 1 2 .* 15\)"])
      for suite in ("ktest", "usertests")],
    # A hart that never comes online (test_hart_stall makes hart 2 act
    # dead): the boot goes on without it after 5 s and says so.
    GuestRun("usertests-virt-4-hartstall", "manyharts", smp=4, append="run=usertests test_hart_stall=2",
             suite="usertests", program="usertests", timeout=300,
             log_checks=[harts_online(3), r"hart 2 did not come online within 5 s: going on without it"]),
    # No interrupt controller the kernel can drive: a clear panic, not a hang at the disk.
    GuestRun("noirqchip-virt-2", "irqchip", kind="panic", smp=2, tree="virt-no-irqchip", disk=False, timeout=60,
             backtrace=["boot_main"], log_checks=[r"panic on hart \d+ \(cpu 0\): no interrupt controller with "
                                                  r"S-mode contexts in the device tree"]),
    # Small and large memory: 64 MiB (a bank that ends inside a 128 MiB
    # section), and 3 GiB (RAM beyond 4 GiB of physical address space).
    GuestRun("usertests-virt-4-64M", "memory", smp=4, memory="64M", append="run=usertests", suite="usertests",
             program="usertests", timeout=300, log_checks=[harts_online(4), r"memory: 64 MiB, "]),
    GuestRun("usertests-virt-4-3G", "memory", smp=4, memory="3G", append="run=usertests", suite="usertests",
             program="usertests", timeout=300,
             log_checks=[harts_online(4), r"memory: 3072 MiB, 77\d{4} pages free of 77\d{4}\n"]),
    # mem= caps RAM; an initrd the tree places outside RAM is refused, not read.
    GuestRun("console-virt-2-memlimit", "memory", kind="boot", smp=2, memory="3G", append="mem=1G",
             tree="virt-bad-initrd", timeout=60, wait_for=r"\$ ", send="echo still here\r", expect=r"still here",
             log_checks=[r"mem=1G: using 1024 MiB of the 3072 MiB the device tree describes",
                         r"memory: 1024 MiB, ", r"initrd: \[0x8000000, 0x9000000\) is not in RAM; ignoring it"]),
    # Memory-mapped files (docs/mmap.md): the suite, and data that survives
    # a power-off, booting twice on one disk (tests/reboot_test.py).
    *user_suite("mmaptests"),
    # On sifive_u hart ids are not CPU numbers: the TLB shootdown of
    # write-back must map one to the other.
    sifive_u_suite("mmaptests", 4),
    *[GuestRun(f"mmapreboot-virt-{n}", "user", kind="reboot", smp=n, suite="mmapreboot", program="mmapreboot",
               timeout=120, log_checks=[harts_online(n)]) for n in (1, 4)],
    # Holding under abuse (issue 7, docs/reliability.md): kills at random
    # points, exhaustion of every resource, a hostile process; then short
    # runs of the stress test and of the system call fuzzer (make stress and
    # make fuzz run them for longer), and the libFuzzer targets on the host
    # for a few seconds each (make fuzz-host).
    *user_suite("killtests"),
    *user_suite("exhausttests"),
    *user_suite("securitytests"),
    # Lab 1 (docs/labs/syscall.md): the trace call and strace; the console
    # must show the trace of tracetests' known write.
    *[GuestRun(f"tracetests-virt-{n}", "user", smp=n, append="run=tracetests", suite="tracetests", timeout=120,
               program="tracetests",
               log_checks=[harts_online(n), r"\[pid \d+ tracetests\] write\(0x1, 0x[0-9a-f]+, 0x1b\) = 27\n"])
      for n in (1, 4)],
    # The stress and fuzz runs, and one pass of the main suites, run with the
    # address-space invariant checker on (vmcheck: a violation panics).
    *[GuestRun(f"shmstress-virt-{n}", "stress", smp=n, append="vmcheck run=shmstress args=-t,25", suite="shmstress",
               timeout=240, program="shmstress", log_checks=[harts_online(n), VMCHECK_ON]) for n in (1, 4)],
    *[GuestRun(f"syzfuzz-virt-{n}", "stress", smp=n, append="vmcheck run=syzfuzz args=-t,25", suite="syzfuzz",
               timeout=240, program="syzfuzz", log_checks=[harts_online(n), VMCHECK_ON]) for n in (1, 4)],
    *[GuestRun(f"{suite}-virt-4-vmcheck", "stress", smp=4, append=f"vmcheck run={suite}", suite=suite,
               timeout=300, program=suite, log_checks=[harts_online(4), VMCHECK_ON])
      for suite in ("usertests", "shmtests", "mmaptests", "securitytests")],
    GuestRun("fuzz-host", "stress", kind="fuzz-host", timeout=20),
    # Every example in the docs (docs/testing.md): the programs and shell
    # sessions in the guest, the host commands on the host.
    *user_suite("doctests"),
    GuestRun("doc-host", "docs", kind="doc-host"),
    # The SVG figures of the docs are made from their current sources.
    GuestRun("figures", "docs", kind="figures"),
    # make on a machine without the compilers says what to run.
    GuestRun("first-build", "docs", kind="first-build"),
    # Long runs show a status line on a terminal, plain lines in a log.
    GuestRun("progress", "docs", kind="progress"),
    # The architecture boundary: kernel/ reaches RISC-V only through
    # riscv/arch.h (docs/kernel.md).
    GuestRun("arch-check", "structure", kind="arch-check"),
    # docs/kernel.md lists the spin locks of kernel/sync/lock_order.h, in order.
    GuestRun("lock-order-doc", "structure", kind="lock-doc"),
    # The gdb helpers of .gdbinit (docs/debugging.md), run by gdb-multiarch
    # at two stops inside gdbprobe's shared-memory system calls.
    GuestRun("gdb-helpers", "debug", kind="gdb", smp=4, timeout=240, program="gdbprobe"),
    # The labs (docs/labs/): each starter is cut from this tree, built,
    # booted and graded (tests/labs/check_starters.py). Not in a starter.
    *[GuestRun(f"lab-{lab.name}", "labs", kind="lab", lab=lab.name, timeout=1800)
      for lab in (labs.LABS if check_starters and labs.current_lab() is None else [])],
]


# ---- host unit tests -------------------------------------------------------------------------

SEPARATOR = "=" * 79
DOCTEST_SUMMARY_RE = re.compile(
    r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed(?:\s*\|\s*(\d+) skipped)?")
DURATION_RE = re.compile(r"^\d+\.\d+ s: (?P<name>.*)$")
TEST_CASE_RE = re.compile(r"^TEST CASE:\s+(?P<name>.*)$")


def _run_binary(args: List[str], timeout: float):
    """Runs the test binary; returns (output, exit status or None if it was
    killed for running too long)."""
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           start_new_session=True)
        return p.stdout.decode("utf-8", errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", errors="replace") if e.stdout else ""
        return out, None


def _parse_cases(output: str):
    """The test cases doctest finished, from its --duration output:
    {name: (failed, first error line)}."""
    done = {}
    current, errors = None, []
    for line in output.splitlines():
        if line.strip() == SEPARATOR:
            current, errors = None, []
            continue
        m = TEST_CASE_RE.match(line)
        if m and current is None:
            current = m.group("name").strip()
            continue
        if "ERROR:" in line and current is not None:
            errors.append(line.strip())
        m = DURATION_RE.match(line)
        if m:
            name = m.group("name").strip()
            done[name] = (bool(errors), errors[0] if errors else "")
            current, errors = None, []
    return done


def _list_cases(binary: str) -> List[str]:
    out, _ = _run_binary([binary, "--list-test-cases", "--no-colors"], 60)
    names, inside = [], False
    for line in out.splitlines():
        if line.strip() == SEPARATOR:
            inside = not inside
            continue
        if inside and line.startswith("[doctest]"):
            break
        if inside and line.strip():
            names.append(line.strip())
    return names


def _tail(text: str, n: int = 12) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def run_host_tests(binary: str = HOST_BINARY, timeout: float = 180.0, log_dir: str = "build/test-logs",
                   on_case=None, name: str = "host") -> RunResult:
    """Runs a doctest binary; one Case per test case. The output goes to
    build/test-logs/<name>.log."""
    result = RunResult(name=name)
    started = time.monotonic()
    os.makedirs(log_dir, exist_ok=True)
    result.log = os.path.join(log_dir, f"{name}.log")
    if not os.path.exists(binary):
        result.problem = f"{binary} not built (make host-tests-build)"
        result.cases.append(Case("host", False, result.problem))
        return result
    base = [binary, "--no-colors", "--duration=true"]
    with open(result.log, "w", encoding="utf-8") as log:
        out, status = _run_binary(base, timeout)
        log.write(out)
        summary = DOCTEST_SUMMARY_RE.search(out)
        done = _parse_cases(out)
        if summary and status in (0, 1):
            for name, (bad, why) in done.items():
                result.cases.append(Case(name, not bad, why))
            # doctest's own counts are the authority; should the parse have
            # missed a case, make up the difference.
            passed, failed = int(summary.group(2)), int(summary.group(3))
            for _ in range(passed - result.passed):
                result.cases.append(Case(f"host case {len(result.cases) + 1}", True))
            for _ in range(failed - result.failed):
                result.cases.append(Case(f"host case {len(result.cases) + 1}", False, "see " + result.log))
        else:
            # The process died. Attribute the death to the first case that
            # did not finish, and carry on from the one after it.
            names = _list_cases(binary)
            recorded = set()
            start = 1
            while True:
                for name in names[start - 1:]:
                    if name in done and name not in recorded:
                        bad, why = done[name]
                        result.cases.append(Case(name, not bad, why))
                        recorded.add(name)
                if summary and status in (0, 1):
                    break
                pending = [i for i in range(start - 1, len(names)) if names[i] not in done]
                if not pending:
                    if status not in (0, 1):
                        result.cases.append(Case("host exit", False,
                                                 f"the test binary exited with status {status} after "
                                                 f"its last case:\n{_tail(out)}"))
                    break
                dead = pending[0]
                how = (f"still running after {timeout:.0f} s (hang?)" if status is None
                       else f"the test process died (status {status})")
                result.cases.append(Case(names[dead], False, f"{how}; last output:\n{_tail(out)}"))
                recorded.add(names[dead])
                start = dead + 2
                if start > len(names):
                    break
                log.write(f"\n{SEPARATOR}\n[run_all] continuing from case {start}: {names[start - 1]}\n")
                out, status = _run_binary(base + [f"--first={start}"], timeout)
                log.write(out)
                summary = DOCTEST_SUMMARY_RE.search(out)
                done = _parse_cases(out)
            if not names:
                result.problem = f"the test binary died and could not list its cases:\n{_tail(out)}"
                result.cases.append(Case("host", False, result.problem))
    result.seconds = time.monotonic() - started
    if on_case:
        for c in result.cases:
            on_case(c)
    return result


# ---- the driver -------------------------------------------------------------------------------

class Printer:
    """Serialises output from the worker threads. On a terminal a status
    line (tests/progress.py) says which runs are going, how many are left
    and the time spent; in a log there is none."""

    def __init__(self, verbose: bool):
        self.lock = threading.Lock()
        self.verbose = verbose
        self.progress: Optional[Progress] = None

    def line(self, text: str = ""):
        with self.lock:
            if self.progress:
                self.progress.print(text)
            else:
                print(text, flush=True)

    def result(self, label: str, r: RunResult, extra: str = ""):
        status = "PASS" if r.ok else "FAIL"
        lines = [f"{status:4}  {label:28} {r.passed:4} passed, {r.failed:3} failed  {r.seconds:6.1f} s{extra}"]
        for c in r.failures():
            reason = c.reason.replace("\n", "\n          ") if c.reason else ""
            lines.append(f"      FAIL({c.name}): {reason}")
        if self.verbose:
            for c in r.cases:
                if c.ok:
                    lines.append(f"      pass({c.name})")
        self.line("\n".join(lines))


def check_image_header(run: GuestRun) -> RunResult:
    """The host-side check of build/Image (no QEMU): one case per property."""
    started = time.monotonic()
    result = RunResult(name=run.name)
    for name, ok, reason in uboot.check_image("build/Image", "build/kernel.elf"):
        result.cases.append(Case(name, ok, reason))
    result.seconds = time.monotonic() - started
    return result


# Checks that run on the host, no QEMU: kind -> a function returning
# (case, ok, reason) tuples.
HOST_CHECKS = {
    "doc-host": lambda: doc_extract.check_host(doc_extract.doc_sources()),
    "figures": make_figures.check,
    "first-build": first_build_test.run,
    "progress": progress_test.run,
    "arch-check": arch_check.run,
    "lock-doc": lock_doc_check.run,
}


def run_guest(run: GuestRun, scale: float) -> RunResult:
    if run.kind == "image":
        return check_image_header(run)
    cfg = run.config(scale)
    if run.tree:
        try:
            cfg.dtb = trees.build(run.tree, f"build/trees/{run.name}.dtb", run.machine.split(",")[0], run.smp,
                                  run.memory)
        except (RuntimeError, OSError) as e:
            result = RunResult(name=run.name, problem=f"could not build its device tree: {e}")
            result.cases.append(Case(run.name, False, result.problem))
            return result
    if run.kind == "boot":
        result = run_qemu.run_boot_check(cfg, run.wait_for, run.send, run.expect)
    elif run.kind == "panic":
        result = run_qemu.run_expect_panic(cfg, run.backtrace)
    elif run.kind == "reboot":
        result = reboot_test.run_reboot(cfg, run.program)
    elif run.kind in HOST_CHECKS:
        result = RunResult(name=run.name)
        started = time.monotonic()
        checks = HOST_CHECKS[run.kind]()
        for name, ok, why in checks:
            result.cases.append(Case(name, ok, why))
        result.seconds = time.monotonic() - started
    elif run.kind == "lab":
        result = check_starters.check_starter(labs.find(run.lab), scale)
    elif run.kind == "gdb":
        result = gdb_test.run(smp=run.smp, timeout=run.timeout * scale)
    elif run.kind == "fuzz-host":
        # Not QEMU: the libFuzzer targets, `timeout` seconds each.
        result = run_host_fuzz.run(seconds=int(run.timeout))
    else:
        result = run_qemu.run_suite(cfg)
    if run.log_checks:
        try:
            with open(result.log, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        missing = [pattern for pattern in run.log_checks if not re.search(pattern, text)]
        result.cases.append(Case(f"{run.name}-banner", not missing,
                                 "the console never showed " + ", ".join(repr(p) for p in missing)
                                 if missing else ""))
    return result


def run_many(runs: List[GuestRun], jobs: int = MAX_PARALLEL_QEMU, scale: float = 1.0, on_result=None,
             progress: Optional[Progress] = None):
    """Runs the given in-guest runs, at most `jobs` (and never more than
    MAX_PARALLEL_QEMU) QEMUs at once. Calls on_result(run, result) as each
    finishes; returns the results in the order of `runs`. A progress
    line, if given, hears of each run's start and end."""
    jobs = max(1, min(jobs, MAX_PARALLEL_QEMU))
    results = {}

    def job(run: GuestRun) -> RunResult:
        if progress:
            progress.started(run.name)
        try:
            return run_guest(run, scale)
        finally:
            if progress:
                progress.finished(run.name)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        # The lab checks take minutes each: started first, they overlap the
        # many short runs instead of trailing them.
        started_first = sorted(runs, key=lambda run: run.kind != "lab")
        futures = {pool.submit(job, run): run for run in started_first}
        for fut in concurrent.futures.as_completed(futures):
            run = futures[fut]
            try:
                r = fut.result()
            except Exception as e:  # a bug in the runner must not lose the other results
                r = RunResult(name=run.name, problem=f"runner error: {e!r}")
                r.cases.append(Case(run.name, False, r.problem))
            results[run.name] = r
            if on_result:
                on_result(run, r)
    return [results[run.name] for run in runs]


def describe(r: GuestRun) -> str:
    """How a run boots, in a few words (for --list and --help)."""
    if r.kind == "image":
        return "host check of build/Image's header"
    if r.kind == "fuzz-host":
        return f"host: libFuzzer targets of tests/fuzz, {r.timeout:.0f} s each"
    if r.kind == "progress":
        return "host: the status line of long runs (tests/progress.py)"
    if r.kind == "first-build":
        return "host: make without the compilers says what to run (tests/first_build_test.py)"
    if r.kind == "figures":
        return "host: docs/figures/*.svg made from their current sources (docs/figures/make_figures.py)"
    if r.kind == "lock-doc":
        return "host: docs/kernel.md lists the spin locks of lock_order.h in order (tests/lock_doc_check.py)"
    if r.kind == "arch-check":
        return "host: kernel/ uses no riscv/ header but arch.h, no assembly, no RISC-V names (tests/arch_check.py)"
    if r.kind == "doc-host":
        return "host: the make targets and script options of the docs' ```sh blocks"
    if r.kind == "gdb":
        return f"virt -smp {r.smp} halted, gdb-multiarch -batch runs every tandem-* helper (tests/gdb_test.py)"
    text = f"{r.machine} -smp {r.smp}" + (f" -m {r.memory}" if r.memory != "128M" else "")
    text += (f" -append {r.append}" if r.append and r.boot == "direct" else "")
    text += (" " + " ".join(r.qemu_args) if r.qemu_args else "")
    text += f" -dtb <{r.tree}>" if r.tree else ""
    if r.boot == "uboot":
        text += " via U-Boot booti" + (f", bootargs {r.append}" if r.append else "")
        text += ", device tree and RAM disk above 4 GiB" if r.uboot_high else ""
    return text


def select_runs(only: List[str], groups: List[str]) -> List[GuestRun]:
    runs = RUNS
    if groups:
        runs = [r for r in runs if r.group in groups]
    if only:
        runs = [r for r in runs if any(fnmatch.fnmatch(r.name, pat) for pat in only)]
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Run Tandem's host unit tests and in-guest test runs (what `make test` does; build "
                    "first). Ends with the line 'N passed, N failed'; exits non-zero if anything failed.",
        epilog="runs (group: name):\n" + "\n".join(
            f"  {r.group:8} {r.name:26} {describe(r)}"
            + (f"   [needs {USER_BIN_DIR}/{r.program}]" if r.program else "") for r in RUNS),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="only in-guest runs whose name matches this glob (repeatable)")
    parser.add_argument("--group", action="append", default=[], choices=sorted({r.group for r in RUNS}),
                        help="only in-guest runs of this group (repeatable)")
    parser.add_argument("--no-host", action="store_true", help="skip the host unit tests")
    parser.add_argument("--no-guest", action="store_true", help="only the host unit tests")
    parser.add_argument("--jobs", "-j", type=int, default=MAX_PARALLEL_QEMU,
                        help=f"QEMUs at once (default and maximum {MAX_PARALLEL_QEMU})")
    parser.add_argument("--timeout-scale", type=float, default=1.0,
                        help="multiply every in-guest timeout (for slow machines)")
    parser.add_argument("--host-timeout", type=float, default=180.0,
                        help="seconds the host unit tests may take in one go (default 180)")
    parser.add_argument("--build-failed", action="append", default=[], choices=["kernel", "host"],
                        help="the build of this part failed (make test passes it): record a failure "
                             "instead of running stale binaries")
    parser.add_argument("--strict", action="store_true",
                        help="count a run whose user program is not built as a failure, not a skip")
    parser.add_argument("--verbose", "-v", action="store_true", help="list passing cases too")
    parser.add_argument("--list", action="store_true", help="list the in-guest runs and exit")
    parser.add_argument("--results-json", metavar="PATH",
                        help="also write every run's cases to PATH as JSON (the lab checks read it)")
    args = parser.parse_args(argv)

    os.chdir(REPO)
    runs = select_runs(args.only, args.group)
    if args.list:
        for r in runs:
            why = r.missing()
            print(f"{r.name:26} {r.group:8} {r.kind:6} {describe(r)}" + (f"  ({why})" if why else ""))
        return 0

    out = Printer(args.verbose)
    results: List[RunResult] = []
    labels = {}
    started = time.monotonic()

    for part in dict.fromkeys(args.build_failed):
        what = "make all (kernel, user programs, fs.img)" if part == "kernel" else "make host-tests-build"
        r = RunResult(name=f"build-{part}", problem=f"{what} failed; see the compiler output above")
        r.cases.append(Case(f"build-{part}", False, r.problem))
        labels[id(r)] = f"build ({part})"
        out.result(f"build ({part})", r)
        results.append(r)

    if not args.no_host and "host" not in args.build_failed:
        for label, binary, name in HOST_BINARIES:
            out.line(f"{label} ({binary}, ASan+UBSan)...")
            r = run_host_tests(binary, timeout=args.host_timeout, name=name)
            labels[id(r)] = label
            out.result(label, r)
            results.append(r)

    skipped = []
    if not args.no_guest and "kernel" not in args.build_failed:
        ready = []
        for run in runs:
            why = run.missing()
            if why:
                skipped.append((run, why))
            else:
                ready.append(run)
        if args.strict:
            for run, why in skipped:
                r = RunResult(name=run.name, problem=why)
                r.cases.append(Case(run.name, False, why))
                labels[id(r)] = run.name
                out.result(run.name, r)
                results.append(r)
            skipped = []
        for run, why in skipped:
            out.line(f"SKIP  {run.name:28} not run: {why}")
        if ready:
            if not os.path.exists("build/kernel.elf"):
                out.line("build/kernel.elf is missing: run make first")
            jobs = max(1, min(args.jobs, MAX_PARALLEL_QEMU))
            out.line(f"in-guest runs: {len(ready)}, {jobs} at a time...")

            def show(run, r):
                labels[id(r)] = run.name
                out.result(run.name, r)

            out.progress = Progress(total=len(ready), label="runs")
            try:
                results += run_many(ready, jobs, args.timeout_scale, show, out.progress)
            finally:
                out.progress.close()
                out.progress = None

    # The main tree scores full on every lab whose graded runs were run.
    if check_starters and labs.current_lab() is None:
        scores = check_starters.scores_in_tree({r.name: r for r in results})
        if scores.cases:
            labels[id(scores)] = "lab scores in this tree"
            out.result("lab scores in this tree", scores)
            results.append(scores)
    if args.results_json:
        os.makedirs(os.path.dirname(os.path.abspath(args.results_json)), exist_ok=True)
        with open(args.results_json, "w") as f:
            json.dump([r.to_json() for r in results], f, indent=1)

    total_pass = sum(r.passed for r in results)
    total_fail = sum(r.failed for r in results)
    out.line("")
    out.line(f"{'run':30} {'result':6} {'passed':>6} {'failed':>6} {'time':>7}")
    for r in results:
        out.line(f"{labels[id(r)]:30} {'PASS' if r.ok else 'FAIL':6} {r.passed:6} {r.failed:6} {r.seconds:6.1f}s")
    for run, why in skipped:
        out.line(f"{run.name:30} {'SKIP':6} {'-':>6} {'-':>6} {'-':>7}  {why}")
    out.line(f"total time {time.monotonic() - started:.0f} s; logs in build/test-logs/")
    out.line(f"{total_pass} passed, {total_fail} failed")
    return 0 if total_fail == 0 and all(r.ok for r in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        run_qemu.kill_all()
        print("\ninterrupted", file=sys.stderr)
        os._exit(130)
