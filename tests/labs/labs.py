#!/usr/bin/env python3
"""The labs of the Tandem course: one table, read by the starter generator
(make_starter.py), the grader (tests/grade.py --lab), the hand-in packer
(handin.py), the batch grader (grade_class.py) and the checks `make test`
runs on every starter (check_starters.py). docs/labs/README.md explains
them for instructors; docs/labs/<lab>.md is each lab's handout.

A lab's graded tests are runs of tests/run_all.py's table (RUNS), each
scored as a whole or per case; `cases` narrows a run to some of its cases
(globs), which is how a lab grades the cases of a big suite that concern
it. `lab_cases` lists every case the lab's starter may fail (globs over
"<run>:<case>"): the starter must pass everything else.
"""

import os
from dataclasses import dataclass, field
from typing import List, Optional

# At the top of a starter: which lab it is (make grade, make handin).
CURRENT_LAB_FILE = ".lab"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class LabTest:
    title: str
    points: float
    run: str                                         # a run of run_all.RUNS
    cases: List[str] = field(default_factory=list)   # globs over its case names; empty: all
    per_case: bool = True


@dataclass
class Lab:
    name: str
    order: int
    title: str
    tests: List[LabTest]
    # Cases (globs over "<run>:<case>") the starter may fail; every other
    # case of the starter's checked runs must pass.
    lab_cases: List[str]
    # Runs of RUNS the starter check boots besides the graded ones: they
    # show that everything outside the lab still works.
    other_runs: List[str] = field(default_factory=lambda: list(OTHER_RUNS))
    questions: List[str] = field(default_factory=list)  # the write-up's questions

    @property
    def handout(self) -> str:
        return f"docs/labs/{self.name}.md"

    @property
    def answers_file(self) -> str:
        return f"answers-{self.name}.md"

    def total_points(self) -> float:
        return sum(t.points for t in self.tests)

    def answers_template(self) -> str:
        lines = [f"# Lab {self.order}: {self.title} - write-up", "",
                 "Name:", "", "Answer each question in a few sentences; `make handin` packs this file "
                 "with your changes.", ""]
        for i, q in enumerate(self.questions, 1):
            lines += [f"## {i}. {q}", "", "", ""]
        return "\n".join(lines)


# Suites outside every lab, booted in each starter (4 harts, the quick ones).
OTHER_RUNS = ["usertests-virt-4", "shmtests-virt-4", "synctests-virt-4", "mmaptests-virt-4",
              "securitytests-virt-4"]

# Lab 2's cases in usertests.
COW_CASES = ["cow_fork", "cow_fork_is_lazy", "pagetable_cow_after_fork"]

LABS: List[Lab] = [
    Lab("syscall", 1, "System calls end to end",
        tests=[LabTest("tracetests, 1 hart (calls, fork, exec, strace, the console line)", 50, "tracetests-virt-1"),
               LabTest("tracetests, 4 harts", 50, "tracetests-virt-4")],
        lab_cases=["tracetests-*:*"],
        questions=[
            "Tandem keeps one table of system calls, and it generates the kernel's dispatch switch, the "
            "handlers' declarations and the user stubs. What goes wrong, and when would you notice, if the "
            "user stubs and the kernel were written by hand from two lists?",
            "Your trace flag is read on every system call without a lock. Why is that safe here? What would "
            "have to change if another process could turn tracing on for it?",
            "The trace line is printed after the handler returns. What would a line printed before the handler "
            "miss, and which two calls show the difference?",
            "How much does tracing cost a process that is not traced? Point at the instructions.",
            "What does the trace of a successful exec show, and why is the name in that line not the name of "
            "the program that made the call?",
        ]),
    Lab("cow", 2, "Copy-on-write fork",
        tests=[LabTest("usertests cow cases, 1 hart", 30, "usertests-virt-1", cases=COW_CASES),
               LabTest("usertests cow cases, 4 harts", 30, "usertests-virt-4", cases=COW_CASES),
               LabTest("exhausttests exhaust_memory_cow_fork, 4 harts", 40, "exhausttests-virt-4",
                       cases=["exhaust_memory_cow_fork"])],
        # vm_tool_shows_sharing: the vm tool must show a page shared after fork.
        lab_cases=[f"usertests-*:{c}" for c in COW_CASES + ["vm_tool_shows_sharing"]] +
                  ["exhausttests-*:exhaust_memory_cow_fork"],
        questions=[
            "Why must the parent's entries also become read-only at fork, not only the child's? Which TLB flush "
            "does that need, on which harts, and why is that enough in Tandem?",
            "Two processes share a COW page and write it at the same moment on two harts. Walk through what each "
            "fault does. Can both copy? Can both skip the copy? Can the page be freed while one of them still "
            "maps it?",
            "Why must shared views (named regions, MAP_SHARED) never be copy-on-write? Give a program whose "
            "behaviour would change if they were.",
            "How does a page's reference count decide between copying and just making the page writable? Why is "
            "a page that is also in a store's cache (a private view of a named region) never made writable in "
            "place?",
            "What does fork cost now for a process with 100 MiB resident, and what did it cost before? Count "
            "pages allocated and bytes copied.",
        ]),
    Lab("mmap", 5, "Memory-mapped files",
        tests=[LabTest("mmaptests, 1 hart", 40, "mmaptests-virt-1"),
               LabTest("mmaptests, 4 harts", 40, "mmaptests-virt-4"),
               LabTest("mmapreboot, 1 hart: data written through a mapping survives a power-off", 20,
                       "mmapreboot-virt-1")],
        # Outside mmaptests, cases that map a file, or check msync's errors.
        lab_cases=["mmaptests-*:*", "mmapreboot-*:*",
                   "usertests-*:text_busy_while_running", "usertests-*:text_busy_while_open_for_writing",
                   "securitytests-*:kernel_ranges_refused_by_memory_calls",
                   "securitytests-*:sbrk_leaves_readonly_file_view_alone"],
        questions=[
            "Why must the first write to a page of a shared file view fault, even though the view is writable? "
            "What would the kernel not know otherwise, and what would be lost?",
            "Write-back of a page runs on one hart while a process on another hart stores into the same page "
            "through its view. How does your code make sure the store is neither lost nor written half? Name the "
            "lock, the order of the steps, and the TLB flush.",
            "Why is shrinking a file refused while a view covers the part that would be cut? What would a process "
            "see otherwise, and what could happen to the freed disk blocks?",
            "A process is killed while its shared view has dirty pages. What happens to them, and where in the "
            "code?",
        ]),
]


def find(name: str) -> Optional[Lab]:
    return next((l for l in LABS if l.name == name), None)


def current_lab(repo: str = REPO) -> Optional[Lab]:
    """The lab a starter belongs to, or None in the main tree."""
    path = os.path.join(repo, CURRENT_LAB_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return find(f.read().strip())
