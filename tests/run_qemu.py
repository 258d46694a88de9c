#!/usr/bin/env python3
"""Boot Tandem in QEMU, watch the console, and report test results.

This is the in-guest half of Tandem's test machinery (tests/run_all.py and
tests/grade.py build on it). One call boots one QEMU, copies everything the
console prints into build/test-logs/<name>.log, and reads the lines in-guest
test programs print (DESIGN.md section 7):

    pass(<case>)
    FAIL(<case>): <reason>
    <suite>: N passed, N failed

A run that does not end cleanly is a failure of its own, reported as one
extra failed case named after the run, with the reason and the last lines
of the log: a kernel panic ("panic on hart"), a kernel trap report ("kernel
trap:"), QEMU exiting before the summary line, a missing or foreign summary,
a timeout (the usual sign of a hang), or a machine that does not power off
after its summary. QEMU always ends up killed, with its whole process group.

Two ways in (QemuConfig.boot):
  direct   (default) QEMU loads build/kernel.elf itself (-kernel); the disk
           is a virtio-blk device on virt and an -initrd RAM disk on
           sifive_u and microchip-icicle-kit (which also needs a device
           tree, -dtb: see tests/trees.py)
  uboot    the real-board path: QEMU virt boots Debian's S-mode U-Boot; the
           runner types U-Boot commands on the console to load build/Image
           and the disk image (as a RAM disk) from an SD-card-like disk and
           start them with booti (tests/uboot.py has the details)

Three kinds of run:
  suite    (default) boot, collect pass/FAIL lines until the summary
  boot     boot until the console shows a string (--wait-for), optionally
           type keystrokes (--send) and wait for more output (--expect)
  panic    boot expecting a kernel panic whose backtrace names the given
           functions (--backtrace), and QEMU exiting with a non-zero status

Usable by hand (see --help) or from Python:

    import run_qemu
    cfg = run_qemu.QemuConfig(name="ktest-virt-4", smp=4, append="ktest",
                              suite="ktest", disk=None)
    result = run_qemu.run_suite(cfg)
    print(result.passed, result.failed, result.failures())
"""

import argparse
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uboot  # noqa: E402
from progress import Progress  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = "qemu-system-riscv64"

PASS_RE = re.compile(r"^\s*pass\((?P<case>.+)\)\s*$")
FAIL_RE = re.compile(r"^\s*FAIL\((?P<case>[^)]+)\):?\s*(?P<reason>.*)$")
SUMMARY_RE = re.compile(r"^\s*(?P<suite>[\w.+-]+): (?P<passed>\d+) passed, (?P<failed>\d+) failed\s*$")
PANIC_MARK = "panic on hart"
TRAP_MARK = "kernel trap:"

# Boards whose firmware cannot power off (see QemuConfig.poweroff).
NO_POWEROFF_MACHINES = ("sifive_u", "microchip-icicle-kit")
# The kernel's word that power-off cannot work (riscv/sbi.cc), unless a
# test finisher is there instead.
NO_SRST_MARK = "lacks the SRST extension"
FINISHER_MARK = "test finisher @"

# Lines of the log quoted in a failure report.
TAIL_LINES = 12
# How long a machine may take to power off after its summary line, and to
# finish printing a panic report.
POWEROFF_GRACE = 15.0
PANIC_GRACE = 5.0


@dataclass
class QemuConfig:
    """Everything that defines one QEMU run."""
    name: str
    machine: str = "virt"            # virt, sifive_u or microchip-icicle-kit
    smp: int = 4                     # QEMU's -smp (sifive_u: hart 0 is the monitor core)
    memory: str = "128M"
    extra_args: List[str] = field(default_factory=list)
    append: str = ""                 # kernel command line (-append)
    kernel: str = "build/kernel.elf"
    disk: Optional[str] = "build/fs.img"  # virtio disk on virt, -initrd on sifive_u, U-Boot's RAM disk; None for none
    timeout: float = 120.0
    suite: Optional[str] = None      # expected summary name; None accepts any
    log_dir: str = "build/test-logs"
    # Whether the machine can power itself off after the summary. QEMU's
    # sifive_u has no shutdown device (OpenSBI reports none), and the
    # Icicle Kit's firmware has no reset extension at all, so there the
    # runner ends QEMU itself once the summary is in. (It also stops
    # waiting for a power-off whenever the kernel reports that the firmware
    # lacks SRST and the board has no test finisher.)
    poweroff: bool = True
    # A device tree to boot with instead of QEMU's own (-dtb).
    dtb: Optional[str] = None
    # "direct" (QEMU loads `kernel`) or "uboot" (U-Boot loads `image` and
    # `disk` from an SD-card image and runs booti; virt only).
    boot: str = "direct"
    image: str = "build/Image"
    # U-Boot boot only: move the device tree and the RAM disk above 4 GiB
    # before booti (memory must be more than 4 GiB; see uboot.HIGH_*).
    uboot_high: bool = False
    # Use `disk` itself rather than a private copy, and keep it: for runs
    # that boot several times on one disk (tests/reboot_test.py), which
    # make the copy themselves. Direct boots only.
    disk_in_place: bool = False


@dataclass
class Case:
    name: str
    ok: bool
    reason: str = ""


@dataclass
class RunResult:
    name: str
    cases: List[Case] = field(default_factory=list)
    summary: Optional[dict] = None   # {"suite", "passed", "failed"} as printed
    exit_code: Optional[int] = None  # QEMU's, None if it was killed
    problem: Optional[str] = None    # why the run itself failed, if it did
    log: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.ok)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if not c.ok)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.problem is None

    def failures(self) -> List[Case]:
        return [c for c in self.cases if not c.ok]

    def to_json(self) -> dict:
        return {
            "name": self.name, "passed": self.passed, "failed": self.failed,
            "summary": self.summary, "exit_code": self.exit_code, "problem": self.problem,
            "log": self.log, "seconds": round(self.seconds, 2),
            "cases": [{"name": c.name, "ok": c.ok, "reason": c.reason} for c in self.cases],
        }


def qemu_command(cfg: QemuConfig, disk_copy: Optional[str]) -> List[str]:
    """The QEMU command line for cfg, using disk_copy as the disk image
    (for a U-Boot boot: the SD-card image holding Image and the disk)."""
    if cfg.boot == "uboot":
        return uboot.qemu_command(cfg.machine, cfg.memory, cfg.smp, disk_copy, cfg.extra_args)
    # -no-reboot: a reset request ends QEMU instead of booting again, so a
    # kernel that resets (on purpose, or by a fatal fault) cannot loop until
    # the timeout, and a reboot can serve as power-off where there is none.
    cmd = [QEMU, "-machine", cfg.machine, "-bios", "default", "-m", cfg.memory,
           "-smp", str(cfg.smp), "-no-reboot", "-kernel", cfg.kernel]
    if cfg.machine == "microchip-icicle-kit":
        # The N-th -serial is MMUART N; the console is MMUART1 (MMUART0 is
        # disabled in the tree).
        cmd += ["-display", "none", "-monitor", "none", "-serial", "null", "-serial", "stdio"]
    else:
        cmd += ["-nographic"]
    if cfg.dtb:
        cmd += ["-dtb", cfg.dtb]
    if disk_copy:
        if cfg.machine.split(",")[0] == "virt":  # also virt,aia=...
            cmd += ["-global", "virtio-mmio.force-legacy=false",
                    "-drive", f"file={disk_copy},if=none,format=raw,id=disk0",
                    "-device", "virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0"]
        else:
            cmd += ["-initrd", disk_copy]
    if cfg.append:
        cmd += ["-append", cfg.append]
    cmd += list(cfg.extra_args)
    return cmd


_live_sessions = set()
_live_lock = threading.Lock()


def kill_all():
    """Kills every QEMU this process started that is still running (for an
    interrupted test run)."""
    with _live_lock:
        sessions = list(_live_sessions)
    for session in sessions:
        if session.proc is not None and session.proc.poll() is None:
            session._kill_group(signal.SIGKILL)


class QemuSession:
    """One running QEMU: its console as lines, its stdin, and its end.

    Every line is written to the log as it arrives. Lines are handed to
    on_line (if set) as they complete. Use as a context manager so QEMU is
    killed however the caller leaves.
    """

    def __init__(self, cfg: QemuConfig, on_line: Optional[Callable[[str], None]] = None):
        self.cfg = cfg
        self.on_line = on_line
        self.lines: List[str] = []
        self.text = ""          # everything so far, \r removed
        self._partial = ""
        self.proc: Optional[subprocess.Popen] = None
        self.exit_code: Optional[int] = None
        self.disk_copy: Optional[str] = None
        os.makedirs(cfg.log_dir, exist_ok=True)
        self.log_path = os.path.join(cfg.log_dir, f"{cfg.name}.log")
        self._log = None
        self.started = 0.0

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        cfg = self.cfg
        if cfg.boot == "uboot":
            self._prepare_uboot()
        elif not os.path.exists(cfg.kernel):
            raise FileNotFoundError(f"kernel {cfg.kernel} not found (run make)")
        elif cfg.disk:
            if not os.path.exists(cfg.disk):
                raise FileNotFoundError(f"disk image {cfg.disk} not found (run make)")
            if not cfg.disk_in_place:
                # A private copy: runs in parallel do not share a disk, and a
                # suite that writes the disk always starts from a clean one.
                self.disk_copy = os.path.join(cfg.log_dir, f"{cfg.name}.img")
                shutil.copyfile(cfg.disk, self.disk_copy)
        in_place = cfg.boot != "uboot" and cfg.disk and cfg.disk_in_place
        cmd = qemu_command(cfg, cfg.disk if in_place else self.disk_copy)
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._log.write("# " + " ".join(shlex.quote(c) for c in cmd) + "\n")
        self._log.flush()
        self.started = time.monotonic()
        # A session of its own, so stop() can kill QEMU's whole process group.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        with _live_lock:
            _live_sessions.add(self)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def _prepare_uboot(self):
        """Writes this run's own SD-card image: build/Image, plus the disk
        image as fs.img for U-Boot to load as the RAM disk."""
        cfg = self.cfg
        for path, hint in ((uboot.UBOOT_BIN, "install u-boot-qemu (make deps)"), (cfg.image, "run make image")):
            if not os.path.exists(path):
                raise FileNotFoundError(f"{path} not found ({hint})")
        files = [("Image", cfg.image)]
        if cfg.disk:
            if not os.path.exists(cfg.disk):
                raise FileNotFoundError(f"disk image {cfg.disk} not found (run make)")
            files.append(("fs.img", cfg.disk))
        self.disk_copy = os.path.join(cfg.log_dir, f"{cfg.name}-sd.img")
        try:
            uboot.make_sd_image(self.disk_copy, files)
        except RuntimeError as e:
            raise OSError(str(e)) from e

    def boot(self, deadline: float) -> Optional[str]:
        """Gets the kernel started. Nothing to do for a direct boot; for a
        U-Boot boot, types the commands of uboot.boot_script() one at a
        time, each once the console shows what it waits for. Returns why
        that failed, or None."""
        if self.cfg.boot != "uboot":
            return None
        failed = re.compile(uboot.UBOOT_ERRORS)
        mark, typed_last = 0, "(nothing yet)"
        for wait_for, typed in uboot.boot_script(self.cfg.append, ramdisk=self.cfg.disk is not None,
                                                 high=self.cfg.uboot_high):
            want = re.compile(wait_for)
            found = []

            def ready() -> bool:
                m = want.search(self.text, mark)
                if m:
                    found.append(m)
                    return True
                return failed.search(self.text, mark) is not None or _panic_or_trap(self) is not None

            self.wait_until(ready, deadline)
            if not found:
                error = failed.search(self.text, mark)
                if error:
                    return f"U-Boot said {error.group(0)!r} after {typed_last!r} was typed"
                if _panic_or_trap(self):
                    return _panic_or_trap(self)
                what = "timeout" if self.running() else f"QEMU exited with status {self.exit_code}"
                return f"U-Boot: {what} waiting for {wait_for!r} after {typed_last!r} was typed"
            mark = found[0].end()
            if typed:
                # QEMU's UART takes input only as fast as the guest reads
                # it, so typing fast loses nothing.
                self.send(typed, delay=0.002)
                typed_last = typed.strip() or repr(typed)
        return None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _feed(self, data: bytes):
        chunk = data.decode("utf-8", errors="replace").replace("\r", "")
        self._log.write(chunk)
        self._log.flush()
        self.text += chunk
        self._partial += chunk
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self.lines.append(line)
            if self.on_line:
                self.on_line(line)

    def poll(self, wait: float) -> bool:
        """Reads whatever the console printed within `wait` seconds.
        Returns False once QEMU has exited and its output is drained."""
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(0.0, wait))
        if ready:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                data = b""
            if data:
                self._feed(data)
                return True
            if self.proc.poll() is not None or data == b"":
                # EOF: QEMU closed its output.
                self.exit_code = self.proc.wait()
                return False
        if self.proc.poll() is not None:
            # Exited: drain what is left.
            while True:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if not data:
                    break
                self._feed(data)
            self.exit_code = self.proc.returncode
            return False
        return True

    def running(self) -> bool:
        return self.exit_code is None

    def wait_until(self, predicate: Callable[[], bool], deadline: float) -> bool:
        """Reads the console until predicate() holds (True), QEMU exits or
        the monotonic deadline passes (False)."""
        while True:
            if predicate():
                return True
            now = time.monotonic()
            if now >= deadline or not self.running():
                return predicate()
            self.poll(min(0.2, deadline - now))

    def send(self, text: str, delay: float = 0.02):
        """Types text on the console, one character at a time."""
        for ch in text:
            try:
                self.proc.stdin.write(ch.encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                return
            time.sleep(delay)

    def stop(self):
        """Kills QEMU (if still running) and its process group; closes the log."""
        if self.proc is not None:
            killed = self.proc.poll() is None
            if killed:
                self._kill_group(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    self._kill_group(signal.SIGKILL)
                    self.proc.wait()
            else:
                # QEMU is gone; anything it left in its group goes too.
                self._kill_group(signal.SIGKILL)
            try:
                while self.poll(0):
                    pass
            except (OSError, ValueError):
                pass
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if killed:
                self.exit_code = None  # no status of its own: we ended it
        if self._partial:
            self.lines.append(self._partial)
            if self.on_line:
                self.on_line(self._partial)
            self._partial = ""
        if self._log:
            self._log.close()
            self._log = None
        if self.disk_copy and os.path.exists(self.disk_copy):
            os.remove(self.disk_copy)
        with _live_lock:
            _live_sessions.discard(self)

    def _kill_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def tail(self, n: int = TAIL_LINES) -> str:
        lines = self.lines + ([self._partial] if self._partial else [])
        return "\n".join(lines[-n:])


def _describe_problem(reason: str, session: QemuSession, tail: str) -> str:
    return f"{reason}; last lines of {session.log_path}:\n{tail}"


def _panic_or_trap(session: QemuSession) -> Optional[str]:
    if PANIC_MARK in session.text:
        return "kernel panic"
    if TRAP_MARK in session.text:
        return "kernel trap"
    return None


def _watch_suite(cfg: QemuConfig, session: "QemuSession", state: dict, result: RunResult) -> Optional[str]:
    """Reads a booted suite's console until its summary line and the
    power-off that should follow; returns what went wrong, or None."""
    problem = None
    deadline = session.started + cfg.timeout
    bad = lambda: state["summary"] is not None or _panic_or_trap(session) is not None
    session.wait_until(bad, deadline)
    crash = _panic_or_trap(session)
    if crash:
        # Let the report (message and backtrace) finish.
        session.wait_until(lambda: "kernel stopped" in session.text,
                           time.monotonic() + PANIC_GRACE)
        problem = crash
    elif state["summary"] is None:
        if session.running():
            problem = f"timeout after {cfg.timeout:.0f} s without a summary line (hang?)"
        else:
            problem = f"QEMU exited with status {session.exit_code} before the summary line"
    elif not cfg.poweroff or (NO_SRST_MARK in session.text and FINISHER_MARK not in session.text):
        # Nothing more to wait for; only a late crash report could follow.
        session.wait_until(lambda: _panic_or_trap(session) is not None, time.monotonic() + 0.5)
        crash = _panic_or_trap(session)
        if crash:
            problem = f"{crash} after the summary line"
    else:
        # The machine should power off by itself now.
        session.wait_until(lambda: not session.running() or _panic_or_trap(session) is not None,
                           time.monotonic() + POWEROFF_GRACE)
        crash = _panic_or_trap(session)
        if crash:
            session.wait_until(lambda: "kernel stopped" in session.text,
                               time.monotonic() + PANIC_GRACE)
            problem = f"{crash} after the summary line"
        elif session.running():
            problem = f"did not power off within {POWEROFF_GRACE:.0f} s of the summary line"
        else:
            s = state["summary"]
            seen_pass = sum(1 for c in result.cases if c.ok)
            seen_fail = len(result.cases) - seen_pass
            if (s["passed"], s["failed"]) != (seen_pass, seen_fail):
                problem = (f"summary says {s['passed']} passed, {s['failed']} failed, but the log has "
                           f"{seen_pass} pass and {seen_fail} FAIL lines")
            elif s["failed"] == 0 and session.exit_code not in (0, None):
                problem = f"all cases passed but QEMU exited with status {session.exit_code}"
    return problem


def _run_session(cfg: QemuConfig, result: RunResult, on_line, watch,
                 on_case: Optional[Callable[[Case], None]] = None, pass_case: bool = True) -> RunResult:
    """What every kind of run does around its own judgement: starts QEMU,
    waits for the boot, calls watch(session, deadline), which judges the
    run and returns what went wrong (or None), then stops QEMU and fills in
    result. A problem becomes a failed case named after the run (and goes
    to on_case); without one, pass_case adds a passing case of that name."""
    session = QemuSession(cfg, on_line)
    try:
        session.start()
    except (OSError, FileNotFoundError) as e:
        result.problem = f"could not start: {e}"
        result.cases.append(Case(cfg.name, False, result.problem))
        return result
    problem = None
    try:
        deadline = session.started + cfg.timeout
        problem = session.boot(deadline)
        if problem is None:
            problem = watch(session, deadline)
    finally:
        tail = session.tail()  # before stopping: QEMU's own farewell is noise
        session.stop()
    result.exit_code = session.exit_code
    result.log = session.log_path
    result.seconds = session.elapsed()
    if problem:
        result.problem = _describe_problem(problem, session, tail)
        result.cases.append(Case(cfg.name, False, result.problem))
        if on_case:
            on_case(result.cases[-1])
    elif pass_case:
        result.cases.append(Case(cfg.name, True))
    return result


def run_suite(cfg: QemuConfig, on_case: Optional[Callable[[Case], None]] = None,
              echo: bool = False, printer: Callable[[str], None] = print) -> RunResult:
    """Boots cfg and collects the suite's cases until its summary line.

    on_case is called for every pass/FAIL line as it arrives; echo copies
    the console to stdout, through printer."""
    result = RunResult(name=cfg.name)
    state = {"summary": None}

    def on_line(line: str):
        if echo:
            printer(f"[{cfg.name}] {line}")
        m = PASS_RE.match(line)
        if m:
            case = Case(m.group("case"), True)
        else:
            m = FAIL_RE.match(line)
            case = Case(m.group("case"), False, m.group("reason")) if m else None
        if case:
            result.cases.append(case)
            if on_case:
                on_case(case)
            return
        m = SUMMARY_RE.match(line)
        if m and state["summary"] is None and (cfg.suite is None or m.group("suite") == cfg.suite):
            state["summary"] = {"suite": m.group("suite"), "passed": int(m.group("passed")),
                                "failed": int(m.group("failed"))}

    _run_session(cfg, result, on_line, lambda session, deadline: _watch_suite(cfg, session, state, result),
                 on_case=on_case, pass_case=False)
    result.summary = state["summary"]
    return result


def run_boot_check(cfg: QemuConfig, wait_for: str, send: Optional[str] = None,
                   expect: Optional[str] = None, echo: bool = False) -> RunResult:
    """Boots cfg until the console matches the regular expression wait_for;
    then, if asked, types `send` and waits for `expect` (a regular
    expression matched against what the console printed after the typing
    began). One case, named after the run."""
    on_line = (lambda line: print(f"[{cfg.name}] {line}", flush=True)) if echo else None

    def watch(session: "QemuSession", deadline: float) -> Optional[str]:
        want = re.compile(wait_for)
        found = session.wait_until(lambda: want.search(session.text) is not None or
                                   _panic_or_trap(session) is not None, deadline)
        crash = _panic_or_trap(session)
        if crash:
            return crash
        if not found:
            return (f"timeout after {cfg.timeout:.0f} s waiting for {wait_for!r}" if session.running()
                    else f"QEMU exited with status {session.exit_code} before {wait_for!r} appeared")
        if send is None:
            return None
        # Give the console a moment to enable input after the match.
        session.wait_until(lambda: False, time.monotonic() + 0.5)
        mark = len(session.text)
        session.send(send)
        if not expect:
            return None
        again = re.compile(expect)
        ok = session.wait_until(lambda: again.search(session.text, mark) is not None or
                                _panic_or_trap(session) is not None, time.monotonic() + min(30.0, cfg.timeout))
        crash = _panic_or_trap(session)
        if crash:
            return crash
        return None if ok else f"typed {send!r} but the console never showed {expect!r}"

    return _run_session(cfg, RunResult(name=cfg.name), on_line, watch)


def _check_panic_report(cfg: QemuConfig, session: "QemuSession", backtrace: List[str]) -> Optional[str]:
    """Judges a run that should have panicked; returns what is wrong, or None."""
    if PANIC_MARK not in session.text:
        return (f"no panic within {cfg.timeout:.0f} s" if session.running()
                else f"QEMU exited with status {session.exit_code} without a panic")
    # The report ends with the machine stopping; QEMU should exit.
    session.wait_until(lambda: not session.running(), time.monotonic() + POWEROFF_GRACE)
    report = session.text[session.text.index(PANIC_MARK):]
    missing = [f for f in backtrace if not re.search(r"\b" + re.escape(f) + r"\b", report)]
    if "backtrace" not in report:
        return "the panic report has no backtrace"
    if missing:
        return "the backtrace does not name " + ", ".join(missing)
    if session.running():
        return f"QEMU still running {POWEROFF_GRACE:.0f} s after the panic"
    if session.exit_code == 0:
        return "QEMU exited with status 0 after a panic"
    return None


def run_expect_panic(cfg: QemuConfig, backtrace: List[str], echo: bool = False) -> RunResult:
    """Boots cfg expecting a panic. Passes only if the panic report carries
    a backtrace naming every function in `backtrace`, and QEMU then exits
    with a non-zero status."""
    on_line = (lambda line: print(f"[{cfg.name}] {line}", flush=True)) if echo else None

    def watch(session: "QemuSession", deadline: float) -> Optional[str]:
        session.wait_until(lambda: PANIC_MARK in session.text, deadline)
        return _check_panic_report(cfg, session, backtrace)

    return _run_session(cfg, RunResult(name=cfg.name), on_line, watch)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Boot Tandem in QEMU and report in-guest test results. The console goes to "
                    "build/test-logs/<name>.log; the exit status is 0 only if every case passed.",
        epilog="examples:\n"
               "  tests/run_qemu.py --name ktest-virt-4 --smp 4 --append ktest --suite ktest --no-disk\n"
               "  tests/run_qemu.py --name ktest-sifive --machine sifive_u --smp 5 --append ktest --no-disk\n"
               "  tests/run_qemu.py --name shm --append run=shmtests --suite shmtests --json\n"
               "  tests/run_qemu.py --name console --boot --wait-for 'harts online: 4' \\\n"
               "        --send 'hello\\r' --expect hello\n"
               "  tests/run_qemu.py --name panic --append ktest_panic --panic --backtrace panic_test_inner\n"
               "  tests/run_qemu.py --name ub --uboot --memory 256M --append run=usertests --suite usertests\n"
               "  tests/trees.py icicle build/trees/icicle.dtb && tests/run_qemu.py --name icicle \\\n"
               "        --machine microchip-icicle-kit --smp 5 --memory 3G --dtb build/trees/icicle.dtb \\\n"
               "        --append run=usertests --suite usertests\n"
               "\n"
               "--uboot boots like a real board: QEMU virt runs Debian's S-mode U-Boot, and the runner types\n"
               "the commands that load build/Image and the disk image (as a RAM disk) from an SD-card image\n"
               "and start them with booti; --append becomes U-Boot's bootargs. See tests/uboot.py.\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="run", help="name of the run: log file name, failure case name")
    parser.add_argument("--machine", default="virt", choices=["virt", "sifive_u", "microchip-icicle-kit"],
                        help="QEMU board (default virt); microchip-icicle-kit needs --dtb")
    parser.add_argument("--smp", type=int, default=4,
                        help="QEMU -smp (default 4); on sifive_u hart 0 is a monitor core the kernel never uses")
    parser.add_argument("--memory", default=None, help=f"QEMU -m (default 128M; {uboot.UBOOT_MEMORY} with --uboot)")
    parser.add_argument("--qemu-args", default="", help="extra QEMU arguments, one shell-quoted string "
                        "(e.g. \"-cpu rv64,sstc=false\")")
    parser.add_argument("--append", default="", help="kernel command line, e.g. ktest or run=usertests")
    parser.add_argument("--kernel", default="build/kernel.elf", help="kernel ELF (default build/kernel.elf)")
    parser.add_argument("--dtb", default=None,
                        help="boot with this device tree (-dtb), e.g. one built by tests/trees.py")
    parser.add_argument("--disk", default="build/fs.img",
                        help="disk image (default build/fs.img): virtio disk on virt, -initrd on sifive_u, "
                             "the RAM disk on the SD-card image with --uboot; a private copy is used")
    parser.add_argument("--no-disk", action="store_true", help="boot without a disk image")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before the run counts as hung "
                        "(default 120)")
    parser.add_argument("--suite", default=None, help="the suite name expected on the summary line")
    parser.add_argument("--log-dir", default="build/test-logs", help="where logs go (default build/test-logs)")
    parser.add_argument("--uboot", action="store_true",
                        help="boot through U-Boot's booti from an SD-card image (virt only; needs --memory of "
                             f"at least {uboot.UBOOT_MEMORY}, which it defaults to)")
    parser.add_argument("--image", default="build/Image", help="with --uboot: the Image to boot (default build/Image)")
    parser.add_argument("--uboot-high", action="store_true",
                        help="with --uboot: move the device tree and the RAM disk above 4 GiB before booti "
                             f"(memory defaults to {uboot.HIGH_MEMORY})")
    parser.add_argument("--no-poweroff", action="store_true",
                        help="do not require the machine to power off after its summary (the default on "
                             "sifive_u, which has no shutdown device)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--boot", action="store_true", help="boot check: wait for --wait-for, then --send/--expect")
    mode.add_argument("--panic", action="store_true", help="expect a kernel panic with a backtrace")
    parser.add_argument("--wait-for", default=r"\$ ", help="boot check: regular expression to wait for "
                        "(default the shell prompt '$ ')")
    parser.add_argument("--send", default=None, help="boot check: keystrokes to type once it matched "
                        "(\\r and \\n escapes allowed)")
    parser.add_argument("--expect", default=None, help="boot check: regular expression expected after typing")
    parser.add_argument("--backtrace", action="append", default=[],
                        help="panic: a function the backtrace must name (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--verbose", "-v", action="store_true", help="copy the console to stdout as it arrives")
    args = parser.parse_args(argv)

    os.chdir(REPO)
    if args.uboot and args.machine != "virt":
        parser.error("--uboot works on virt only (Debian's U-Boot is built for QEMU virt)")
    memory = args.memory or (uboot.HIGH_MEMORY if args.uboot_high else uboot.UBOOT_MEMORY if args.uboot else "128M")
    cfg = QemuConfig(name=args.name, machine=args.machine, smp=args.smp, memory=memory,
                     extra_args=shlex.split(args.qemu_args), append=args.append, kernel=args.kernel,
                     disk=None if args.no_disk else args.disk, timeout=args.timeout, suite=args.suite,
                     log_dir=args.log_dir,
                     poweroff=not args.no_poweroff and args.machine not in NO_POWEROFF_MACHINES,
                     dtb=args.dtb,
                     boot="uboot" if args.uboot or args.uboot_high else "direct", image=args.image,
                     uboot_high=args.uboot_high)

    # On a terminal, a status line with the run and the time spent (long
    # runs: make stress, make fuzz); nothing extra in a log.
    progress = Progress(total=1, label="runs", enabled=False if args.json else None)
    progress.started(cfg.name)

    def show(case: Case):
        if not args.json:
            progress.print(f"  {'pass' if case.ok else 'FAIL'} {case.name}" + (f": {case.reason}" if case.reason else ""))

    if args.boot:
        send = args.send.encode().decode("unicode_escape") if args.send is not None else None
        result = run_boot_check(cfg, args.wait_for, send, args.expect, echo=args.verbose)
        for c in result.cases:
            show(c)
    elif args.panic:
        result = run_expect_panic(cfg, args.backtrace, echo=args.verbose)
        for c in result.cases:
            show(c)
    else:
        result = run_suite(cfg, on_case=show, echo=args.verbose, printer=progress.print)
    progress.finished(cfg.name)
    progress.close()

    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(f"{cfg.name}: {result.passed} passed, {result.failed} failed ({result.seconds:.1f} s, log {result.log})")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
