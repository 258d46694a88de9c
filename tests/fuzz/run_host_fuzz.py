#!/usr/bin/env python3
"""Run Tandem's host fuzz targets (libFuzzer, tests/fuzz/*_fuzz.cc).

Each target is built by `make fuzz-host-build` into build/fuzz/<name>_fuzz
with clang's -fsanitize=fuzzer,address,undefined. This script, for each
target:
  1. replays every input in tests/fuzz/regressions/<name>/ (inputs that once
     broke the parser; each must now run clean);
  2. fuzzes for the given number of seconds, starting from the corpus in
     build/fuzz/corpus/<name>/, which it first seeds from
     tests/fuzz/seeds/<name>/ and from build artifacts (the device trees the
     host tests dump for fdt, the user programs for elf).
A crash, sanitizer report, leak or timeout fails the target; libFuzzer's
reproducer is left in build/fuzz/artifacts/ and named in the report, with
the command that replays it.

Output: one line per target, `pass(fuzz-host-<name>)` or
`FAIL(fuzz-host-<name>): why`, then `fuzz-host: N passed, N failed`.
tests/run_all.py calls run() for its fuzz-host row (a short smoke run);
`make fuzz-host DURATION=600` runs it by hand.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from run_qemu import Case, RunResult  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ_DIR = "build/fuzz"
TARGETS = ["fdt", "elf", "name_table"]
# Where each target's starting corpus comes from, besides tests/fuzz/seeds/<name>/.
CORPUS_SOURCES = {
    "fdt": ["build/host/*.dtb"],
    "elf": ["build/u/bin/echoargs", "build/u/bin/cat", "build/u/bin/init"],
    "name_table": [],
}
RUNS_RE = re.compile(r"Done (\d+) runs in (\d+) second")


def binary(name: str) -> str:
    return os.path.join(FUZZ_DIR, f"{name}_fuzz")


def prepare_corpus(name: str) -> str:
    corpus = os.path.join(FUZZ_DIR, "corpus", name)
    os.makedirs(corpus, exist_ok=True)
    sources = [os.path.join("tests/fuzz/seeds", name, "*")] + CORPUS_SOURCES.get(name, [])
    for pattern in sources:
        for path in glob.glob(pattern):
            if os.path.isfile(path):
                target = os.path.join(corpus, "seed-" + os.path.basename(path))
                if not os.path.exists(target):
                    shutil.copyfile(path, target)
    return corpus


def _tail(text: str, n: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def run_target(name: str, seconds: int, seed: int, log) -> Case:
    case = f"fuzz-host-{name}"
    exe = binary(name)
    if not os.path.exists(exe):
        return Case(case, False, f"{exe} not built (make fuzz-host-build; it needs clang and libclang-rt-14-dev)")
    artifacts = os.path.join(FUZZ_DIR, "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    prefix = os.path.join(artifacts, f"{name}-")
    common = [f"-artifact_prefix={prefix}", "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]
    # 1. The regressions.
    regressions = sorted(glob.glob(os.path.join("tests/fuzz/regressions", name, "*")))
    if regressions:
        p = subprocess.run([exe] + common + regressions, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        out = p.stdout.decode("utf-8", errors="replace")
        log.write(f"==== {name}: regressions\n{out}\n")
        if p.returncode != 0:
            return Case(case, False, f"a regression input fails again:\n{_tail(out)}")
    # 2. Fuzzing.
    corpus = prepare_corpus(name)
    cmd = [exe] + common + [f"-max_total_time={seconds}", corpus]
    if seed is not None:
        cmd.append(f"-seed={seed}")
    before = set(glob.glob(prefix + "*"))
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=seconds + 120)
        out = p.stdout.decode("utf-8", errors="replace")
        status = p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", errors="replace") if e.stdout else ""
        status = None
    log.write(f"==== {name}: {' '.join(cmd)}\n{out}\n")
    found = sorted(set(glob.glob(prefix + "*")) - before)
    m = RUNS_RE.search(out)
    runs = f"{m.group(1)} inputs in {m.group(2)} s" if m else "no summary"
    if status == 0 and not found:
        return Case(case, True, runs)
    why = "libFuzzer did not finish" if status is None else f"libFuzzer exited with status {status}"
    if found:
        why += "; reproduce with: " + " ; ".join(f"{exe} {f}" for f in found)
    return Case(case, False, f"{why}\n{_tail(out)}")


def run(seconds: int = 20, seed=None, targets=None, log_dir: str = "build/test-logs") -> RunResult:
    """Runs the targets one after another; one Case each. The caller's
    working directory must be the top of the repository."""
    result = RunResult(name="fuzz-host")
    os.makedirs(log_dir, exist_ok=True)
    result.log = os.path.join(log_dir, "fuzz-host.log")
    started = time.monotonic()
    with open(result.log, "w", encoding="utf-8") as log:
        for name in targets or TARGETS:
            result.cases.append(run_target(name, seconds, seed, log))
            log.flush()
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the libFuzzer targets of tests/fuzz for a while each.")
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="libFuzzer's -seed (default: its own choice)")
    parser.add_argument("--only", action="append", choices=TARGETS, help="only this target (repeatable)")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    r = run(args.seconds, args.seed, args.only)
    for c in r.cases:
        if c.ok:
            print(f"pass({c.name})  [{c.reason}]")
        else:
            print(f"FAIL({c.name}): {c.reason}")
    print(f"fuzz-host: {r.passed} passed, {r.failed} failed  (log {r.log})")
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
