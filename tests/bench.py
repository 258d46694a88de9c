#!/usr/bin/env python3
"""Run shmbench in the benchmark's QEMU configuration, and compare with Linux.

  tests/bench.py                 one run of Tandem's shmbench; prints the bench lines
  tests/bench.py --compare N     N alternating rounds of Tandem and the Linux anchor
                                 (../shared/anchors/linux/run.sh), then a table of
                                 medians and Tandem/Linux ratios
  tests/bench.py --host-ceiling N
                                 what this host allows two processes: N rounds of one
                                 Tandem alone, then two separate Tandems at once (no
                                 kernel state shared), for the one-process workloads
                                 behind the scaling ones; prints the combined
                                 throughput of the pair over one alone

The configuration is the one shared/BENCHMARKS.md fixes for every comparison:
qemu-system-riscv64 -machine virt -bios default -m 512M -smp 4 -nographic.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import Progress  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_LINE = re.compile(r"^bench (\S+) (\S+)(?: (.*))?$")

# Lower is better for times; higher for rates. The targets against Linux
# (issues 6 and 18): (workload, how the ratio Tandem/Linux must compare, bound).
TARGETS = {
    "null_syscall": ("<=", 1.0),
    "lock_uncontended": ("<=", 1.0),
    "lock_pingpong": ("<=", 0.5),
    "lock_contended": ("<=", 1.0),
    "shm_bandwidth": (">=", 1.0),
    "pipe_bandwidth": (">=", 1.0),
    "map_touch_unmap": ("<=", 0.25),
    "fault_per_page": ("<=", 0.25),
    "create_destroy": ("<=", 0.5),
    # Scaling: at least Linux's throughput at the same P (issue 18).
    **{f"{kind}_{p}": (">=", 1.0) for kind in ("scale_create_destroy", "scale_fault", "scale_shared_fault")
       for p in (1, 2, 4)},
}
SCALING = ["scale_create_destroy", "scale_fault", "scale_shared_fault"]
# Tandem only, as trap_floor: P processes making the cheapest full system
# call, the emulator's ceiling for system-call-bound scaling.
SCALING_CEILING = "scale_syscall"
ORDER = ["trap_floor", "null_syscall", "memcpy_bandwidth", "lock_uncontended", "lock_pingpong", "lock_contended",
         "shm_bandwidth", "pipe_bandwidth", "map_touch_unmap", "fault_per_page", "create_destroy",
         "create_destroy_loaded"] + [f"{kind}_{p}" for p in (1, 2, 4) for kind in SCALING] + \
        [f"{SCALING_CEILING}_{p}" for p in (1, 2, 4)]


def own_targets(median):
    """Tandem against itself (issue 18): [(description, value, op, bound)]."""
    out = []

    def ratio(a, b):
        x, y = median(a), median(b)
        return x / y if x is not None and y else None

    out.append(("null_syscall / trap_floor", ratio("null_syscall", "trap_floor"), "<=", 1.3))
    out.append(("fault_per_page / null_syscall", ratio("fault_per_page", "null_syscall"), "<=", 3.0))
    for kind in SCALING:
        out.append((f"{kind}_2 / {kind}_1", ratio(f"{kind}_2", f"{kind}_1"), ">=", 1.6))
    out.append(("create_destroy_loaded / create_destroy", ratio("create_destroy_loaded", "create_destroy"),
                "<=", 1.2))
    out.append(("shm_bandwidth / memcpy_bandwidth", ratio("shm_bandwidth", "memcpy_bandwidth"), ">=", 0.8))
    return out


def parse(lines):
    """Returns {name: (value, unit)} and a list of failure lines."""
    results, failures = {}, []
    for line in lines:
        m = BENCH_LINE.match(line.strip())
        if not m or m.group(1) == "done":
            continue
        name, value, unit = m.group(1), m.group(2), m.group(3) or ""
        if value == "FAIL":
            failures.append(line.strip())
            continue
        try:
            results[name] = (float(value), unit)
        except ValueError:
            failures.append(line.strip())
    return results, failures


def run_tandem(timeout, workloads=None):
    """Boots Tandem with run=shmbench (only `workloads`, if given); returns the bench lines."""
    return finish_tandem(start_tandem(workloads), timeout)


def start_tandem(workloads=None):
    """Starts a Tandem running shmbench; finish_tandem() collects its lines."""
    kernel = os.path.join(ROOT, "build", "kernel.elf")
    image = os.path.join(ROOT, "build", "fs.img")
    tmp = tempfile.TemporaryDirectory()
    disk = os.path.join(tmp.name, "fs.img")
    shutil.copyfile(image, disk)  # the run may write to its disk
    bootargs = "run=shmbench" + (" args=" + ",".join(workloads) if workloads else "")
    cmd = ["qemu-system-riscv64", "-machine", "virt", "-bios", "default", "-m", "512M", "-smp", "4",
           "-nographic", "-kernel", kernel, "-global", "virtio-mmio.force-legacy=false",
           "-drive", f"file={disk},if=none,format=raw,id=disk0",
           "-device", "virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0",
           "-append", bootargs]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, errors="replace")
    return proc, tmp


def finish_tandem(started, timeout):
    proc, tmp = started
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        out += "\nbench shmbench FAIL timeout\n"
    finally:
        tmp.cleanup()
    lines = [l.rstrip("\r") for l in out.splitlines()]
    return [l for l in lines if l.startswith("bench ")]


# The one-process workloads closest to what each scaling workload's
# processes do, and the scaling workload they stand for.
CEILING_WORKLOADS = [("create_destroy", "scale_create_destroy"), ("fault_per_page", "scale_fault")]


def host_ceiling(rounds, timeout):
    """Prints how much faster two separate Tandems run together than one alone."""
    names = ["create_destroy", "map_touch_unmap"]  # map_touch_unmap also reports fault_per_page
    alone, paired = [], []
    progress = Progress(total=2 * rounds, label="bench runs", stream=sys.stderr)
    for r in range(rounds):
        progress.print(f"round {r + 1}/{rounds}: one alone ...")
        res, fails = parse(run_tandem(timeout, names))
        alone.append(res)
        progress.print(f"round {r + 1}/{rounds}: two at once ...")
        pair = [start_tandem(names), start_tandem(names)]
        for started in pair:
            res, more = parse(finish_tandem(started, timeout))
            paired.append(res)
            fails += more
        for f in fails:
            progress.print(f"tandem: {f}")
    progress.close()
    print(f"{'workload':24s} {'alone':>10s} {'in a pair':>10s}  pair / alone throughput (stands for)")
    for name, scaling in CEILING_WORKLOADS:
        one = statistics.median([r[name][0] for r in alone if name in r] or [0])
        two = statistics.median([r[name][0] for r in paired if name in r] or [0])
        if not one or not two:
            print(f"{name:24s} no result")
            continue
        # Time per operation: the pair does twice the work in `two` per op each.
        print(f"{name:24s} {one:10.2f} {two:10.2f}  {2 * one / two:.2f} ({scaling}_2 / {scaling}_1)")
    print(f"rounds: {rounds}; values are medians; two separate QEMUs share no kernel state, so their "
          "combined speed-up is the most any kernel can reach on this host")
    return 0


def run_linux(anchor, timeout):
    env = dict(os.environ, TIMEOUT=str(timeout))
    proc = subprocess.run(["bash", anchor], capture_output=True, text=True, env=env)
    sys.stderr.write(proc.stderr)
    return [l for l in proc.stdout.splitlines() if l.startswith("bench ")]


def compare(rounds, anchor, timeout):
    tandem_runs, linux_runs = [], []
    # On a terminal, a status line: the run going, the runs left, the time.
    progress = Progress(total=2 * rounds, label="bench runs", stream=sys.stderr)
    for r in range(rounds):
        for system, run, runs in (("tandem", lambda: run_tandem(timeout), tandem_runs),
                                  ("linux", lambda: run_linux(anchor, timeout), linux_runs)):
            name = f"round {r + 1}/{rounds}: {system}"
            progress.print(f"{name} ...")
            progress.started(name)
            res, fails = parse(run())
            progress.finished(name)
            for f in fails:
                progress.print(f"{system}: {f}")
            runs.append(res)
    progress.close()

    def median(runs, name):
        values = [run[name][0] for run in runs if name in run]
        return statistics.median(values) if values else None

    def unit(name):
        for run in tandem_runs + linux_runs:
            if name in run:
                return run[name][1]
        return ""

    print(f"{'workload':24} {'unit':14} {'tandem':>12} {'linux':>12} {'ratio':>7}  target")
    missed = 0
    for name in ORDER:
        t, l = median(tandem_runs, name), median(linux_runs, name)
        ratio = t / l if t is not None and l else None
        target = ""
        if name in TARGETS and ratio is not None:
            op, bound = TARGETS[name]
            met = ratio <= bound if op == "<=" else ratio >= bound
            target = f"{op} {bound}: {'met' if met else 'MISSED'}"
            missed += not met
        fmt = lambda v: f"{v:12.2f}" if v is not None else f"{'-':>12}"
        rs = f"{ratio:7.2f}" if ratio is not None else f"{'-':>7}"
        print(f"{name:24} {unit(name):14} {fmt(t)} {fmt(l)} {rs}  {target}")
    for what, value, op, bound in own_targets(lambda name: median(tandem_runs, name)):
        if value is None:
            print(f"{what} (tandem) = - (target {op} {bound})")
            continue
        met = value <= bound if op == "<=" else value >= bound
        missed += not met
        print(f"{what} (tandem) = {value:.2f} (target {op} {bound}: {'met' if met else 'MISSED'})")
    one, two = median(tandem_runs, f"{SCALING_CEILING}_1"), median(tandem_runs, f"{SCALING_CEILING}_2")
    if one and two:
        print(f"{SCALING_CEILING}_2 / {SCALING_CEILING}_1 (tandem) = {two / one:.2f} "
              "(no target: what this emulator and host allow system-call-bound work at P = 2)")
    print(f"rounds: {rounds}; values are medians; targets missed: {missed}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", type=int, metavar="ROUNDS", default=0,
                    help="alternate ROUNDS runs of Tandem and Linux and print medians and ratios")
    ap.add_argument("--anchor", default=os.path.join(ROOT, "..", "shared", "anchors", "linux", "run.sh"),
                    help="the Linux anchor script (default: ../shared/anchors/linux/run.sh)")
    ap.add_argument("--host-ceiling", type=int, metavar="ROUNDS", default=0,
                    help="ROUNDS of one Tandem alone against two at once: what the host allows two processes")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per run (default 900)")
    args = ap.parse_args()
    if args.host_ceiling:
        return host_ceiling(args.host_ceiling, args.timeout)
    if args.compare:
        if not os.path.exists(args.anchor):
            print(f"bench: no Linux anchor at {args.anchor}", file=sys.stderr)
            return 2
        return compare(args.compare, args.anchor, args.timeout)
    lines = run_tandem(args.timeout)
    for line in lines:
        print(line)
    _, failures = parse(lines)
    return 1 if failures or not any(l.strip() == "bench done" for l in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
