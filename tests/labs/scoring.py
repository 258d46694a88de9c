#!/usr/bin/env python3
"""Scoring a lab from run results (shared by tests/grade.py --lab, the
starter checks and make test's full-score check of the main tree)."""

import fnmatch
from typing import Dict, List, Optional, Tuple

from labs import Lab, LabTest


def matching_cases(test: LabTest, result):
    """The cases of `result` that `test` grades."""
    if not test.cases:
        return list(result.cases)
    return [c for c in result.cases if any(fnmatch.fnmatch(c.name, p) for p in test.cases)]


def score_test(test: LabTest, result) -> Tuple[float, int, int]:
    """(points earned, cases passed, cases graded) for one graded test. A
    run that did not end properly (a panic, a hang, no summary line) earns
    nothing; neither do graded cases that never ran."""
    if result is None or result.problem is not None:
        return 0.0, 0, 0
    cases = matching_cases(test, result)
    if not cases:
        return 0.0, 0, 0
    passed = sum(1 for c in cases if c.ok)
    if not test.per_case:
        return (test.points if passed == len(cases) else 0.0), passed, len(cases)
    return round(test.points * passed / len(cases), 1), passed, len(cases)


def score_lab(lab: Lab, results: Dict[str, object]) -> Tuple[float, float, List[str]]:
    """(earned, total, report lines) for a lab, given results by run name."""
    earned = total = 0.0
    lines: List[str] = []
    for t in lab.tests:
        r = results.get(t.run)
        got, passed, graded = score_test(t, r)
        earned += got
        total += t.points
        if r is None:
            detail = "not run"
        elif r.problem is not None:
            detail = f"the run did not end properly: {r.problem.splitlines()[0] if r.problem else ''}"
        else:
            detail = f"{passed}/{graded} cases"
        status = "OK" if got == t.points else "FAIL"
        lines.append(f"== Test {t.title} == {status} ({detail}) [{got:g}/{t.points:g}]")
        if r is not None:
            for c in matching_cases(t, r):
                if not c.ok:
                    lines.append(f"    FAIL({c.name}): {c.reason.splitlines()[0] if c.reason else ''}")
    return earned, total, lines


def case_is_lab_case(lab: Lab, run: str, case: str) -> bool:
    return any(fnmatch.fnmatch(f"{run}:{case}", p) for p in lab.lab_cases)
