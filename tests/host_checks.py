"""Checks that run on the host, no QEMU (doc-host, figures, first-build,
progress): each returns a list of (case, ok, reason), which run_all.py
turns into cases and report() prints when the script runs alone."""

from typing import List, Tuple

Result = Tuple[str, bool, str]


def report(label: str, results: List[Result]) -> int:
    """Prints pass(...)/FAIL(...) lines and the summary; returns the exit status."""
    for name, ok, why in results:
        print(f"pass({name})" if ok else f"FAIL({name}): {why}")
    failed = sum(1 for r in results if not r[1])
    print(f"{label}: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
