#!/usr/bin/env python3
"""What `make test` checks of every lab (docs/labs/README.md):

  - the starter is written from this tree (every marker matches its code);
  - it builds, without a compiler warning;
  - it boots and fails its own lab cleanly: its score is below full, and no
    graded run panics (a hang counts only as far as the runner's timeout);
  - every other case of the runs it boots passes: everything outside the
    lab still works;
and of the main tree, that it scores full on every lab (lab_scores_in_tree,
from the results of the runs `make test` made anyway).

One starter is checked by booting its QEMUs one at a time (it occupies one
of run_all's two QEMU slots).
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labs  # noqa: E402
import make_starter  # noqa: E402
import markers  # noqa: E402
import scoring  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from run_qemu import Case, RunResult  # noqa: E402

LAB_DIR = os.path.join(labs.REPO, "build", "labs")
LOG_DIR = os.path.join(labs.REPO, "build", "test-logs")


class _Results:
    """Run results read back from a starter's run_all --results-json."""

    def __init__(self, path):
        with open(path) as f:
            data = json.load(f)
        self.by_name = {}
        for d in data:
            r = RunResult(name=d["name"], problem=d.get("problem"), log=d.get("log", ""))
            r.cases = [Case(c["name"], c["ok"], c.get("reason", "")) for c in d["cases"]]
            self.by_name[d["name"]] = r


def check_starter(lab: labs.Lab, timeout_scale: float = 1.0) -> RunResult:
    result = RunResult(name=f"lab-{lab.name}")
    started = time.monotonic()
    dest = os.path.join(LAB_DIR, lab.name)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(LAB_DIR, exist_ok=True)
    os.makedirs(LOG_DIR, exist_ok=True)
    result.log = os.path.join(LOG_DIR, f"lab-{lab.name}.log")

    def case(name, ok, why=""):
        result.cases.append(Case(f"{lab.name}-{name}", ok, why))
        return ok

    try:
        blocks = make_starter.write_starter(lab, dest, quiet=True)
    except (markers.MarkerError, SystemExit, subprocess.CalledProcessError) as e:
        case("starter-written", False, f"the markers do not match the code: {e}")
        result.seconds = time.monotonic() - started
        return result
    case("starter-written", True)
    with open(result.log, "w") as log:
        log.write(f"starter of {lab.name} in {dest}: {blocks} blocks cut\n")
        log.flush()
        # Built as a student builds it: not as a sub-make of this `make test`
        # (whose jobserver, under `make -jN test`, would make the starter's
        # make warn about its own -j2).
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        build = subprocess.run(["make", "-j2", "all", "image"], cwd=dest, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=1800, env=env)
        out = build.stdout.decode("utf-8", "replace")
        log.write(out)
    warnings = [l for l in out.splitlines() if "warning:" in l]
    if not case("starter-builds", build.returncode == 0, f"make failed (see {result.log})"):
        result.seconds = time.monotonic() - started
        return result
    case("starter-builds-without-warnings", not warnings, "\n".join(warnings[:5]))

    runs = list(dict.fromkeys([t.run for t in lab.tests] + lab.other_runs))
    json_path = os.path.join(dest, "build", "lab-results.json")
    cmd = [sys.executable, "tests/run_all.py", "--no-host", "-j", "1", "--timeout-scale", str(timeout_scale),
           "--results-json", json_path]
    for r in runs:
        cmd += ["--only", r]
    with open(result.log, "a") as log:
        log.write("\n$ " + " ".join(cmd) + "\n")
        log.flush()
        subprocess.run(cmd, cwd=dest, stdout=log, stderr=subprocess.STDOUT, timeout=3600)
    if not os.path.exists(json_path):
        case("starter-runs", False, f"the starter's runs left no results (see {result.log})")
        result.seconds = time.monotonic() - started
        return result
    got = _Results(json_path).by_name
    missing = [r for r in runs if r not in got]
    case("starter-runs", not missing, "runs missing: " + ", ".join(missing))

    earned, total, report = scoring.score_lab(lab, got)
    case("starter-scores-below-full", earned < total,
         f"the starter scores {earned:g}/{total:g}: its lab has nothing left to do\n" + "\n".join(report))
    panicked = []
    for t in lab.tests:
        r = got.get(t.run)
        if r and r.log and os.path.exists(os.path.join(dest, r.log)):
            with open(os.path.join(dest, r.log), encoding="utf-8", errors="replace") as f:
                if "panic on hart" in f.read():
                    panicked.append(t.run)
    case("starter-fails-cleanly", not panicked, "kernel panic in " + ", ".join(panicked))
    outside = []
    for name in runs:
        r = got.get(name)
        if r is None:
            continue
        for c in r.cases:
            if not c.ok and not scoring.case_is_lab_case(lab, name, c.name):
                outside.append(f"{name}:{c.name}: {c.reason.splitlines()[0] if c.reason else ''}")
    case("starter-passes-outside-the-lab", not outside, "\n".join(outside[:10]))
    with open(result.log, "a") as log:
        log.write(f"\nscore of the starter: {earned:g}/{total:g}\n" + "\n".join(report) + "\n")
    result.seconds = time.monotonic() - started
    return result


def scores_in_tree(results_by_name) -> RunResult:
    """The main tree scores full on every lab whose graded runs ran."""
    result = RunResult(name="lab-scores")
    for lab in labs.LABS:
        if not all(t.run in results_by_name for t in lab.tests):
            continue
        earned, total, report = scoring.score_lab(lab, results_by_name)
        result.cases.append(Case(f"{lab.name}-full-in-tree", earned == total,
                                 f"{earned:g}/{total:g}\n" + "\n".join(l for l in report if "FAIL" in l)))
    return result


if __name__ == "__main__":
    names = sys.argv[1:] or [l.name for l in labs.LABS]
    bad = 0
    for n in names:
        lab = labs.find(n)
        if not lab:
            print(f"no lab {n}")
            return_code = 2
            continue
        r = check_starter(lab)
        for c in r.cases:
            print(("pass" if c.ok else "FAIL") + f"({c.name})" + ("" if c.ok else f": {c.reason}"))
        bad += r.failed
    sys.exit(1 if bad else 0)
