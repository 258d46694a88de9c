#!/usr/bin/env python3
"""The figures of the docs, made from text sources in this directory.

  make_figures.py            regenerate every SVG: each NAME.dot with
                             Graphviz's dot (Debian: graphviz), and
                             bench_compare.svg from the table "Latest
                             figures" in docs/performance.md
  make_figures.py --check    check, without dot, that every SVG is
                             current: a dot figure must carry the hash of
                             its source (written in the SVG when it is
                             made), and the bar chart must be exactly what
                             the table gives now (a run of make test)

`make figures` runs the first form.
"""

import argparse
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
from typing import List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
PERFORMANCE_MD = os.path.join(HERE, "..", "performance.md")
CHART = "bench_compare.svg"
STAMP = "<!-- made by docs/figures/make_figures.py from {source}, sha256 {digest} -->"


def digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def dot_sources() -> List[str]:
    return sorted(f for f in os.listdir(HERE) if f.endswith(".dot"))


def make_dot_figure(source: str) -> str:
    """Runs dot on one source; returns the SVG with the source's stamp."""
    svg = subprocess.run(["dot", "-Tsvg", os.path.join(HERE, source)], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    stamp = STAMP.format(source=source, digest=digest(os.path.join(HERE, source)))
    # After the XML declaration and doctype, before the drawing.
    return svg.replace("<svg ", stamp + "\n<svg ", 1)


# ---- the bar chart --------------------------------------------------------------------------

def read_latest_figures(path: str = PERFORMANCE_MD) -> List[Tuple[str, str, float, float]]:
    """(workload, unit, tandem, linux) from the table under "Latest figures"."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Latest figures", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.match(r"^[a-z_0-9]+$", cells[0]):
            try:
                rows.append((cells[0], cells[1], float(cells[2]), float(cells[3])))
            except ValueError:
                continue
    if not rows:
        raise SystemExit(f"{path}: no rows in the table under 'Latest figures'")
    return rows


def speedup(unit: str, tandem: float, linux: float) -> float:
    """How many times faster than Linux Tandem is (> 1: faster): times
    (ns, us) are better lower, rates (MB/s, ops/s) higher."""
    lower_is_better = unit.split("/")[0] in ("ns", "us", "ms")
    return linux / tandem if lower_is_better else tandem / linux


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bar_chart(rows) -> str:
    """A horizontal bar per workload on a log scale around 1 (Linux)."""
    label_w, plot_w, bar_h, gap, top = 190, 520, 18, 8, 58
    lo, hi = 1 / 16, 16.0
    height = top + len(rows) * (bar_h + gap) + 40

    def x_of(v: float) -> float:
        v = min(max(v, lo), hi)
        return label_w + (math.log2(v) - math.log2(lo)) / (math.log2(hi) - math.log2(lo)) * plot_w

    one = x_of(1.0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 270}" height="{height}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{label_w}" y="20" font-size="14" font-weight="bold">Tandem against Linux 6.1, '
           'same QEMU (make bench-compare)</text>',
           f'<text x="{label_w}" y="38" fill="#555">times faster than Linux (log scale); right of the line: '
           'Tandem is faster. Source: docs/performance.md</text>']
    for v in (1 / 16, 1 / 4, 1, 4, 16):
        x = x_of(v)
        label = f"1/{int(1 / v)}" if v < 1 else f"{int(v)}"
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 34}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{label}x</text>')
    for i, (name, unit, tandem, linux) in enumerate(rows):
        y = top + i * (bar_h + gap)
        s = speedup(unit, tandem, linux)
        x = x_of(s)
        color = "#6aa84f" if s >= 1 else "#cc4125"
        left, width = (one, x - one) if s >= 1 else (x, one - x)
        out.append(f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{esc(name)}</text>')
        out.append(f'<rect x="{left:.1f}" y="{y}" width="{max(width, 1):.1f}" height="{bar_h}" fill="{color}"/>')
        tx = x + 6 if s >= 1 else x - 6
        anchor = "start" if s >= 1 else "end"
        out.append(f'<text x="{tx:.1f}" y="{y + 13}" text-anchor="{anchor}">{s:.2f}x '
                   f'({tandem:g} vs {linux:g} {esc(unit)})</text>')
    out.append(f'<line x1="{one:.1f}" y1="{top - 10}" x2="{one:.1f}" y2="{height - 34}" stroke="black" '
               'stroke-width="1.5"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def chart_svg() -> str:
    rows = read_latest_figures()
    # The table's rows alone: prose around it may change freely.
    table_digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    stamp = STAMP.format(source="the table of performance.md", digest=table_digest)
    return stamp + "\n" + bar_chart(rows)


# ---- the two modes ---------------------------------------------------------------------------

def generate() -> int:
    if shutil.which("dot") is None:
        print("make figures needs Graphviz's dot: run `make deps` (or: sudo apt-get install graphviz)",
              file=sys.stderr)
        return 1
    for source in dot_sources():
        svg = make_dot_figure(source)
        with open(os.path.join(HERE, source[:-4] + ".svg"), "w", encoding="utf-8") as f:
            f.write(svg)
        print(f"docs/figures/{source[:-4]}.svg")
    with open(os.path.join(HERE, CHART), "w", encoding="utf-8") as f:
        f.write(chart_svg())
    print(f"docs/figures/{CHART}")
    return 0


def check() -> List[Tuple[str, bool, str]]:
    """(case, ok, reason) per figure."""
    results = []
    for source in dot_sources():
        svg_path = os.path.join(HERE, source[:-4] + ".svg")
        name = f"figure-{source[:-4]}"
        want = STAMP.format(source=source, digest=digest(os.path.join(HERE, source)))
        try:
            with open(svg_path, encoding="utf-8") as f:
                ok = want in f.read()
            why = "" if ok else f"docs/figures/{source[:-4]}.svg was not made from the current {source}: make figures"
        except OSError:
            ok, why = False, f"docs/figures/{source[:-4]}.svg is missing: make figures"
        results.append((name, ok, why))
    try:
        with open(os.path.join(HERE, CHART), encoding="utf-8") as f:
            current = f.read()
    except OSError:
        current = ""
    ok = current == chart_svg()
    results.append(("figure-bench-compare", ok, "" if ok else
                    f"docs/figures/{CHART} does not show the table of docs/performance.md: make figures"))
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="check that every SVG is current")
    args = parser.parse_args(argv)
    if not args.check:
        return generate()
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
    from host_checks import report
    return report("figures", check())


if __name__ == "__main__":
    sys.exit(main())
