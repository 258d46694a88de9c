#!/usr/bin/env python3
"""The gdb helpers (kernel/scripts/gdb/tandem.py), tried as a student uses them.

Boots QEMU halted with its gdb stub on a TCP port that is free right now
(other QEMUs may be running: never a fixed port), with run=gdbprobe
(user/tests/gdbprobe.cc), and runs `gdb-multiarch -batch` on the project's
own .gdbinit (made from .gdbinit.tmpl with that port). gdb stops twice
inside the probe's shared-memory system calls:

  1. in shm_for_each_locked, called by shm_list with the spin lock of the
     name table's first part held: every helper runs here;
  2. in shm_region_of_view, called by destroyMapping with the probe's
     address-space sleep lock held: tandem-locks runs again.

Then gdb lets the machine go on, and the probe must finish its work (exit
0, so init powers off with 0). Each helper's output is checked for the
values the probe set up (its pid and name, the region's name, size and
lock owner, the waiting child, the PTE of the page it touched...), one case
per check.

    tests/gdb_test.py [--smp N] [-v]     (build first: make)
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402
from run_qemu import Case, QemuConfig, RunResult  # noqa: E402

REPO = run_qemu.REPO
GDB = "gdb-multiarch"
# The walk of the page the probe touched: the second page of its view.
VIEW_WALK = 'tandem-pt $tandem_view("gdb-probe")+4096'
MARK = "=== "  # gdb echoes these between helpers, to split its output


def free_port() -> int:
    """A TCP port nobody listens on now (the kernel picks it). QEMU binds
    it a moment later; should another process take it first, QEMU fails to
    start and the run says so."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_script(port: int, log_dir: str) -> str:
    """The project's .gdbinit for this port, then the test's commands."""
    with open(os.path.join(REPO, ".gdbinit.tmpl"), encoding="utf-8") as f:
        init = f.read().replace("@GDBPORT@", str(port))
    steps = [
        "tbreak shm_for_each_locked",  # once: shm_list walks every part of the name table
        "break shm_region_of_view",
        "continue",
    ]
    for helper in ("tandem-ps", "tandem-vm", "tandem-pt", VIEW_WALK, "tandem-shm", "tandem-locks",
                   "tandem-log"):
        steps += [f"echo {MARK}{helper}\\n", helper]
    steps += ["continue", f"echo {MARK}second stop\\n", "bt 3", f"echo {MARK}tandem-locks 2\\n", "tandem-locks",
              "delete", f"echo {MARK}end\\n", "detach"]
    path = os.path.join(log_dir, "gdb-helpers.gdb")
    with open(path, "w", encoding="utf-8") as f:
        f.write(init + "\n" + "\n".join(steps) + "\n")
    return path


def split_sections(text: str) -> dict:
    sections, name = {}, "start"
    for line in text.splitlines():
        if line.startswith(MARK):
            name = line[len(MARK):].strip()
            sections[name] = ""
            continue
        sections[name] = sections.get(name, "") + line + "\n"
    return sections


def check_output(sections: dict, probe: dict) -> List[Case]:
    """One case per property the helpers must show, given what the probe
    printed about itself (pid, waiter, view addresses)."""
    pid, waiter = probe["pid"], probe["waiter"]
    view, page = probe["view"], probe["page"]
    cases = []

    def case(name, ok, why):
        cases.append(Case(f"gdb-{name}", bool(ok), "" if ok else why))

    ps = sections.get("tandem-ps", "")
    case("ps-probe", re.search(rf"^\s*{pid}\s+1\s+running\s+\d+\s+gdbprobe\s*$", ps, re.M),
         f"tandem-ps shows no running pid {pid} (parent 1, a hart, gdbprobe):\n{ps}")
    case("ps-waiter", re.search(rf"^\s*{waiter}\s+{pid}\s+sleeping\s+-\s+gdbprobe\s*$", ps, re.M),
         f"tandem-ps shows no sleeping child {waiter} of {pid}:\n{ps}")
    case("ps-init", re.search(r"^\s*1\s+0\s+sleeping\s+-\s+init\s*$", ps, re.M), f"no init in:\n{ps}")

    vm = sections.get("tandem-vm", "")
    case("vm-header", re.search(rf"pid {pid} \(gdbprobe\): \d+ regions", vm), f"tandem-vm header:\n{vm}")
    case("vm-view", re.search(rf"0x{view:x}\s+0x{view + 3 * 4096:x}\s+rw-\s+shared-view\s+shared\s+1\s+"
                              r'region "gdb-probe" \(12288 bytes\)', vm),
         f"tandem-vm shows no 3-page view of gdb-probe at 0x{view:x} with 1 resident page:\n{vm}")
    case("vm-program", re.search(r"0x10000\s+0x[0-9a-f]+\s+r-x\s+program\s+private", vm),
         f"tandem-vm shows no program text at 0x10000:\n{vm}")

    pt = sections.get("tandem-pt", "")
    case("pt-view-page", re.search(rf"va 0x{page:x}-0x{page + 4095:x} -> pa 0x[0-9a-f]+\s+VRW-U-AD\s+1 page", pt),
         f"tandem-pt shows no writable user leaf for the touched page 0x{page:x}:\n{pt}")
    case("pt-untouched", f"va 0x{view:x}-0x{view + 4095:x} ->" not in pt,
         f"tandem-pt maps the untouched page 0x{view:x}:\n{pt}")
    case("pt-tables", re.search(r"\[0\] table at pa 0x[0-9a-f]+ for va 0x0-0x3fffffff", pt),
         f"tandem-pt shows no root table entry 0:\n{pt}")

    walk = sections.get(VIEW_WALK, "")
    m = re.search(r"level 0: table 0x[0-9a-f]+\[(\d+)\] = (0x[0-9a-f]+)\s+VRW-U-AD\s+ppn (0x[0-9a-f]+)", walk)
    case("pt-walk-levels", all(f"level {n}:" in walk for n in (2, 1, 0)) and m,
         f"tandem-pt {page:#x} does not walk three levels to a VRW-U-AD leaf:\n{walk}")
    if m:
        pte, ppn = int(m.group(2), 16), int(m.group(3), 16)
        case("pt-walk-pte", int(m.group(1)) == (page >> 12) & 511 and pte >> 10 == ppn and
             re.search(rf"-> physical address 0x{ppn << 12:x} \(4 KiB page\)", walk),
             f"the level-0 entry does not decode to its physical page:\n{walk}")

    shm = sections.get("tandem-shm", "")
    row = re.search(r'^\s*"gdb-probe"\s+12288\s+(\d+)\s+(\d+)\s+0\s+1\s+(\S+)\s+pid (\d+) x1; waiters (\S+)',
                    shm, re.M)
    case("shm-region", row, f"tandem-shm shows no 12288-byte gdb-probe with 1 resident page, locked:\n{shm}")
    if row:
        refs, views, flags, owner, queue = row.groups()
        # Two views (the probe's and the one its child inherited), the
        # creator's reference, and the transient one of the child's
        # lockSharedRegion call in progress.
        case("shm-counts", int(views) == 2 and int(refs) == 4 and "creator-ref" in flags,
             f"refs {refs}, views {views}, flags {flags}: want 4 references, 2 views, creator-ref")
        case("shm-lock", int(owner) == pid and queue == str(waiter),
             f"lock owner {owner}, waiters {queue}: want {pid}, {waiter}")
    case("shm-creator", re.search(rf"creator pid {pid}\b", shm), f"no creator pid {pid}:\n{shm}")

    locks = sections.get("tandem-locks", "")
    case("locks-spin", re.search(rf"running pid {pid} \(gdbprobe\): 1 spin lock held.*\n\s+spin\s+shm_table\s+rank "
                                 r"ShmTable", locks),
         f"tandem-locks shows no shm_table spin lock held by the hart running {pid}:\n{locks}")
    locks2 = sections.get("tandem-locks 2", "")
    case("locks-sleep", re.search(rf"pid {pid} \(gdbprobe\) holds 1 sleep lock\n\s+sleep\s+address_space", locks2),
         f"at the second stop, tandem-locks shows no address_space sleep lock held by {pid}:\n{locks2}")
    second = sections.get("second stop", "")
    case("second-stop", "shm_region_of_view" in second and "sys_destroyMapping" in second,
         f"the second stop is not in destroyMapping:\n{second}")

    log = sections.get("tandem-log", "")
    case("log", re.search(r"harts online: \d+", log) and re.search(r"the last \d+ of \d+ bytes", log),
         f"tandem-log does not show the boot messages:\n{log}")
    return cases


def run(smp: int = 2, timeout: float = 240.0, log_dir: str = "build/test-logs", verbose: bool = False) -> RunResult:
    os.chdir(REPO)
    result = RunResult(name="gdb-helpers")
    started = time.monotonic()
    os.makedirs(log_dir, exist_ok=True)
    port = free_port()
    cfg = QemuConfig(name="gdb-helpers", smp=smp, append="run=gdbprobe", timeout=timeout, suite=None,
                     log_dir=log_dir, extra_args=["-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    script = gdb_script(port, log_dir)
    gdb_log = os.path.join(log_dir, "gdb-helpers.gdb.log")
    probe = {}
    with run_qemu.QemuSession(cfg) as session:
        # The probe prints its pid and view after gdb's first `continue`,
        # before the first stop; gdb runs meanwhile.
        with open(gdb_log, "w", encoding="utf-8") as out:
            gdb = subprocess.Popen([GDB, "-batch", "-nx", "-x", script], stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + timeout
            while gdb.poll() is None and time.monotonic() < deadline:
                session.poll(0.2)
            if gdb.poll() is None:
                gdb.kill()
                gdb.wait()
                result.cases.append(Case("gdb-helpers", False, f"gdb still running after {timeout:.0f} s"))
        # After gdb detaches the probe finishes and the machine powers off.
        # (Until the status itself has come: the line may arrive in pieces.)
        session.wait_until(lambda: re.search(r"poweroff: status -?\d", session.text), time.monotonic() + 60)
        console = session.text
    with open(gdb_log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = re.search(r"gdbprobe: pid (\d+), waiter (\d+), view (0x[0-9a-f]+), touched (0x[0-9a-f]+)", console)
    if not m:
        result.cases.append(Case("gdb-probe-started", False, "the probe never printed its state; console:\n"
                                 + "\n".join(console.splitlines()[-15:])))
    else:
        probe = {"pid": int(m.group(1)), "waiter": int(m.group(2)), "view": int(m.group(3), 16),
                 "page": int(m.group(4), 16)}
        sections = split_sections(text)
        result.cases += check_output(sections, probe)
    result.cases.append(Case("gdb-probe-finished", "gdbprobe: done" in console and "poweroff: status 0" in console,
                             "after gdb detached, the probe did not finish cleanly; console:\n"
                             + "\n".join(console.splitlines()[-10:])))
    errors = [line for line in text.splitlines() if re.search(r"Traceback|Python Exception|Error occurred|"
                                                              r"Undefined command", line)]
    result.cases.append(Case("gdb-no-errors", not errors, "gdb reported: " + "; ".join(errors[:5])))
    if verbose:
        print(text)
    result.log = gdb_log
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="print gdb's whole output")
    args = parser.parse_args(argv)
    r = run(args.smp, args.timeout, verbose=args.verbose)
    for c in r.cases:
        print(("pass(%s)" % c.name) if c.ok else ("FAIL(%s): %s" % (c.name, c.reason)))
    print(f"gdb-helpers: {r.passed} passed, {r.failed} failed")
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
