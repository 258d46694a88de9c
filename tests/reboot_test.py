#!/usr/bin/env python3
"""Boot Tandem twice on one disk: data must survive a power-off.

The reboot test of memory-mapped files (docs/mmap.md): the first boot runs
`<prog> write` (stores through file mappings and file-backed named
regions, made durable by msync, munmap, exit or the end of a region, then
the machine powers off with some mappings still live), the second boot,
on the same disk image, runs `<prog> check`, which reads it all back.

Both boots are ordinary suite runs of tests/run_qemu.py (pass/FAIL lines
and a summary each); the result is one RunResult holding the cases of
both, so a failure in either boot, a panic or a hang fails the test. The
disk is a private copy of build/fs.img, made once and removed at the end.

run_all.py's table runs it as kind "reboot"; by hand:

    tests/reboot_test.py --name mmapreboot --smp 4 --program mmapreboot
"""

import argparse
import dataclasses
import os
import shutil
import sys
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402
from run_qemu import Case, QemuConfig, RunResult  # noqa: E402

PHASES = ("write", "check")


def run_reboot(cfg: QemuConfig, program: str, on_case=None) -> RunResult:
    """Boots cfg twice on one private disk, running `program write`, then
    `program check`. cfg.append may carry other boot arguments; cfg.suite
    is the summary name both halves print."""
    result = RunResult(name=cfg.name)
    os.makedirs(cfg.log_dir, exist_ok=True)
    disk = os.path.join(cfg.log_dir, f"{cfg.name}.img")
    logs: List[str] = []
    try:
        if not cfg.disk or not os.path.exists(cfg.disk):
            result.problem = f"disk image {cfg.disk} not found (run make)"
            result.cases.append(Case(cfg.name, False, result.problem))
            return result
        shutil.copyfile(cfg.disk, disk)
        for phase in PHASES:
            append = " ".join(x for x in (cfg.append, f"run={program}", f"args={phase}") if x)
            phase_cfg = dataclasses.replace(cfg, name=f"{cfg.name}-{phase}", append=append, disk=disk,
                                            disk_in_place=True)
            r = run_qemu.run_suite(phase_cfg, on_case=on_case)
            logs.append(r.log)
            result.seconds += r.seconds
            result.exit_code = r.exit_code
            result.cases += r.cases
            if r.problem or not r.ok:
                # The check half means nothing after a broken write half.
                result.problem = r.problem or f"the {phase} boot failed"
                if phase == "write":
                    result.cases.append(Case(f"{cfg.name}-check", False, "not run: the write boot failed"))
                break
    finally:
        if os.path.exists(disk):
            os.remove(disk)
    result.log = logs[-1] if logs else ""
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Boot twice on one disk image: `PROGRAM write`, power off, "
                                                 "then `PROGRAM check`. Logs go to build/test-logs/NAME-write.log "
                                                 "and NAME-check.log.")
    parser.add_argument("--name", default="mmapreboot")
    parser.add_argument("--program", default="mmapreboot", help="user program (in /bin) run with write, then check")
    parser.add_argument("--suite", default=None, help="summary name (default: the program's name)")
    parser.add_argument("--smp", type=int, default=4)
    parser.add_argument("--memory", default="128M")
    parser.add_argument("--disk", default="build/fs.img")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per boot")
    args = parser.parse_args(argv)
    os.chdir(run_qemu.REPO)
    cfg = QemuConfig(name=args.name, smp=args.smp, memory=args.memory, disk=args.disk, timeout=args.timeout,
                     suite=args.suite or args.program)

    def show(case: Case):
        print(f"  {'pass' if case.ok else 'FAIL'} {case.name}" + (f": {case.reason}" if case.reason else ""),
              flush=True)

    r = run_reboot(cfg, args.program, show)
    print(f"{args.name}: {r.passed} passed, {r.failed} failed ({r.seconds:.1f} s)")
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
