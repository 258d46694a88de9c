"""A status line for long runs (make test, make stress, make fuzz, make
bench-compare): which runs are going, how many are left, the time spent.

On a terminal it is one line at the bottom, redrawn every second and
cleared whenever a normal line is printed, so the log above stays clean.
Anywhere else (a CI log, a pipe, a file) it draws nothing: the normal
lines are the whole output, one per event, as before.

    status = Progress(total=57, label="in-guest runs")
    status.started("shmtests-virt-4")
    status.print("PASS  shmtests-virt-4 ...")   # instead of print()
    status.finished("shmtests-virt-4")
    status.close()
"""

import os
import sys
import threading
import time
from typing import Dict, Optional, TextIO


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


def clock(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, label: str = "runs", stream: TextIO = sys.stdout,
                 enabled: Optional[bool] = None, interval: float = 1.0):
        self.total = total
        self.label = label
        self.stream = stream
        self.enabled = is_terminal(stream) if enabled is None else enabled
        self.done = 0
        self.running: Dict[str, float] = {}
        self.begun = time.monotonic()
        self._lock = threading.RLock()
        self._shown = False
        self._stop = threading.Event()
        self._thread = None
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, args=(interval,), daemon=True)
            self._thread.start()

    # ---- events ----
    def started(self, name: str):
        with self._lock:
            self.running[name] = time.monotonic()
            self._draw()

    def finished(self, name: str):
        with self._lock:
            self.running.pop(name, None)
            self.done += 1
            self._draw()

    def print(self, text: str = ""):
        """Prints a normal line (under the status line's feet)."""
        with self._lock:
            self._erase()
            print(text, file=self.stream, flush=True)
            self._draw()

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        with self._lock:
            self._erase()

    # ---- the line ----
    def text(self) -> str:
        now = time.monotonic()
        left = self.total - self.done
        going = ", ".join(f"{name} {clock(now - t)}" for name, t in sorted(self.running.items(),
                                                                           key=lambda kv: kv[1]))
        line = f"[{self.done}/{self.total} {self.label} done, {left} left; {clock(now - self.begun)}]"
        return line + (f" running: {going}" if going else "")

    def _draw(self):
        if not self.enabled:
            return
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns or 100
        except (OSError, ValueError, AttributeError):
            width = 100
        line = self.text()[:max(20, width - 1)]
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self._shown = True

    def _erase(self):
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown = False

    def _tick(self, interval: float):
        while not self._stop.wait(interval):
            with self._lock:
                self._draw()
