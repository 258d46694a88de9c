#!/usr/bin/env python3
"""Doc tests: every code example in README.md, docs/*.md and docs/*/*.md,
extracted so that `make test` builds and runs it (the way Rust runs its doc comments).
The convention is docs/testing.md's "Examples in the docs are tests";
in short, by the fence's language:

  ```c / ```cpp   C++ as the user programs are built. A block with a main
                  is a complete program; any other block is a fragment,
                  wrapped in a main (its #includes hoisted). Either way it
                  becomes /doc/<name> in fs.img and the `doctests` suite
                  runs it in the guest: it must exit 0.
  ```console      a session at the Tandem shell: each `$ ` line is run by
                  /bin/sh in the guest, must succeed, and must print
                  exactly the lines shown under it (if any; `*` in a shown
                  line matches anything).
  ```sh           commands for the host: every `make TARGET` must name a
                  real target, every script must exist and know each
                  --option given to it (checked on the host, not run).
  excerpt:        (a directive, below) a C/C++ block that quotes kernel
                  code: checked on the host to be in the file it names.
  ```text, none   not code: nothing is checked.

An HTML comment just before the fence (invisible on a rendered page) adds
what an example needs:

  <!-- doctest
  name: shm-producer          the program's name (default <doc>-<line>)
  with: shm-consumer          run together with that example, as two
                              processes, in both start orders
  then: rates-reader          run that example after this one
  args: a b                   arguments
  expect: some text           a line the output must contain (repeatable)
  compile-only: why           built but not run (say why)
  same-as: mutex_t word next  a declaration copied from a header: it must
                              have the header's size and field offsets
  check-output: no            (console) run the commands, but the output
                              shown is only an illustration
  excerpt: kernel/x/y.cc      (c, cpp) not a program: lines of that source
                              file, shown as they are there; checked on the
                              host to appear in it, in a row (spaces at the
                              ends of lines do not count)
  setup:                      indented lines: file-scope code before a
      static int helper();    fragment (helpers, declarations)
  before:                     statements run before the fragment
      ...
  after:                      statements run after it (cleanup)
      ...
  -->

Usage:
  extract.py --out build/doc FILE.md...     writes the programs, the suite
                                            (doctests.cc) and programs.mk
  extract.py --check-host FILE.md...        checks the ```sh blocks; prints
                                            pass/FAIL lines and a summary
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODE_LANGUAGES = ("c", "cpp", "c++")
FENCE_RE = re.compile(r"^(\s*)```\s*([\w+-]*)\s*$")
DIRECTIVE_START = "<!-- doctest"
BLOCK_KEYS = ("setup", "before", "after")
LIST_KEYS = ("expect",)
KEYS = ("name", "with", "then", "args", "expect", "compile-only", "same-as", "check-output",
        "excerpt") + BLOCK_KEYS


class DocError(Exception):
    pass


@dataclass
class Example:
    doc: str            # path relative to the repository
    line: int           # line of the first code line
    language: str
    code: List[str]
    options: Dict[str, object] = field(default_factory=dict)

    @property
    def name(self) -> str:
        stem = os.path.splitext(os.path.basename(self.doc))[0].lower()
        return str(self.options.get("name") or f"{stem}-{self.line}")

    @property
    def ident(self) -> str:
        return re.sub(r"\W", "_", self.name)

    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def parse_directive(lines: List[str], where: str) -> Dict[str, object]:
    """The key: value lines of a <!-- doctest ... --> comment."""
    options: Dict[str, object] = {"expect": []}
    current_block = None
    for raw in lines:
        if current_block and (raw.startswith("    ") or raw.startswith("\t") or not raw.strip()):
            options[current_block] += raw[4:] if raw.startswith("    ") else raw.lstrip("\t")
            options[current_block] += "\n"
            continue
        current_block = None
        text = raw.strip()
        if not text:
            continue
        key, sep, value = text.partition(":")
        key = key.strip()
        if not sep or key not in KEYS:
            raise DocError(f"{where}: unknown doctest directive line {text!r} (keys: {', '.join(KEYS)})")
        value = value.strip()
        if key in BLOCK_KEYS:
            current_block = key
            options[key] = ""
        elif key in LIST_KEYS:
            options[key].append(value)
        else:
            options[key] = value
    return options


def parse(path: str) -> List[Example]:
    """The fenced blocks of one Markdown file, with their directives."""
    rel = os.path.relpath(path, REPO)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    examples, pending, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith(DIRECTIVE_START):
            start = i
            body = [line.strip()[len(DIRECTIVE_START):].strip()]
            while "-->" not in lines[i]:
                i += 1
                if i == len(lines):
                    raise DocError(f"{rel}:{start + 1}: unterminated doctest comment")
                body.append(lines[i])
            body[-1] = body[-1].split("-->", 1)[0]
            first = body[0].rstrip().removesuffix("-->").strip()
            pending = (start + 1, parse_directive(([first] if first else []) + body[1:], f"{rel}:{start + 1}"))
            i += 1
            continue
        m = FENCE_RE.match(line)
        if m:
            indent, language = len(m.group(1)), m.group(2).lower()
            start = i + 1
            code = []
            i += 1
            while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
                code.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
                i += 1
            if i == len(lines):
                raise DocError(f"{rel}:{start}: unterminated code block")
            options = {"expect": []}
            if pending is not None:
                options = pending[1]
                pending = None
            examples.append(Example(rel, start + 1, language, code, options))
            i += 1
            continue
        if pending is not None and line.strip() and not line.strip().startswith("<!--"):
            raise DocError(f"{rel}:{pending[0]}: a doctest comment must come right before its code block")
        i += 1
    return examples


# ---- C++ programs ---------------------------------------------------------------------

def is_program(ex: Example) -> bool:
    """A C/C++ block that becomes a program (not an excerpt of the kernel's sources)."""
    return ex.language in CODE_LANGUAGES and not ex.options.get("excerpt")


def is_complete_program(code: List[str]) -> bool:
    return any(re.match(r"^\s*int\s+main\s*\(", line) for line in code)


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def program_source(ex: Example) -> str:
    """The C++ translation unit for one example, with #line marks so that a
    compiler error points into the doc."""
    out = [f"// Generated by tests/doctests/extract.py from {ex.where()}; edit the doc, not this file."]
    same_as = str(ex.options.get("same-as", "")).split()
    if same_as:
        # A declaration copied from a header: compile it apart and compare.
        type_name, fields = same_as[0], same_as[1:]
        out += ['#include "ulib.h"', '#include "sync.h"', '#include "shm.h"', "#include <stddef.h>",
                "namespace doc {", f'#line {ex.line} "{ex.doc}"', *ex.code, "}",
                f"static_assert(sizeof(doc::{type_name}) == sizeof(::{type_name}), "
                f'"{ex.where()}: {type_name} has another size than the header\'s");']
        for f in fields:
            out.append(f"static_assert(offsetof(doc::{type_name}, {f}) == offsetof(::{type_name}, {f}), "
                       f'"{ex.where()}: {type_name}.{f} is not where the header puts it");')
        out.append("int main(void) { return 0; }")
        return "\n".join(out) + "\n"
    if is_complete_program(ex.code):
        out += [f'#line {ex.line} "{ex.doc}"', *ex.code]
        return "\n".join(out) + "\n"
    # A fragment: hoist its #includes (blank lines keep the numbering).
    includes = [line for line in ex.code if line.lstrip().startswith("#include")]
    body = ["" if line.lstrip().startswith("#include") else line for line in ex.code]
    out += ['#include "ulib.h"', '#include "shm.h"', '#include "sync.h"', *includes]
    if ex.options.get("setup"):
        out += ["// setup (from the doctest comment)", str(ex.options["setup"])]
    out += ["int main(int argc, char** argv)", "{", "    (void)argc;", "    (void)argv;"]
    # before and after share main's scope with the fragment: before may
    # declare what the fragment uses, after may use what it declares.
    if ex.options.get("before"):
        out += ["    // before (from the doctest comment)", str(ex.options["before"])]
    out += [f'#line {ex.line} "{ex.doc}"', *body]
    if ex.options.get("after"):
        out += ["    // after (from the doctest comment)", str(ex.options["after"])]
    out += ["    return 0;", "}"]
    return "\n".join(out) + "\n"


# ---- console sessions -----------------------------------------------------------------

@dataclass
class Command:
    line: str
    output: List[str]
    background: bool


def console_commands(ex: Example) -> List[Command]:
    commands: List[Command] = []
    for raw in ex.code:
        if raw.startswith("$ "):
            line = re.sub(r"\s+#.*$", "", raw[2:]).strip()  # a trailing comment is the doc's, not the shell's
            commands.append(Command(line, [], line.endswith("&")))
        elif commands and raw.strip():
            commands[-1].output.append(" ".join(raw.split()))
        elif raw.strip():
            raise DocError(f"{ex.where()}: console block: output before any `$ ` command: {raw!r}")
    if not commands:
        raise DocError(f"{ex.where()}: console block without a `$ ` command")
    return commands


# ---- the in-guest suite --------------------------------------------------------------------

def argv_array(name: str, args: List[str]) -> str:
    return "{" + ", ".join(["(char*)" + c_string(w) for w in [f"/doc/{name}"] + args] + ["nullptr"]) + "}"


def program_struct(ex: Example) -> List[str]:
    args = shlex.split(str(ex.options.get("args", "")))
    expects = list(ex.options.get("expect", []))
    return [f"static char* const argv_{ex.ident}[] = {argv_array(ex.name, args)};",
            f"static const char* const expect_{ex.ident}[] = "
            "{" + ", ".join([c_string(e) for e in expects] + ["nullptr"]) + "};",
            f"static const struct doc_program prog_{ex.ident} = "
            f"{{argv_{ex.ident}, expect_{ex.ident}, {c_string(ex.where())}}};"]


def suite_source(examples: List[Example]) -> str:
    by_name = {ex.name: ex for ex in examples}
    partners = {str(ex.options[k]) for ex in examples for k in ("with", "then") if ex.options.get(k)}
    out = ["// Generated by tests/doctests/extract.py: one case per runnable example of the docs.",
           '#include "test.h"', '#include "../../user/tests/doctests/runner.h"', ""]
    cases = []
    for ex in examples:
        if is_program(ex):
            out += program_struct(ex)
    for ex in examples:
        if is_program(ex):
            if ex.options.get("compile-only") or ex.name in partners:
                continue
            fn = f"doc_{ex.ident}"
            if ex.options.get("with"):
                other = by_name[str(ex.options["with"])]
                body = f"doc_run_together(&prog_{ex.ident}, &prog_{other.ident});"
            elif ex.options.get("then"):
                chain, seen = [ex], {ex.name}
                while chain[-1].options.get("then"):
                    nxt = by_name[str(chain[-1].options["then"])]
                    if nxt.name in seen:
                        raise DocError(f"{ex.where()}: `then` goes round in a circle")
                    seen.add(nxt.name)
                    chain.append(nxt)
                items = ", ".join(f"&prog_{c.ident}" for c in chain)
                out.append(f"static const struct doc_program* const chain_{ex.ident}[] = {{{items}}};")
                body = f"doc_run_sequence(chain_{ex.ident}, {len(chain)});"
            else:
                body = f"doc_run(&prog_{ex.ident});"
            out.append(f"static void {fn}(void) {{ {body} }}")
            cases.append(fn)
        elif ex.language == "console":
            fn = f"doc_{ex.ident}"
            checked = str(ex.options.get("check-output", "yes")).lower() not in ("no", "false")
            rows = []
            for i, cmd in enumerate(console_commands(ex)):
                lines = ", ".join([c_string(o) for o in cmd.output] + ["nullptr"])
                out.append(f"static const char* const out_{ex.ident}_{i}[] = {{{lines}}};")
                rows.append(f"{{{c_string(cmd.line)}, out_{ex.ident}_{i}, {int(checked and not cmd.background)}}}")
            out.append(f"static const struct doc_command cmds_{ex.ident}[] = {{{', '.join(rows)}}};")
            out.append(f"static void {fn}(void) {{ doc_console(cmds_{ex.ident}, {len(rows)}, "
                       f"{c_string(ex.where())}); }}")
            cases.append(fn)
    out.append("static const struct test_case g_cases[] = {")
    out += [f"    TEST_CASE_TIMEOUT({c}, 60000)," for c in cases]
    out.append("};")
    out.append("int main(int argc, char** argv) "
               "{ return test_run_suite(\"doctests\", g_cases, TEST_COUNT(g_cases), argc, argv); }")
    return "\n".join(out) + "\n"


def validate(examples: List[Example]):
    names = {}
    for ex in examples:
        if not is_program(ex) and ex.language != "console":
            continue
        if ex.name in names:
            raise DocError(f"{ex.where()}: example name {ex.name!r} is also used at {names[ex.name]}")
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", ex.name) or len(ex.name) > 40:
            raise DocError(f"{ex.where()}: example name {ex.name!r}: use a-z, 0-9, - and _ (at most 40)")
        names[ex.name] = ex.where()
    for ex in examples:
        for key in ("with", "then"):
            other = ex.options.get(key)
            if other and other not in names:
                raise DocError(f"{ex.where()}: {key}: {other}: no example has that name")


def write_if_changed(path: str, text: str):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(docs: List[str], out_dir: str):
    examples = [ex for doc in docs for ex in parse(doc)]
    validate(examples)
    os.makedirs(os.path.join(out_dir, "src"), exist_ok=True)
    programs = [ex for ex in examples if is_program(ex)]
    for ex in programs:
        write_if_changed(os.path.join(out_dir, "src", f"{ex.name}.cc"), program_source(ex))
    # Always written: their dates tell make the extraction is current.
    with open(os.path.join(out_dir, "doctests.cc"), "w", encoding="utf-8") as f:
        f.write(suite_source(examples))
    with open(os.path.join(out_dir, "programs.mk"), "w", encoding="utf-8") as f:
        f.write("# Generated by tests/doctests/extract.py.\nDOC_PROGRAM_NAMES := "
                + " ".join(ex.name for ex in programs) + "\n")


# ---- host checks of ```sh blocks ------------------------------------------------------------------

def make_targets() -> set:
    """Every target the Makefile defines (from make's database, nothing run)."""
    p = subprocess.run(["make", "-pRrq", "-f", "Makefile", ":"], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    targets = set()
    for line in p.stdout.splitlines():
        m = re.match(r"^([A-Za-z0-9_./-]+):(?!=)", line)
        if m:
            targets.add(m.group(1))
    return targets


def script_help(path: str) -> str:
    p = subprocess.run([sys.executable, path, "--help"], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return p.stdout


def check_shell_line(line: str, targets: set) -> Optional[str]:
    """Why a host command shown in the docs would not work, or None."""
    words = shlex.split(line, comments=True)
    if not words:
        return None
    # Only the first command of a `a && b` line is followed here; the rest
    # are checked as lines of their own when they come first.
    for part in " ".join(shlex.quote(w) for w in words).split(" '&&' "):
        words = shlex.split(part)
        if not words:
            continue
        if words[0] == "make":
            for w in words[1:]:
                if w.startswith("-") or "=" in w:
                    continue
                if w not in targets:
                    return f"`make {w}`: the Makefile has no target {w!r}"
        elif words[0].startswith(("tests/", "./tests/")) and words[0].endswith(".py"):
            script = os.path.join(REPO, words[0])
            if not os.path.exists(script):
                return f"{words[0]} does not exist"
            usage = script_help(script)
            for w in words[1:]:
                if w.startswith("--"):
                    option = w.split("=", 1)[0]
                    if option not in usage:
                        return f"{words[0]} has no option {option} (see its --help)"
    return None


def check_excerpt(ex: Example) -> Optional[str]:
    """Why an excerpt block is not what the file it names says, or None."""
    path = str(ex.options["excerpt"])
    try:
        with open(os.path.join(REPO, path), encoding="utf-8") as f:
            source = [line.rstrip() for line in f.read().splitlines()]
    except OSError:
        return f"{ex.where()}: excerpt: {path} does not exist"
    quoted = [line.rstrip() for line in ex.code]
    for start in range(len(source) - len(quoted) + 1):
        if source[start:start + len(quoted)] == quoted:
            return None
    # Say which line first parts from the file, to help the fix.
    for n in range(len(quoted), 0, -1):
        if any(source[s:s + n] == quoted[:n] for s in range(len(source) - n + 1)):
            return f"{ex.where()}: excerpt of {path}: line {n + 1} of the block differs from the file: {quoted[n]!r}"
    return f"{ex.where()}: excerpt of {path}: its first line is not in the file: {quoted[0]!r}"


def check_host(docs: List[str]):
    """(case name, ok, reason) for every ```sh block and every excerpt of the docs."""
    targets = make_targets()
    results = []
    for doc in docs:
        for ex in parse(doc):
            if ex.options.get("excerpt"):
                why = check_excerpt(ex)
                results.append((f"doc-excerpt-{ex.name}", why is None, why or ""))
                continue
            if ex.language != "sh":
                continue
            problems = [f"{ex.doc}:{ex.line + i}: {why}" for i, line in enumerate(ex.code)
                        if (why := check_shell_line(line, targets))]
            results.append((f"doc-sh-{ex.name}", not problems, "; ".join(problems)))
    return results


def doc_sources() -> List[str]:
    """README.md, docs/*.md and docs/*/*.md, as tests/doctests/doctests.mk lists them."""
    docs_dir = os.path.join(REPO, "docs")
    found = []
    for root, _, files in os.walk(docs_dir):
        if os.path.relpath(root, docs_dir).count(os.sep) > 0:
            continue  # docs/ and its direct subfolders only
        found += [os.path.join(root, f) for f in files if f.endswith(".md")]
    return [os.path.join(REPO, "README.md")] + sorted(found)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", nargs="+", help="Markdown files")
    parser.add_argument("--out", help="directory for the generated sources")
    parser.add_argument("--check-host", action="store_true", help="check the ```sh blocks and exit")
    args = parser.parse_args(argv)
    try:
        if args.check_host:
            sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            from host_checks import report
            return report("doc-host", check_host(args.docs))
        if not args.out:
            parser.error("--out or --check-host")
        generate(args.docs, args.out)
    except DocError as e:
        print(f"doctest: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
