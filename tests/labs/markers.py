#!/usr/bin/env python3
"""The lab markers: how a lab's solution is marked in the source, and how a
starter is cut from it (docs/labs/README.md, "Markers").

A lab's solution is a block between two marker lines, in whatever comment
syntax the file uses (C and C++ `//`, Python, make and shell `#`, Markdown
and HTML `<!-- ... -->`). Written here with "@" for the comment leader, so
that this file holds no marker itself:

    @ LAB(cow) begin: fork_copies_pages
    ... the solution ...
    @ LAB(cow) end

In the starter of lab `cow`, the block is replaced by the snippet named after
the colon (tests/labs/cow/snippets.txt; no name: the block is simply left
out). In every other starter and in the main tree the block stays, and the
marker lines themselves are dropped from every starter. A file that is all
solution carries one marker on its first line instead:

    @ LAB(syscall) file                  (left out of that lab's starter)
    @ LAB(syscall) file: strace_stub     (replaced by that snippet)

Blocks do not nest and never span files. Any marker this module cannot
parse, an unclosed block or a snippet that does not exist is an error, so a
lab whose markers no longer match the code fails `make test`.
"""

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

MARKER_RE = re.compile(r"^\s*(?://|#|<!--)\s*LAB\((?P<lab>[a-z][a-z0-9_]*)\)\s+(?P<what>begin|end|file)"
                       r"(?::\s*(?P<snippet>[A-Za-z0-9_.-]+))?\s*(?:-->)?\s*$")
# Anything that looks like a marker but is not one is a mistake, not a comment.
LOOKS_LIKE_MARKER_RE = re.compile(r"(?://|#|<!--)\s*LAB\(")


class MarkerError(Exception):
    pass


@dataclass
class Block:
    lab: str
    path: str
    begin: int            # 1-based line of the begin marker (or the file marker)
    end: int              # 1-based line of the end marker (or the last line)
    snippet: Optional[str]
    whole_file: bool = False


def parse(path: str, text: str) -> List[Block]:
    """The lab blocks of one file, checked for form."""
    blocks: List[Block] = []
    open_block: Optional[Block] = None
    for n, line in enumerate(text.splitlines(), 1):
        m = MARKER_RE.match(line)
        if not m:
            if LOOKS_LIKE_MARKER_RE.search(line):
                raise MarkerError(f"{path}:{n}: not a valid lab marker: {line.strip()}")
            continue
        lab, what, snippet = m.group("lab"), m.group("what"), m.group("snippet")
        if what == "file":
            if n != 1:
                raise MarkerError(f"{path}:{n}: a file marker must be the first line")
            blocks.append(Block(lab, path, 1, len(text.splitlines()), snippet, whole_file=True))
            continue
        if what == "begin":
            if open_block:
                raise MarkerError(f"{path}:{n}: LAB({lab}) begins inside LAB({open_block.lab}) "
                                  f"(line {open_block.begin}); blocks do not nest")
            open_block = Block(lab, path, n, 0, snippet)
            continue
        if not open_block:
            raise MarkerError(f"{path}:{n}: LAB({lab}) end without a begin")
        if lab != open_block.lab:
            raise MarkerError(f"{path}:{n}: LAB({lab}) end closes LAB({open_block.lab}) (line {open_block.begin})")
        if snippet:
            raise MarkerError(f"{path}:{n}: an end marker takes no snippet name")
        open_block.end = n
        blocks.append(open_block)
        open_block = None
    if open_block:
        raise MarkerError(f"{path}:{open_block.begin}: LAB({open_block.lab}) begin is never closed")
    if any(b.whole_file for b in blocks) and len(blocks) > 1:
        raise MarkerError(f"{path}: a file marked whole may not hold other blocks")
    return blocks


SNIPPET_HEADER_RE = re.compile(r"^=== (?P<name>[A-Za-z0-9_.-]+) ===\s*$")


def load_snippets(path: str) -> Dict[str, str]:
    """A lab's snippets: sections of a text file, each headed `=== name ===`."""
    snippets: Dict[str, List[str]] = {}
    if not os.path.exists(path):
        return {}
    current = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = SNIPPET_HEADER_RE.match(line)
            if m:
                current = m.group("name")
                if current in snippets:
                    raise MarkerError(f"{path}:{n}: snippet {current} defined twice")
                snippets[current] = []
            elif current is None:
                if line.strip() and not line.startswith("#"):
                    raise MarkerError(f"{path}:{n}: text before the first '=== name ===' header")
            else:
                snippets[current].append(line)
    # A blank line separates sections in the file; it is not part of them.
    return {k: "".join(v).rstrip("\n") + "\n" if "".join(v).strip() else "" for k, v in snippets.items()}


def cut(path: str, text: str, lab: str, snippets: Dict[str, str]) -> Optional[str]:
    """The file as lab `lab`'s starter has it, or None if it is left out.
    Marker lines of every lab go; blocks of `lab` become their snippets."""
    blocks = parse(path, text)
    if not blocks:
        return text
    if blocks[0].whole_file:
        b = blocks[0]
        if b.lab != lab:
            return "".join(text.splitlines(keepends=True)[1:])
        if b.snippet is None:
            return None
        return snippet_text(b, snippets)
    lines = text.splitlines(keepends=True)
    out: List[str] = []
    i = 0
    for b in blocks:
        out.extend(lines[i:b.begin - 1])
        if b.lab == lab:
            if b.snippet:
                out.append(snippet_text(b, snippets))
        else:
            out.extend(lines[b.begin:b.end - 1])
        i = b.end
    out.extend(lines[i:])
    return "".join(out)


def snippet_text(b: Block, snippets: Dict[str, str]) -> str:
    if b.snippet not in snippets:
        raise MarkerError(f"{b.path}:{b.begin}: LAB({b.lab}) names snippet '{b.snippet}', "
                          f"which tests/labs/{b.lab}/snippets.txt does not define")
    return snippets[b.snippet]
