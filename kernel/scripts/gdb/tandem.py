# gdb helpers for looking at a stopped Tandem kernel, in the manner of
# Linux's lx- commands. .gdbinit loads this file; docs/debugging.md shows a
# session. Every command reads the kernel's own data structures through
# the debug information of build/kernel.elf, so it shows what the kernel
# believes, at the instant the machine stopped:
#
#   tandem-ps               processes: pid, parent, state, hart, name
#   tandem-vm [PID]         a process's regions (range, protection, kind,
#                           store, resident pages)
#   tandem-pt [PID] [VA]    its page table as coalesced ranges, or the Sv39
#                           walk of one address with every PTE decoded
#   tandem-shm              the shared-region table: name, size, references,
#                           views, handles, flags, lock owner and waiters
#   tandem-locks            spin locks held on each hart, sleep locks held by
#                           each process (and who waits for them)
#   tandem-log [BYTES]      the kernel's recent messages (its 4 KiB ring)
#   $tandem_view(NAME [, PID])  where a process maps a shared region
#
# PID defaults to the process running on the hart gdb has selected.
# Physical memory is read through the kernel's direct map, which every
# page table contains, so the commands work whichever process the hart
# was running. Before the kernel has turned paging on (at the first
# instruction, under `make qemu-gdb`) there is nothing to read yet.

import gdb

DIRECT_MAP_BASE = 0xFFFFFFC000000000
PTE_BITS = "VRWXUGAD"


# ---- reading the kernel's data -----------------------------------------------------

def symbol(name):
    """A global of the kernel, also one in an anonymous namespace."""
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is not None:
        return sym.value()
    return gdb.parse_and_eval("'(anonymous namespace)::%s'" % name)


def u64(value):
    return int(value) & 0xFFFFFFFFFFFFFFFF


def atomic(value):
    """The plain value inside an Atomic<T> (kernel/lib/atomic.h)."""
    t = value.type.strip_typedefs()
    names = [f.name for f in t.fields()]
    if "m_value" in names:
        return int(value["m_value"])
    if "m_word" in names:
        return atomic(value["m_word"])
    return int(value)


def c_string(value, limit=128):
    """A NUL-terminated string from a char array or a char pointer."""
    try:
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_ARRAY:
            address, limit = u64(value.address), min(limit, value.type.sizeof)
        else:
            address = u64(value)
        raw = b""
        while len(raw) < limit and b"\0" not in raw:
            raw += bytes(gdb.selected_inferior().read_memory(address + len(raw), 16))
        return raw.split(b"\0", 1)[0][:limit].decode("utf-8", errors="replace")
    except gdb.error:
        return "?"


def read_phys_u64s(pa, count):
    """count 64-bit words of physical memory at pa (through the direct map)."""
    data = gdb.selected_inferior().read_memory(DIRECT_MAP_BASE + pa, 8 * count)
    raw = bytes(data)
    return [int.from_bytes(raw[i * 8:i * 8 + 8], "little") for i in range(count)]


def field_offset(type_name, field):
    t = gdb.lookup_type(type_name)
    for f in t.fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError("%s has no field %s" % (type_name, field))


def list_nodes(head):
    """The ListNode addresses on the circular list whose head is `head` (a
    ListNode value), oldest first."""
    head_addr = u64(head.address)
    node = head["next"]
    seen = 0
    while u64(node) != head_addr and seen < 100000:
        yield node
        node = node["next"]
        seen += 1


def container(node, type_name, field):
    """The object of type type_name whose member `field` is the ListNode `node`."""
    addr = u64(node) - field_offset(type_name, field)
    return gdb.Value(addr).cast(gdb.lookup_type(type_name).pointer()).dereference()


def intrusive_list(lst, type_name, field):
    """The objects on an IntrusiveList<type_name, &type_name::field>."""
    for node in list_nodes(lst["m_head"]):
        yield container(node, type_name, field)


def enum_name(value):
    text = str(value)
    return text.split("::")[-1].lower()


# ---- processes and harts ---------------------------------------------------------------

def cpus():
    count = int(symbol("g_cpu_count"))
    table = symbol("g_cpus")
    return [table[i] for i in range(count)]


def live_procs():
    table = symbol("g_procs")
    n = table.type.range()[1] + 1
    for i in range(n):
        p = table[i]
        if enum_name(p["state"]) != "unused":
            yield p


def running_cpu(proc):
    """The Cpu running proc right now, or None."""
    addr = u64(proc.address)
    for cpu in cpus():
        if u64(cpu["current"]) == addr:
            return cpu
    return None


def current_cpu():
    """The Cpu of the hart gdb has selected: sscratch always holds it
    (riscv/trap.S), in user and kernel mode alike."""
    try:
        value = u64(gdb.parse_and_eval("$sscratch"))
    except gdb.error:
        value = 0
    for cpu in cpus():
        if u64(cpu.address) == value:
            return cpu
    return None


def proc_by_pid(pid):
    for p in live_procs():
        if int(p["pid"]) == pid:
            return p
    raise gdb.GdbError("no process with pid %d" % pid)


def selected_proc(arg):
    """The process named by a pid argument, or the one on the selected hart."""
    if arg:
        return proc_by_pid(int(arg, 0))
    cpu = current_cpu()
    if cpu is None or u64(cpu["current"]) == 0:
        raise gdb.GdbError("this hart runs no process (it is in its scheduler): give a pid")
    return cpu["current"].dereference()


def proc_label(proc):
    return "pid %d (%s)" % (int(proc["pid"]), c_string(proc["name"]))


def proc_at(address):
    if u64(address) == 0:
        return None
    return address.cast(gdb.lookup_type("Proc").pointer()).dereference()


def waiters(queue):
    """The processes asleep on a WaitQueue, oldest first."""
    return [container(node, "Proc", "wait_link") for node in list_nodes(queue["m_waiters"])]


def pids(procs):
    return ",".join(str(int(p["pid"])) for p in procs) or "-"


# ---- page tables ---------------------------------------------------------------------

def canonical(va):
    return va | ~((1 << 39) - 1) & 0xFFFFFFFFFFFFFFFF if va & (1 << 38) else va


def pte_flags(pte):
    return "".join(PTE_BITS[i] if pte & (1 << i) else "-" for i in range(8))


def pte_pa(pte):
    return ((pte >> 10) & ((1 << 44) - 1)) << 12


def is_leaf(pte):
    return (pte & 1) and (pte & 0xE)


def walk_entries(root, first=0, end=256):
    """(va, level, index, pte) of every valid entry under root slots
    [first, end), depth first, as PageTable::for_each_entry visits them."""
    def visit(table_pa, level, base, lo, hi):
        entries = read_phys_u64s(table_pa, 512)
        for i in range(lo, hi):
            pte = entries[i]
            if not pte & 1:
                continue
            va = canonical(base + (i << (12 + 9 * level)))
            yield va, level, i, pte
            if level > 0 and not is_leaf(pte):
                yield from visit(pte_pa(pte), level - 1, va, 0, 512)
    yield from visit(root, 2, 0, first, end)


def coalesced(root, first=0, end=256):
    """Ranges [va_start, va_end, pa, level, flags, pages, is_table]:
    neighbouring leaves mapping neighbouring pages with the same flags merge."""
    out = []
    for va, level, index, pte in walk_entries(root, first, end):
        size = 1 << (12 + 9 * level)
        flags = pte & 0xFF
        pa = pte_pa(pte)
        if is_leaf(pte) and out and not out[-1][6] and out[-1][3] == level and out[-1][1] == va \
                and out[-1][2] + (out[-1][1] - out[-1][0]) == pa and out[-1][4] == flags:
            out[-1][1] += size
            out[-1][5] += 1
            continue
        out.append([va, va + size, pa, level, flags, 1, not is_leaf(pte), index])
    return out


def address_space(proc):
    space = proc["address_space"]
    if u64(space) == 0:
        raise gdb.GdbError("%s has no address space (a zombie?)" % proc_label(proc))
    return space.dereference()


def page_table_root(space):
    return u64(space["m_table"]["m_root"])


def resident_pages(root, start, end):
    """Valid 4 KiB leaves in [start, end)."""
    count = 0
    for va, level, index, pte in walk_entries(root):
        if level == 0 and is_leaf(pte) and start <= va < end:
            count += 1
    return count


# ---- the commands ----------------------------------------------------------------

class TandemCommand(gdb.Command):
    """Base: turns Python errors while reading memory into one clear line."""

    def invoke(self, arg, from_tty):
        try:
            self.run(arg.split())
        except gdb.MemoryError as e:
            raise gdb.GdbError("%s: cannot read kernel memory (%s); has the kernel turned paging on yet? "
                               "Try: break boot_main, continue" % (self.name, e))

    def run(self, args):
        raise NotImplementedError


class TandemPs(TandemCommand):
    """tandem-ps: every process: pid, parent, state, the hart running it, name."""
    name = "tandem-ps"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        print("%5s %5s %-9s %4s  %s" % ("PID", "PPID", "STATE", "HART", "NAME"))
        for p in live_procs():
            parent = proc_at(p["parent"])
            cpu = running_cpu(p)
            hart = "%d" % int(cpu["hart_id"]) if cpu is not None else "-"
            state = enum_name(p["state"]) + ("*" if bool(p["killed"]) else "")
            print("%5d %5d %-9s %4s  %s" % (int(p["pid"]), int(parent["pid"]) if parent else 0, state, hart,
                                            c_string(p["name"])))
        print("(* killed; HART is the firmware's hart id of the hart running it now)")


KIND_NAMES = {"program": "program", "heap": "heap", "stack": "stack", "anonymous": "anonymous",
              "sharedview": "shared-view", "fileview": "file"}


def prot_string(prot):
    return "".join(c if prot & bit else "-" for c, bit in (("r", 1), ("w", 2), ("x", 4)))


def region_resident_pages(region):
    """Resident pages of a shared region (kernel/shm/region_store.h): its own
    page cache's, or for a region over a file, the file's store's."""
    if u64(region["store"]) == 0:
        return 0
    if u64(region["file"]):
        store = region["store"].cast(gdb.lookup_type("FileRegionStore").pointer()).dereference()
        pages = store["m_file"].cast(gdb.lookup_type("FileStore").pointer()).dereference()
    else:
        pages = region["store"].dereference()
    return atomic(pages["m_resident"])


def region_store(r):
    kind = enum_name(r["kind"])
    if kind == "sharedview" and u64(r["store"]):
        store = r["store"].cast(gdb.lookup_type("RegionStore").pointer()).dereference()
        region = store["region"]
        if u64(region):
            region = region.dereference()
            return 'region "%s" (%d bytes)' % (c_string(region["entry"]["name"]), int(region["size"]))
        return "region (gone)"
    if u64(r["store"]):
        return "store 0x%x +0x%x" % (u64(r["store"]), int(r["store_offset"]))
    if u64(r["file"]):
        return "file inode %d +0x%x" % (int(r["file"]["inum"]), int(r["file_offset"]))
    return "zero-fill"


class TandemVm(TandemCommand):
    """tandem-vm [PID]: a process's regions: range, protection, kind,
    private or shared, where the pages come from, resident pages."""
    name = "tandem-vm"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        proc = selected_proc(args[0] if args else None)
        space = address_space(proc)
        root = page_table_root(space)
        regions = list(intrusive_list(space["m_regions"], "MemRegion", "link"))
        print("%s: %d regions, heap 0x%x-0x%x, page table at pa 0x%x" % (
            proc_label(proc), len(regions), int(space["heap_start"]), int(space["brk"]), root))
        print("  %-18s %-18s %-4s %-11s %-7s %8s  %s" % ("START", "END", "PROT", "KIND", "SHARING", "RESIDENT",
                                                      "STORE"))
        for r in regions:
            start, end = int(r["start"]), int(r["end"])
            print("  0x%-16x 0x%-16x %-4s %-11s %-7s %8d  %s" % (
                start, end, prot_string(int(r["prot"])), KIND_NAMES.get(enum_name(r["kind"]), "?"),
                "shared" if bool(r["shared"]) else "private", resident_pages(root, start, end), region_store(r)))


class TandemPt(TandemCommand):
    """tandem-pt [PID] [VA]: the page table of a process (user half) as
    coalesced ranges with their PTE flags, or, given VA, the Sv39 walk of
    that address level by level with each PTE decoded. A single number
    below 0x10000 is taken as a PID, anything else as an address."""
    name = "tandem-pt"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        # VA may be any gdb expression, such as $tandem_view("name")+4096.
        pid_arg, va = None, None
        if len(args) >= 2:
            pid_arg, va = args[0], u64(gdb.parse_and_eval(" ".join(args[1:])))
        elif len(args) == 1:
            n = u64(gdb.parse_and_eval(args[0]))
            if n < 0x10000:
                pid_arg = str(n)
            else:
                va = n
        proc = selected_proc(pid_arg)
        root = page_table_root(address_space(proc))
        if va is None:
            self.ranges(proc, root)
        else:
            self.walk(proc, root, va & 0xFFFFFFFFFFFFFFFF)

    def ranges(self, proc, root):
        print("%s: page table at pa 0x%x (user half)" % (proc_label(proc), root))
        for start, end, pa, level, flags, pages, table, index in coalesced(root):
            indent = "  " * (3 - level)
            if table:
                print("%s[%d] table at pa 0x%x for va 0x%x-0x%x" % (indent, index, pa, start, end - 1))
            else:
                print("%s[%d%s] va 0x%x-0x%x -> pa 0x%x  %s  %d page%s" % (
                    indent, index, "-%d" % (index + pages - 1) if pages > 1 else "", start, end - 1, pa,
                    pte_flags(flags), pages, "s" if pages > 1 else ""))

    def walk(self, proc, root, va):
        print("%s: walk of va 0x%x: vpn[2]=%d vpn[1]=%d vpn[0]=%d offset 0x%x" % (
            proc_label(proc), va, (va >> 30) & 511, (va >> 21) & 511, (va >> 12) & 511, va & 0xFFF))
        table = root
        for level in (2, 1, 0):
            index = (va >> (12 + 9 * level)) & 511
            pte = read_phys_u64s(table + 8 * index, 1)[0]
            where = "table 0x%x[%d]" % (table, index)
            if not pte & 1:
                print("  level %d: %s = 0x%016x  not valid: an access faults" % (level, where, pte))
                return
            print("  level %d: %s = 0x%016x  %s  ppn 0x%x" % (level, where, pte, pte_flags(pte), pte >> 10))
            if is_leaf(pte):
                offset = va & ((1 << (12 + 9 * level)) - 1)
                print("  -> physical address 0x%x (%s page)" % (pte_pa(pte) + offset,
                                                                ("4 KiB", "2 MiB", "1 GiB")[level]))
                return
            table = pte_pa(pte)


class TandemShm(TandemCommand):
    """tandem-shm: every live shared region: name, size, references,
    views, handles, flags, the region lock's owner and its waiters."""
    name = "tandem-shm"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        # The name table is kept in parts (shared_region.cc: g_parts), each
        # with its names and its list of live regions.
        parts = symbol("g_parts")
        count = parts.type.strip_typedefs().range()[1] + 1
        regions, names = [], 0
        for i in range(count):
            regions += list(intrusive_list(parts[i]["regions"], "SharedRegion", "all_link"))
            names += int(parts[i]["names"]["m_size"])
        print("%d live regions, %d names in the table; quota %d of %d bytes" % (
            len(regions), names, atomic(symbol("g_quota_used")), int(symbol("g_quota_total"))))
        print("  %-20s %10s %4s %5s %7s %8s  %-24s %s" % ("NAME", "SIZE", "REFS", "VIEWS", "HANDLES", "RESIDENT",
                                                         "FLAGS", "LOCK (owner depth; waiters)"))
        for r in regions:
            flags = [name for name, on in (("persist", r["persistent"]), ("creator-ref", r["creator_ref"]),
                                           ("name-ref", r["name_ref"]), ("ro-ceiling", r["readonly_ceiling"]),
                                           ("file", u64(r["file"]) != 0), ("unlinked", not bool(r["linked"])))
                     if bool(on)]
            resident = region_resident_pages(r)
            owner = int(r["lock_owner_pid"])
            lock = "free"
            if owner:
                lock = "pid %d x%d%s" % (owner, int(r["lock_depth"]), " abandoned" if bool(r["lock_abandoned"]) else "")
            lock += "; waiters %s" % pids(waiters(r["lock_waiters"]))
            print('  %-20s %10d %4d %5d %7d %8d  %-24s %s' % (
                '"%s"' % c_string(r["entry"]["name"]), int(r["size"]), atomic(r["refs"]), int(r["views"]),
                int(r["handles"]), resident, ",".join(flags) or "-", lock))
            print("  %20s creator pid %d" % ("", int(r["creator_pid"])))


class TandemLocks(TandemCommand):
    """tandem-locks: the spin locks each hart holds now (innermost last,
    with their lock-order rank) and the sleep locks each process holds,
    with the processes waiting for them."""
    name = "tandem-locks"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        for cpu in cpus():
            held = int(cpu["held_count"])
            cur = proc_at(cpu["current"])
            print("hart %d (cpu %d), running %s: %d spin lock%s held%s" % (
                int(cpu["hart_id"]), int(cpu["id"]), proc_label(cur) if cur else "its scheduler", held,
                "" if held == 1 else "s", ", interrupts off" if int(cpu["irq_off_depth"]) else ""))
            for i in range(min(held, int(cpu["held_locks"].type.range()[1]) + 1)):
                lock = cpu["held_locks"][i].dereference()
                print("    spin  %-16s rank %-10s at 0x%x" % (c_string(lock["m_name"]),
                                                               str(lock["m_rank"]).split("::")[-1],
                                                               u64(lock.address)))
        any_sleep = False
        for p in live_procs():
            count = int(p["held_sleep_count"])
            if not count:
                continue
            any_sleep = True
            print("%s holds %d sleep lock%s" % (proc_label(p), count, "" if count == 1 else "s"))
            for i in range(min(count, int(p["held_sleep_locks"].type.range()[1]) + 1)):
                lock = p["held_sleep_locks"][i].dereference()
                print("    sleep %-16s at 0x%x; waiters %s" % (c_string(lock["m_name"]), u64(lock.address),
                                                                pids(waiters(lock["m_queue"]))))
        if not any_sleep:
            print("no process holds a sleep lock")


class TandemLog(TandemCommand):
    """tandem-log [BYTES]: the kernel's recent messages, from its ring of
    the last 4 KiB of kprintf output (kernel/console/printk.h)."""
    name = "tandem-log"

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def run(self, args):
        ring = symbol("g_kernel_log")
        size = ring.type.range()[1] + 1
        written = int(symbol("g_kernel_log_bytes"))
        want = min(int(args[0], 0) if args else size, size, written)
        raw = bytes(gdb.selected_inferior().read_memory(u64(ring.address), size))
        start = written - want
        text = bytes(raw[(start + i) % size] for i in range(want)).decode("utf-8", errors="replace")
        print("(the last %d of %d bytes the kernel has printed)" % (want, written))
        print(text, end="" if text.endswith("\n") else "\n")


class TandemViewFunction(gdb.Function):
    """$tandem_view(NAME [, PID]): the address of PID's first view of the
    shared region NAME (PID defaults to the process on the selected hart),
    for instance to walk it: tandem-pt $tandem_view("board")+4096."""

    def __init__(self):
        super().__init__("tandem_view")

    def invoke(self, name, pid=None):
        wanted = name.string()
        proc = selected_proc(str(int(pid)) if pid is not None else None)
        for r in intrusive_list(address_space(proc)["m_regions"], "MemRegion", "link"):
            if region_store(r).startswith('region "%s"' % wanted):
                return gdb.Value(int(r["start"])).cast(gdb.lookup_type("unsigned long"))
        raise gdb.GdbError("%s has no view of a region named %s" % (proc_label(proc), wanted))


TandemViewFunction()
for command in (TandemPs, TandemVm, TandemPt, TandemShm, TandemLocks, TandemLog):
    command()
print("Tandem helpers loaded: tandem-ps, tandem-vm, tandem-pt, tandem-shm, tandem-locks, tandem-log "
      "(help <command>)")
