#!/usr/bin/env python3
"""docs/kernel.md's list of spin locks is lock_order.h's (the `lock-order-doc`
run of make test).

kernel/sync/lock_order.h defines the ranks (enum class LockRank); the list
in docs/kernel.md, the paragraph after the `<!-- lock-order: ... -->`
comment, must name every rank but None, in rank order.

  tests/lock_doc_check.py        prints the two lists if they differ; exit 0 when they agree
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCK_ORDER = os.path.join(ROOT, "kernel", "sync", "lock_order.h")
KERNEL_MD = os.path.join(ROOT, "docs", "kernel.md")


def ranks_in_header(text):
    """The ranks of enum class LockRank, by value (None left out)."""
    body = re.search(r"enum class LockRank\s*:\s*\w+\s*\{(.*?)\};", text, re.S)
    if not body:
        return None
    ranks = re.findall(r"(\w+)\s*=\s*(\d+)", body.group(1))
    return [name for name, value in sorted(ranks, key=lambda r: int(r[1])) if name != "None"]


def ranks_in_doc(text):
    """The names of the paragraph after the lock-order marker."""
    m = re.search(r"<!-- lock-order:.*?-->\n(.*?)(?:\n\n|\Z)", text, re.S)
    if not m:
        return None
    return [name.strip() for name in m.group(1).replace("\n", " ").rstrip(". ").split(",") if name.strip()]


def compare(header_text, doc_text):
    """(case, ok, reason) tuples."""
    header = ranks_in_header(header_text)
    doc = ranks_in_doc(doc_text)
    if header is None:
        return [("lock-order-doc", False, "no enum class LockRank in kernel/sync/lock_order.h")]
    if doc is None:
        return [("lock-order-doc", False, "no <!-- lock-order: --> list in docs/kernel.md")]
    if header != doc:
        return [("lock-order-doc", False, f"lock_order.h says {', '.join(header)}; docs/kernel.md says {', '.join(doc)}")]
    return [("lock-order-doc", True, "")]


def self_test():
    header = "enum class LockRank : u8 {\n    None = 0,\n    B = 20,\n    A = 10,\n};"
    return [
        ("lock-order-doc self-test: agreeing lists pass",
         compare(header, "<!-- lock-order: x -->\nA, B.\n")[0][1], ""),
        ("lock-order-doc self-test: a missing lock fails",
         not compare(header, "<!-- lock-order: x -->\nA.\n")[0][1], ""),
        ("lock-order-doc self-test: a wrong order fails",
         not compare(header, "<!-- lock-order: x -->\nB, A.\n")[0][1], ""),
    ]


def run():
    with open(LOCK_ORDER, encoding="utf-8") as f:
        header = f.read()
    with open(KERNEL_MD, encoding="utf-8") as f:
        doc = f.read()
    return self_test() + compare(header, doc)


def main():
    results = run()
    for name, ok, why in results:
        if not ok:
            print(f"FAIL {name}: {why}")
    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"lock-order-doc: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
