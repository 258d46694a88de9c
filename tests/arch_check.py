#!/usr/bin/env python3
"""The architecture boundary, checked (the `arch-check` run of make test).

The rule (docs/kernel.md, "The architecture boundary"): kernel/ reaches
RISC-V only through riscv/arch.h. So, in every file under kernel/:
  - no #include of a riscv/ file other than riscv/arch.h;
  - no inline assembly, and no assembly files;
  - no RISC-V register, CSR, trap-cause, SBI or Sv39 page-table name in
    the code (comments and string literals may mention them).

  tests/arch_check.py               checks kernel/; lists each violation
  tests/arch_check.py --self-test   checks that each rule catches what it
                                    should (and passes clean code)
Exit status 0 when everything holds.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
ASM = re.compile(r"\b(asm|__asm__|__asm)\b")
# Register names reached as members (frame->a0, context.ra), the CSR
# helpers and constants of riscv/csr.h, SBI calls and the Sv39 format.
RISCV_NAMES = [
    (re.compile(r"(\.|->)\s*(a[0-7]|s[0-9]|s1[01]|t[0-6]|ra|sp|gp|tp|"
                r"sepc|sstatus|scause|stval|satp|sscratch|stvec|sie|sip|stimecmp)\b"), "a RISC-V register"),
    (re.compile(r"\bcsr_(read|write|set|clear|swap)\b"), "a CSR access"),
    (re.compile(r"\b(SSTATUS|SIE|SIP|SCAUSE|SATP|EXC|IRQ_S)_[A-Z0-9_]+\b"), "a RISC-V CSR or trap-cause constant"),
    (re.compile(r"\bsbi_\w+"), "an SBI call"),
    (re.compile(r"\bsv39\b|\bPte\b|\bPTE_[VRWXUGAD]\b"), "the Sv39 page-table format"),
]


def strip_comments_and_strings(text):
    """The code alone: comments become spaces, string and character
    literals empty quotes; line numbers are kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_file(path, text):
    """Violations in one kernel/ file: (path, line, what)."""
    problems = []
    here = os.path.dirname(path)
    if path.endswith((".S", ".s")):
        problems.append((path, 1, "an assembly file in kernel/ (assembly belongs in riscv/)"))
    for m in INCLUDE.finditer(text):
        target = os.path.normpath(os.path.join(here, m.group(1)))
        if target.startswith("riscv" + os.sep) or target == "riscv":
            if target != os.path.join("riscv", "arch.h"):
                line = text.count("\n", 0, m.start()) + 1
                problems.append((path, line, f'includes {target} (kernel/ may include only riscv/arch.h)'))
    code = strip_comments_and_strings(text)
    for lineno, line in enumerate(code.split("\n"), 1):
        if line.lstrip().startswith("#include"):
            continue
        if ASM.search(line):
            problems.append((path, lineno, "inline assembly (it belongs behind riscv/arch.h)"))
        for pattern, what in RISCV_NAMES:
            m = pattern.search(line)
            if m:
                problems.append((path, lineno, f"names {what}: {m.group(0).strip()}"))
    return problems


def kernel_files(root):
    """The kernel's sources: kernel/ but its scripts/ (build and debugger
    tools, and the empty symbol table the first link uses)."""
    for base, dirs, files in os.walk(os.path.join(root, "kernel")):
        dirs[:] = sorted(d for d in dirs if os.path.join(base, d) != os.path.join(root, "kernel", "scripts"))
        for name in sorted(files):
            if name.endswith((".cc", ".h", ".S", ".s", ".c")):
                yield os.path.relpath(os.path.join(base, name), root)


def check_tree(root=ROOT):
    problems = []
    for rel in kernel_files(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            problems += check_file(rel, f.read())
    return problems


# ---- self-test: every rule catches a violation, and clean code passes ----------

SELF_TEST = [
    ("kernel/mm/x.cc", '#include "../../riscv/sv39.h"\n', "includes riscv/sv39.h"),
    ("kernel/x.cc", '#include "../riscv/csr.h"\n', "includes riscv/csr.h"),
    ("kernel/proc/x.h", 'inline u64 f() { u64 v; asm volatile("mv %0, sp" : "=r"(v)); return v; }\n',
     "inline assembly"),
    ("kernel/proc/x.cc", "void f(TrapFrame* frame) { frame->sepc += 4; }\n", "register"),
    ("kernel/proc/x.cc", "void f(TrapFrame* frame) { frame->a1 = 0; }\n", "register"),
    ("kernel/proc/x.cc", "void f(Proc* p) { p->context.ra = 0; }\n", "register"),
    ("kernel/x.cc", "bool f() { return csr_read(sstatus) & SSTATUS_SIE; }\n", "CSR access"),
    ("kernel/x.cc", "constexpr u32 cause = IRQ_S_EXT;\n", "trap-cause constant"),
    ("kernel/x.cc", "void f(char c) { sbi_console_putchar(c); }\n", "SBI call"),
    ("kernel/mm/x.cc", "void f(sv39::Pte* slot) { *slot &= ~sv39::PTE_W; }\n", "Sv39"),
    ("kernel/mm/x.cc", "bool f(u64 pte) { return pte & PTE_V; }\n", "Sv39"),
    ("kernel/x.S", "nop\n", "assembly file"),
]

CLEAN = '''#include "../../riscv/arch.h"
#include "../lib/types.h"
// frame->sepc, csr_read(sstatus) and sv39::PTE_W may appear in comments,
/* and asm volatile in block comments, */
void f(TrapFrame* frame, Proc* p)
{
    kprintf("pid %d at pc %p (stval %p) sp asm\\n", p->pid, frame->pc(), frame->trap_value());
    u64 sp = arch::stack_pointer(); // a variable may be called sp
    frame->skip_syscall_instruction();
    char c = '"';
    (void)sp, (void)c;
}
'''


def self_test():
    """(case, ok, reason) tuples: each planted violation is found, clean code passes."""
    results = []
    for path, text, expect in SELF_TEST:
        found = check_file(path, text)
        ok = any(expect in what for _, _, what in found)
        results.append((f"arch-check catches {expect} ({path})", ok,
                        "" if ok else f"not reported; got {found}"))
    found = check_file("kernel/proc/clean.cc", CLEAN)
    results.append(("arch-check passes portable code", not found, "" if not found else f"false alarms: {found}"))
    return results


def run():
    """For run_all.py: the self-test, then one case per kernel/ violation (or one passing case)."""
    results = self_test()
    problems = check_tree()
    for path, line, what in problems:
        results.append((f"arch-check {path}:{line}", False, what))
    if not problems:
        results.append(("arch-check kernel/ uses only riscv/arch.h", True, ""))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--self-test", action="store_true", help="check that the checker catches each kind of violation")
    args = ap.parse_args()
    if args.self_test:
        failed = [(name, why) for name, ok, why in self_test() if not ok]
        for name, why in failed:
            print(f"FAIL {name}: {why}")
        print(f"arch-check self-test: {len(SELF_TEST) + 1 - len(failed)} passed, {len(failed)} failed")
        return 1 if failed else 0
    problems = check_tree()
    for path, line, what in problems:
        print(f"{path}:{line}: {what}")
    print(f"arch-check: {'no' if not problems else len(problems)} violation{'s' if len(problems) != 1 else ''} "
          "of the architecture boundary in kernel/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
