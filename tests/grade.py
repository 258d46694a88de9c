#!/usr/bin/env python3
"""Tandem's lab grader (`make grade`), in the manner of the xv6 lab graders.

Each line of GRADES below is one graded test: a name, its points, and the
run of tests/run_all.py's table (or the host unit tests) that decides it.
A test is worth its points when its run passes completely. A test marked
per_case earns its points in proportion to the cases that passed, but only
if the run itself ended properly (its summary line arrived, with no panic
or hang); a suite that crashes earns nothing. A suite whose program is not
built earns nothing either.

The output is one line per test with its score, the failed cases below
it, and finally "Score: X/Y". The exit status is 0 only for a full score.
Logs of every run are in build/test-logs/.

With --lab NAME (make grade LAB=NAME) it grades one lab of the course
instead (tests/labs/labs.py, docs/labs/); in a lab's starter that lab is
the default.
"""

import argparse
import fnmatch
import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "labs"))
import labs  # noqa: E402
import run_all  # noqa: E402
import scoring  # noqa: E402
from run_qemu import RunResult  # noqa: E402

HOST = "host"  # the run name that means the host unit tests


@dataclass
class Grade:
    title: str
    points: float
    run: str                 # a run name from run_all.RUNS, or HOST
    per_case: bool = False   # partial credit by cases passed


# ---- the grading table (115 points: 100 for the core, 15 for the real-board paths) --------------
GRADES: List[Grade] = [
    Grade("host unit tests (ASan, UBSan)", 10, HOST, per_case=True),
    Grade("kernel self-tests, 1 hart", 5, "ktest-virt-1"),
    Grade("kernel self-tests, 4 harts", 5, "ktest-virt-4"),
    Grade("kernel self-tests, 8 harts", 5, "ktest-virt-8"),
    Grade("kernel self-tests, SBI timer", 5, "ktest-virt-4-nosstc"),
    Grade("kernel self-tests, sifive_u", 5, "ktest-sifive_u-5"),
    Grade("panic report with backtrace", 5, "ktest-panic"),
    Grade("console banner and echo", 5, "console-virt-4"),
    Grade("usertests, 1 hart", 5, "usertests-virt-1", per_case=True),
    Grade("usertests, 4 harts", 10, "usertests-virt-4", per_case=True),
    Grade("shmtests, 1 hart", 10, "shmtests-virt-1", per_case=True),
    Grade("shmtests, 4 harts", 15, "shmtests-virt-4", per_case=True),
    Grade("synctests, 1 hart", 5, "synctests-virt-1", per_case=True),
    Grade("synctests, 4 harts", 10, "synctests-virt-4", per_case=True),
    # Real-board readiness (docs/porting.md): one run of each path.
    Grade("Image header for booti", 2, "image-header"),
    Grade("usertests booted by U-Boot", 5, "usertests-uboot-4", per_case=True),
    Grade("usertests on sifive_u, 4 harts", 4, "usertests-sifive_u-5", per_case=True),
    Grade("shmtests with the SBI timer", 4, "shmtests-virt-4-nosstc", per_case=True),
]


def score(grade: Grade, result: Optional[RunResult]) -> float:
    if result is None:
        return 0.0
    if not grade.per_case:
        return grade.points if result.ok else 0.0
    if result.problem is not None or not result.cases:
        return 0.0
    return round(grade.points * result.passed / len(result.cases), 1)


def grade_lab(lab, args) -> int:
    """Runs the lab's graded runs and prints its score, in the same format."""
    started = time.monotonic()
    by_name = {r.name: r for r in run_all.RUNS}
    names = list(dict.fromkeys(t.run for t in lab.tests))
    unknown = [n for n in names if n not in by_name]
    if unknown:
        print(f"grade.py: lab {lab.name} names runs not in run_all.RUNS: {', '.join(unknown)}", file=sys.stderr)
        return 2
    print(f"Lab {lab.order}: {lab.title} ({lab.handout})", flush=True)
    results = {}
    wanted = []
    for name in names:
        why = "the kernel did not build" if "kernel" in args.build_failed else by_name[name].missing()
        if not why:
            wanted.append(by_name[name])
    for run, result in zip(wanted, run_all.run_many(wanted, args.jobs, args.timeout_scale)):
        results[run.name] = result
    earned, total, report = scoring.score_lab(lab, results)
    for line in report:
        print(line)
    print(f"(logs in build/test-logs/, {time.monotonic() - started:.0f} s)")
    print(f"Score: {earned:g}/{total:g}")
    return 0 if earned == total else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Grade Tandem like an xv6 lab: run every graded suite (build first: make grade does) "
                    "and print a score per test and 'Score: X/Y'.",
        epilog="graded tests:\n" + "\n".join(
            f"  {g.points:5g}  {g.title:34} ({g.run}{', per case' if g.per_case else ''})" for g in GRADES),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="grade only tests whose title or run name matches this glob (repeatable); "
                             "the total then counts only those")
    parser.add_argument("--jobs", "-j", type=int, default=run_all.MAX_PARALLEL_QEMU,
                        help=f"QEMUs at once (default and maximum {run_all.MAX_PARALLEL_QEMU})")
    parser.add_argument("--timeout-scale", type=float, default=1.0, help="multiply every in-guest timeout")
    parser.add_argument("--build-failed", action="append", default=[], choices=["kernel", "host"],
                        help="the build of this part failed (make grade passes it): its tests score 0")
    parser.add_argument("--verbose", "-v", action="store_true", help="show every case, not only failures")
    parser.add_argument("--lab", help="grade this lab of the course (default in a lab's starter: its lab): "
                        + ", ".join(l.name for l in labs.LABS))
    parser.add_argument("--course", action="store_true", help="in a starter: the whole grading table, not the lab")
    args = parser.parse_args(argv)
    os.chdir(run_all.REPO)
    lab = labs.find(args.lab) if args.lab else (None if args.course else labs.current_lab())
    if args.lab and not lab:
        print(f"grade.py: no lab '{args.lab}' (labs: {', '.join(l.name for l in labs.LABS)})", file=sys.stderr)
        return 2
    if lab:
        return grade_lab(lab, args)

    grades = [g for g in GRADES if not args.only or any(
        fnmatch.fnmatch(g.title, p) or fnmatch.fnmatch(g.run, p) for p in args.only)]
    by_name = {r.name: r for r in run_all.RUNS}
    unknown = [g.run for g in grades if g.run != HOST and g.run not in by_name]
    if unknown:
        print(f"grade.py: runs not in run_all.RUNS: {', '.join(unknown)}", file=sys.stderr)
        return 2

    started = time.monotonic()
    results: Dict[str, RunResult] = {}
    not_built: Dict[str, str] = {}
    if any(g.run == HOST for g in grades):
        if "host" in args.build_failed:
            not_built[HOST] = "the host unit tests did not build"
        else:
            # Both host binaries, scored as one.
            combined = RunResult(name=HOST)
            for _, binary, name in run_all.HOST_BINARIES:
                part = run_all.run_host_tests(binary, name=name)
                combined.cases += part.cases
                combined.seconds += part.seconds
                combined.problem = combined.problem or part.problem
            results[HOST] = combined
    wanted = []
    for name in dict.fromkeys(g.run for g in grades if g.run != HOST):
        run = by_name[name]
        why = "the kernel did not build" if "kernel" in args.build_failed else run.missing()
        if why:
            not_built[name] = why
        else:
            wanted.append(run)
    for run, result in zip(wanted, run_all.run_many(wanted, args.jobs, args.timeout_scale)):
        results[run.name] = result

    total = earned = 0.0
    for g in grades:
        r = results.get(g.run)
        got = score(g, r)
        total += g.points
        earned += got
        if r is None:
            status, detail = "FAIL", not_built.get(g.run, "not run")
        else:
            status = "OK" if got == g.points else "FAIL"
            detail = f"{r.passed}/{len(r.cases)} cases, {r.seconds:.1f} s"
        print(f"== Test {g.title} == {status} ({detail}) [{got:g}/{g.points:g}]", flush=True)
        if r is not None:
            for c in r.cases:
                if not c.ok:
                    reason = c.reason.replace("\n", "\n        ")
                    print(f"    FAIL({c.name}): {reason}")
                elif args.verbose:
                    print(f"    pass({c.name})")
    print(f"(logs in build/test-logs/, {time.monotonic() - started:.0f} s)")
    print(f"Score: {earned:g}/{total:g}")
    return 0 if earned == total else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        run_all.run_qemu.kill_all()
        print("\ninterrupted", file=sys.stderr)
        os._exit(130)
