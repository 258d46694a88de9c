#!/usr/bin/env python3
"""Grades a class's hand-ins in batch (instructors; docs/labs/README.md):

    make grade-class LAB=shm HANDINS=dir [STARTER=dir]

HANDINS holds one hand-in per student: `<student>.tar.gz` (what `make
handin` writes), `<student>.patch`, or a directory `<student>/` holding
either. For each, a fresh copy of the lab's starter (written from this
tree unless STARTER names one) gets the student's patch applied, is built
and graded (`tests/grade.py --lab`), and one line is printed:

    alice          shm   87/100   (build ok; write-up 1432 bytes)
    bob            shm    0/100   (patch does not apply: ...)

Logs of each student's build and grading are kept in
build/grade-class/<student>/; the table is also written to
build/grade-class/scores.tsv.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labs  # noqa: E402
import make_starter  # noqa: E402

# Paths a hand-in may not change for grading (its changes there are not
# applied): the runner and grader, the test framework, and the programs of
# the lab's graded runs. Other test programs may need a student's change
# (a new system call belongs in the fuzzer's table, for one).
FRAMEWORK = ["tests", "user/include/test.h", "user/lib/test.cc", "user/lib/test_children.cc"]


def protected_paths(lab):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import run_all  # noqa: E402
    by_name = {r.name: r for r in run_all.RUNS}
    programs = {by_name[t.run].program for t in lab.tests if t.run in by_name and by_name[t.run].program}
    return FRAMEWORK + [p for prog in sorted(programs) for p in (f"user/tests/{prog}.cc", f"user/tests/{prog}")]

SCORE_RE = re.compile(r"^Score: ([0-9.]+)/([0-9.]+)\s*$", re.M)


def find_handins(folder: str):
    """[(student, patch bytes or None, answers text or None, problem)]"""
    found = []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        student = re.sub(r"\.(tar\.gz|tgz|patch)$", "", entry)
        if os.path.isdir(path):
            inner = [f for f in os.listdir(path) if f.endswith((".tar.gz", ".tgz", ".patch"))]
            if not inner:
                found.append((student, None, None, "no .tar.gz or .patch inside"))
                continue
            path = os.path.join(path, sorted(inner)[0])
        if path.endswith((".tar.gz", ".tgz")):
            try:
                with tarfile.open(path) as tar:
                    patch = answers = None
                    for m in tar.getmembers():
                        if not m.isfile():
                            continue
                        data = tar.extractfile(m).read()
                        if m.name.endswith(".patch"):
                            patch = data
                        elif m.name.startswith("answers-"):
                            answers = data.decode("utf-8", "replace")
                found.append((student, patch, answers, None if patch is not None else "no patch in the tarball"))
            except (tarfile.TarError, OSError) as e:
                found.append((student, None, None, f"unreadable tarball: {e}"))
        elif path.endswith(".patch"):
            with open(path, "rb") as f:
                found.append((student, f.read(), None, None))
    return found


def run(cmd, cwd, log, timeout):
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            p = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
            return p.returncode
        except subprocess.TimeoutExpired:
            out.write(b"\n(timed out)\n")
            return None


def grade_one(lab, starter, student, patch, work_root, logs, timeout):
    log = os.path.join(logs, "log.txt")
    tree = os.path.join(work_root, student)
    shutil.copytree(starter, tree, symlinks=True)
    patch_file = os.path.join(logs, "handin.patch")
    with open(patch_file, "wb") as f:
        f.write(patch)
    # The tests and the grader stay the starter's, whatever the patch does to
    # them: a hand-in cannot grade itself.
    excludes = [f"--exclude={p}" for path in protected_paths(lab) for p in (path, path + "/*")]
    if patch.strip() and run(["git", "apply", "--whitespace=nowarn", *excludes, patch_file], tree, log, 60) != 0:
        return 0.0, lab.total_points(), "patch does not apply (see log)"
    if run(["make", "-j2", "all", "image"], tree, log, timeout) != 0:
        return 0.0, lab.total_points(), "build failed (see log)"
    run([sys.executable, "tests/grade.py", "--lab", lab.name], tree, log, timeout)
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = SCORE_RE.findall(text)
    if not m:
        return 0.0, lab.total_points(), "no score (grader did not finish; see log)"
    got, total = m[-1]
    return float(got), float(total), "build ok"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Grade a folder of hand-ins for one lab, one line per student.")
    parser.add_argument("--lab", required=True, help="the lab: " + ", ".join(l.name for l in labs.LABS))
    parser.add_argument("--starter", help="the lab's starter (default: written afresh from this tree)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per student for build and grading")
    parser.add_argument("handins", help="a folder of hand-ins")
    args = parser.parse_args(argv)
    lab = labs.find(args.lab)
    if not lab:
        print(f"grade_class: no lab '{args.lab}'", file=sys.stderr)
        return 2
    if not os.path.isdir(args.handins):
        print(f"grade_class: {args.handins} is not a folder", file=sys.stderr)
        return 2
    out_root = os.path.join(labs.REPO, "build", "grade-class")
    os.makedirs(out_root, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grade-class-") as tmp:
        starter = args.starter
        if not starter:
            starter = os.path.join(tmp, "starter")
            make_starter.write_starter(lab, starter, quiet=True)
        rows = []
        for student, patch, answers, problem in find_handins(args.handins):
            logs = os.path.join(out_root, student)
            shutil.rmtree(logs, ignore_errors=True)
            os.makedirs(logs)
            if problem:
                got, total, note = 0.0, lab.total_points(), problem
            else:
                got, total, note = grade_one(lab, starter, student, patch, tmp, logs, args.timeout)
                shutil.rmtree(os.path.join(tmp, student), ignore_errors=True)
            if answers is not None:
                with open(os.path.join(logs, lab.answers_file), "w") as f:
                    f.write(answers)
                note += f"; write-up {len(answers.encode())} bytes"
            else:
                note += "; no write-up"
            line = f"{student:14} {lab.name:7} {got:5g}/{total:g}   ({note})"
            print(line, flush=True)
            rows.append((student, lab.name, got, total, note))
    with open(os.path.join(out_root, "scores.tsv"), "w") as f:
        f.write("student\tlab\tscore\tout_of\tnote\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
