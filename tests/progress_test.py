#!/usr/bin/env python3
"""Checks tests/progress.py: a status line on a terminal, nothing extra in a
log. Run by make test (the `progress` run) and by hand."""

import io
import os
import sys
from typing import List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import Progress, clock, is_terminal  # noqa: E402


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def run() -> List[Tuple[str, bool, str]]:
    saved = os.environ.get("TERM")
    os.environ["TERM"] = "xterm"  # whatever terminal make test itself runs in
    try:
        return checks()
    finally:
        if saved is None:
            os.environ.pop("TERM", None)
        else:
            os.environ["TERM"] = saved


def checks() -> List[Tuple[str, bool, str]]:
    results = []

    log = io.StringIO()
    plain = Progress(total=2, stream=log)  # not a terminal: decides by itself
    plain.started("a")
    plain.print("PASS  a")
    plain.finished("a")
    plain.close()
    results.append(("progress-plain-in-logs", log.getvalue() == "PASS  a\n",
                    f"a log got {log.getvalue()!r}, not just the line"))

    term = FakeTerminal()
    live = Progress(total=3, label="runs", stream=term, interval=3600)
    live.started("shmtests-virt-4")
    first = term.getvalue()
    live.print("PASS  usertests-virt-1")
    live.finished("shmtests-virt-4")
    live.close()
    out = term.getvalue()
    shows = "[0/3 runs done, 3 left; 0 s] running: shmtests-virt-4 0 s" in first
    results.append(("progress-status-line", shows, f"the status line was {first!r}"))
    line_clean = "\r\x1b[2KPASS  usertests-virt-1\n" in out
    results.append(("progress-erased-before-lines", line_clean, f"the terminal got {out!r}"))
    results.append(("progress-counts", "[1/3 runs done, 2 left" in out and out.endswith("\r\x1b[2K"),
                    f"after one run, and at the end, the terminal got {out[-120:]!r}"))
    results.append(("progress-clock", (clock(5), clock(75), clock(3725)) == ("5 s", "1:15", "1:02:05"),
                    f"clock gives {clock(5)}, {clock(75)}, {clock(3725)}"))
    results.append(("progress-detects-terminal", is_terminal(FakeTerminal()) and not is_terminal(io.StringIO()),
                    "is_terminal is wrong about a terminal or a log"))
    return results


if __name__ == "__main__":
    from host_checks import report
    sys.exit(report("progress", run()))
