#!/usr/bin/env python3
"""A first `make` that explains itself, tried on a machine without the tools.

Runs make targets with a PATH that holds only what any Debian machine has
(a shell, make, python3, coreutils) and none of the compilers, QEMU or
dtc, with B pointing into a temporary directory so nothing of build/ is
touched. Each target must stop at once with the one message that names
what is missing and says to run `make deps`, and never with a bare shell
error ("Error 127", "not found"). One case per target.

    tests/first_build_test.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
from typing import List, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What a bare Debian 12 has; the compilers, QEMU, dtc and clang are left out.
BASE_TOOLS = ["sh", "bash", "dash", "make", "python3", "env", "find", "mkdir", "rm", "cat", "sed", "cp", "ls",
              "echo", "test", "[", "sort", "tr", "dirname", "basename", "expr", "uname", "id", "grep", "touch"]
# target -> what its message must name as missing
TARGETS = [
    ("all", "riscv64-linux-gnu-g++"),
    ("image", "riscv64-linux-gnu-objcopy"),
    ("mkfs", "g++"),
    ("host-tests-build", "/usr/include/doctest/doctest.h" if not os.path.exists("/usr/include/doctest/doctest.h")
     else "dtc"),
    ("fuzz-host-build", "clang++"),
]
BARE_ERRORS = ["Error 127", "not found", "No such file or directory", "command not found"]


def bare_path(tmp: str) -> str:
    bin_dir = os.path.join(tmp, "bin")
    os.makedirs(bin_dir)
    for tool in BASE_TOOLS:
        path = shutil.which(tool)
        if path:
            os.symlink(path, os.path.join(bin_dir, tool))
    return bin_dir


def run() -> List[Tuple[str, bool, str]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="tandem-first-build-") as tmp:
        path = bare_path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        env["PATH"] = path
        for target, tool in TARGETS:
            build = os.path.join(tmp, "build")
            # The host tests' objects live under B; so does the doc extraction.
            p = subprocess.run(["make", "--no-print-directory", "-C", REPO, f"B={build}", target],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               timeout=120)
            out = p.stdout
            # The message names the missing tool and the command to run.
            said = f"needs what is not installed" in out and tool in out and "make deps" in out
            bare = [e for e in BARE_ERRORS if e in out]
            ok = p.returncode != 0 and said and not bare
            why = ""
            if not ok:
                why = (f"`make {target}` without the tools (status {p.returncode}) "
                       + ("did not say what to run" if not said else f"showed {bare}") + ":\n"
                       + "\n".join(out.splitlines()[-8:]))
            results.append((f"first-build-{target.replace('/', '_')}", ok, why))
    return results


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from host_checks import report
    sys.exit(report("first-build", run()))
