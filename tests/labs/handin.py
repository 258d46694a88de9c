#!/usr/bin/env python3
"""`make handin` in a lab's starter: packs the student's work.

Writes, in the starter's top directory:
  handin-<lab>.patch    every change since the starter's first commit,
                        committed or not, new files included (git diff)
  handin-<lab>.tar.gz   that patch and the write-up, answers-<lab>.md
The instructors' batch grader (tests/labs/grade_class.py) takes either.
"""

import os
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labs  # noqa: E402


def git(*args, **kw):
    return subprocess.run(["git", *args], cwd=labs.REPO, check=True, stdout=subprocess.PIPE, **kw).stdout


def main() -> int:
    lab = labs.current_lab()
    if lab is None:
        print("handin: this is not a lab starter (no .lab file); make lab LAB=... DEST=... writes one",
              file=sys.stderr)
        return 2
    first = git("rev-list", "--max-parents=0", "HEAD").decode().split()[0]
    # Untracked files count too: intent-to-add them in a throw-away index.
    index = os.path.join(labs.REPO, ".git", "handin-index")
    env = dict(os.environ, GIT_INDEX_FILE=index)
    try:
        subprocess.run(["git", "read-tree", "HEAD"], cwd=labs.REPO, check=True, env=env)
        subprocess.run(["git", "add", "-A", "--", ".", ":(exclude)handin-*"], cwd=labs.REPO, check=True,
                       env=env)
        patch = subprocess.run(["git", "diff", "--cached", "--binary", first], cwd=labs.REPO, check=True,
                               stdout=subprocess.PIPE, env=env).stdout
    finally:
        if os.path.exists(index):
            os.remove(index)
    patch_name = f"handin-{lab.name}.patch"
    with open(os.path.join(labs.REPO, patch_name), "wb") as f:
        f.write(patch)
    answers = os.path.join(labs.REPO, lab.answers_file)
    tar_name = f"handin-{lab.name}.tar.gz"
    with tarfile.open(os.path.join(labs.REPO, tar_name), "w:gz") as tar:
        tar.add(os.path.join(labs.REPO, patch_name), arcname=patch_name)
        if os.path.exists(answers):
            tar.add(answers, arcname=lab.answers_file)
    files = patch.decode("utf-8", "replace").count("\ndiff --git ") + patch.startswith(b"diff --git ")
    print(f"handin: {tar_name} ({patch_name}: {files} files changed since the starter, "
          f"and {lab.answers_file}); hand in {tar_name}")
    if not os.path.exists(answers):
        print(f"handin: warning: {lab.answers_file} is missing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
