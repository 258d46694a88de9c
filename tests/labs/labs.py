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
# The shmtests cases that use the original interface (lab shm): the six
# calls, the name rules, the data and process cases built on them, the
# lifetime rules, the region lock, the races, the regressions of the naive
# design, the shm tool, the limits, and the cases that mix the two
# interfaces. The other cases use the handle interface alone, which the
# starter has.
SHM_ORIGINAL_CASES = [
    "create_*", "destroy_*", "map_*", "unmap_*", "lock_*",
    "shm_open_excl", "shm_open_ceiling_rdonly", "fstat_type_and_size", "interfaces_interoperate",
    "shm_list_reports", "shm_maps_reports",
    "forget_to_destroy_leaks_nothing", "persistent_survives_creator", "unlinked_name_keeps_working",
    "pages_freed_at_last_close_after_destroy", "region_outlives_creator_while_viewed", "exit_releases_everything",
    "name_*", "badptr_names", "badptr_region_beg",
    "data_across_pages", "data_last_byte_and_past_end", "data_readonly_view_*", "data_two_processes_see_writes",
    "data_many_pages",
    "fork_inherits_views_same_address", "fork_no_*", "exec_drops_views*",
    "race_exclusive_create", "race_storm", "race_lock_counter", "race_destroy_vs_map",
    "regress_*", "tool_*", "exhaust_*",
]
# Cases of other suites that make their shared memory with the original
# interface, so the shm starter fails them: synctests makes every region
# it shares with createSharedRegion (user/tests/synctests/util.cc).
SHM_USERS_ELSEWHERE = [
    "usertests-*:pagetable_shared_views",
    "synctests-*:*",
    "mmaptests-*:region_file_create_and_map", "mmaptests-*:region_file_open_existing", "mmaptests-*:region_file_lock",
    "mmaptests-*:region_file_persists_after_destroy", "mmaptests-*:region_file_rights",
    "mmaptests-*:region_file_unlinked_file",
    "securitytests-*:kernel_addresses_refused_by_shm_calls", "securitytests-*:readonly_view_as_syscall_buffer",
    "securitytests-*:ceiling_cannot_be_exceeded", "securitytests-*:ceiling_applies_to_creators_children",
    "securitytests-*:untouched_requests_pin_no_kernel_memory",
]

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
    Lab("shm", 3, "Named shared memory",
        tests=[LabTest("shmtests original interface, 1 hart", 50, "shmtests-virt-1", SHM_ORIGINAL_CASES),
               LabTest("shmtests original interface, 4 harts", 50, "shmtests-virt-4", SHM_ORIGINAL_CASES)],
        lab_cases=[f"shmtests-*:{c}" for c in SHM_ORIGINAL_CASES] + SHM_USERS_ELSEWHERE,
        questions=[
            "Where is the kernel's lock order written down, and where do the locks you take (the table lock, a "
            "region's lock state, the address-space lock) sit in it? Why must destroySharedRegion drop every lock "
            "before it waits, and what does it do when it wakes?",
            "How does your kernel detect that a region lock is abandoned? List every path that abandons one, and "
            "say where in the code each is handled.",
            "Why does a view hold a reference to its region? Who frees the pages of a destroyed region, and when, "
            "if the destroyer is killed while it waits?",
            "What happens to a process that is waiting for a region lock when it is killed? What if it is killed "
            "at the moment the lock is handed to it?",
            "How can a region's name disappear while its memory lives on? What does a process that still maps "
            "the region see, and what does a new createSharedRegion of the same name get?",
        ]),
    Lab("sync", 4, "Futexes, mutexes and condition variables",
        tests=[LabTest("synctests, 1 hart (futexes, mutexes, condition variables)", 50, "synctests-virt-1"),
               LabTest("synctests, 4 harts", 50, "synctests-virt-4")],
        # Other suites' cases that call the futex: they fail with ERR_NOSYS in the starter.
        lab_cases=["synctests-*:*", "mmaptests-*:past_eof_kills_only_toucher",
                   "mmaptests-*:region_file_futex_meets_file_view",
                   "securitytests-*:kernel_addresses_refused_by_sync_calls",
                   "securitytests-*:readonly_private_view_syscall_writes_copy",
                   "securitytests-*:readonly_futex_handoff_refused"],
        questions=[
            "Why does the kernel read the futex word through the physical page, under the bucket lock, rather "
            "than through the user's address with a copy_from_user? What would go wrong each other way you can "
            "think of?",
            "A process finds the mutex taken, sets FUTEX_WAITERS, and calls futex_wait. The owner unlocks and calls "
            "futex_wake between the compare-and-swap and the moment the sleeper is queued. Why is that wake-up not "
            "lost? Name the lock and the order of the steps.",
            "Why are keys different for shared and private memory? What would break if both were keyed by "
            "(address space, address)? If both were keyed by physical page?",
            "What do the three states 0, pid and pid | FUTEX_WAITERS of the mutex word mean, and why does a locker "
            "that has slept take the mutex with FUTEX_WAITERS set even if it is the only one left?",
            "Why does cond_wait need the sequence number? Describe the lost wake-up that happens without it.",
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
    Lab("port", 6, "Porting to a board with the VisionFive 2's UART",
        tests=[LabTest("Icicle Kit boots to the shell", 30, "console-icicle-5"),
               LabTest("usertests on the Icicle Kit", 35, "usertests-icicle-5"),
               LabTest("usertests on the Icicle Kit, DesignWare console", 35, "usertests-icicle-5-dwuart")],
        lab_cases=["console-icicle-5:*", "usertests-icicle-5:*", "usertests-icicle-5-dwuart:*"],
        questions=[
            "Why do the reg-shift and reg-io-width properties exist? Why did chip designers put byte-sized "
            "registers 4 bytes apart?",
            "What can go wrong if a 32-bit device register is written with a byte store (sb) instead of a word "
            "store (sw)? Consider what the bus and the device see.",
            "Why is the console found through the device tree's stdout-path (and its alias) rather than by taking "
            "the first UART in the tree? What happens on the Icicle Kit if you take the first one?",
            "What can only the real VisionFive 2 show that QEMU cannot (docs/porting.md lists them)? Pick two and "
            "say how each could break a kernel that passes every test under QEMU.",
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
