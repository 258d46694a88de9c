#!/usr/bin/env python3
"""Writes a lab's starter: `make lab LAB=<lab> DEST=<dir>` (docs/labs/README.md).

The starter is a fresh git repository with one commit: every file the main
tree tracks, with the lab's solution blocks replaced by their snippets and
every lab marker line removed (tests/labs/markers.py), plus the lab's
handout as HANDOUT.md, a write-up template, and the file that tells
`make grade` and `make handin` which lab this is. What it leaves out: the
main tree's history, build outputs, the snippets and handouts of the other
labs, and the instructors' tools for cutting and batch grading.
"""

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labs  # noqa: E402
import markers  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Main-tree files no starter gets: how starters are made and graded in
# batch (the students' tree keeps labs.py, the marker syntax, its own
# handout and the per-lab grader).
INSTRUCTOR_ONLY = ("tests/labs/make_starter.py", "tests/labs/grade_class.py", "tests/labs/check_starters.py")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, stdout=subprocess.PIPE).stdout
    return [p for p in out.decode().split("\0") if p]


def keep(path: str, lab: labs.Lab) -> bool:
    if path in INSTRUCTOR_ONLY:
        return False
    # Snippets and handouts: only this lab's.
    parts = path.split("/")
    if path.startswith("tests/labs/") and len(parts) > 3 and parts[2] != lab.name:
        return False
    if path.startswith("docs/labs/") and path != "docs/labs/README.md" and path != lab.handout:
        return False
    return True


def write_starter(lab: labs.Lab, dest: str, quiet: bool = False) -> int:
    """Writes the starter; returns the number of solution blocks cut. On an
    error nothing is left at dest."""
    if os.path.exists(dest) and os.listdir(dest):
        raise SystemExit(f"make_starter: {dest} exists and is not empty")
    existed = os.path.exists(dest)
    try:
        return _write_starter(lab, dest, quiet)
    except BaseException:
        if existed:
            for entry in os.listdir(dest):
                path = os.path.join(dest, entry)
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
        else:
            shutil.rmtree(dest, ignore_errors=True)
        raise


def _write_starter(lab: labs.Lab, dest: str, quiet: bool) -> int:
    snippets = markers.load_snippets(os.path.join(REPO, "tests", "labs", lab.name, "snippets.txt"))
    cut_blocks = 0
    used_snippets = set()
    for path in tracked_files():
        if not keep(path, lab):
            continue
        src = os.path.join(REPO, path)
        if os.path.islink(src) or not os.path.isfile(src):
            continue
        with open(src, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # binary: copied as it is (markers live in text only)
        out = raw
        if text is not None:
            blocks = markers.parse(path, text)
            mine = [b for b in blocks if b.lab == lab.name]
            cut_blocks += len(mine)
            used_snippets.update(b.snippet for b in mine if b.snippet)
            result = markers.cut(path, text, lab.name, snippets)
            if result is None:
                continue
            out = result.encode("utf-8")
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target) or dest, exist_ok=True)
        with open(target, "wb") as f:
            f.write(out)
        shutil.copymode(src, target)
    unused = set(snippets) - used_snippets
    if unused:
        raise markers.MarkerError(f"tests/labs/{lab.name}/snippets.txt: snippets no marker uses: "
                                  f"{', '.join(sorted(unused))}")
    if cut_blocks == 0:
        raise markers.MarkerError(f"lab {lab.name}: no LAB({lab.name}) block in the tree")
    with open(os.path.join(dest, labs.CURRENT_LAB_FILE), "w") as f:
        f.write(lab.name + "\n")
    shutil.copyfile(os.path.join(REPO, lab.handout), os.path.join(dest, "HANDOUT.md"))
    with open(os.path.join(dest, lab.answers_file), "w") as f:
        f.write(lab.answers_template())
    env = dict(os.environ, GIT_AUTHOR_NAME="Tandem labs", GIT_AUTHOR_EMAIL="labs@tandem.invalid",
               GIT_COMMITTER_NAME="Tandem labs", GIT_COMMITTER_EMAIL="labs@tandem.invalid",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    quiet_git = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(["git", "init", "-q", "-b", "main", dest], check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", f"Tandem lab {lab.order}: {lab.title} (starter)"], cwd=dest,
                   check=True, env=env, **quiet_git)
    if not quiet:
        print(f"make_starter: {lab.name}: {cut_blocks} solution blocks cut; starter in {dest}")
        print(f"  cd {dest} && make qemu     # boots to the shell")
        print(f"  make grade                 # scores this lab; HANDOUT.md says what to do")
    return cut_blocks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write a lab's starter: a fresh one-commit git repository "
                                     "with the lab's solution cut out (docs/labs/README.md).")
    parser.add_argument("lab", nargs="?", help="the lab: " + ", ".join(l.name for l in labs.LABS))
    parser.add_argument("dest", nargs="?", help="an empty or new directory")
    parser.add_argument("--list", action="store_true", help="list the labs and exit")
    args = parser.parse_args(argv)
    if args.list or not args.lab:
        for l in labs.LABS:
            print(f"{l.order}. {l.name:8} {l.title} ({l.total_points():g} points) - {l.handout}")
        return 0 if args.list else 2
    lab = labs.find(args.lab)
    if not lab:
        print(f"make_starter: no lab '{args.lab}' (labs: {', '.join(l.name for l in labs.LABS)})", file=sys.stderr)
        return 2
    if not args.dest:
        print("make_starter: give a destination directory (make lab LAB=... DEST=...)", file=sys.stderr)
        return 2
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    if dirty:
        print("make_starter: note: the tree has uncommitted changes, and the starter takes the files as "
              "they are now; cut starters to hand out from a clean checkout", file=sys.stderr)
    try:
        write_starter(lab, os.path.abspath(args.dest))
    except markers.MarkerError as e:
        print(f"make_starter: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
