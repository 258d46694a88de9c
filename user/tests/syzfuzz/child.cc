/*
 * syzfuzz: a fuzzing child. It sets up a few memory arenas at fixed
 * addresses with unmapped gaps between them (so an oversized buffer runs
 * into a hole, not into the ring or another arena), then makes random
 * system calls from the whole table with arguments drawn from pools of
 * good and hostile values: NULL, unmapped, kernel, non-canonical,
 * misaligned, read-only, PROT_NONE and page-crossing pointers; zero, huge
 * and negative sizes; random and closed descriptors; names of every length
 * up to 200 bytes with odd bytes in them; wild flags. Every call is
 * recorded in the slot's ring before it is made.
 *
 * What it leaves alone, because it would legitimately end the run or
 * damage the system the run depends on: poweroff; killing pid 1, the
 * supervisor or a nanny; writing, truncating, linking or unlinking real
 * files (destructive calls only get scratch names, which a child's cwd,
 * /tmp/fz<slot>, keeps apart); exec of anything but /bin/echoargs (whole or cut
 * short), data files, directories and garbage; writing to
 * the console (the child's fds 0-2 are /dev/null, and mknod never makes a
 * console node).
 *
 * The oracle: a call that succeeds although it had to read or write a
 * buffer that lies in the kernel's half (or runs past the end of user
 * space) is a violation, recorded in the ring. Everything else a call may
 * return is fine; the supervisor checks that the kernel stays up, that
 * every child can be killed, and that nothing leaks.
 */
#include "child.h"

#include "../../../kernel/uapi/syscalls.h"

namespace syzfuzz {
namespace {

// ---- the raw system call ------------------------------------------------------

long raw_syscall(uint64_t nr, const uint64_t* a)
{
    register uint64_t a0 asm("a0") = a[0];
    register uint64_t a1 asm("a1") = a[1];
    register uint64_t a2 asm("a2") = a[2];
    register uint64_t a3 asm("a3") = a[3];
    register uint64_t a4 asm("a4") = a[4];
    register uint64_t a5 asm("a5") = a[5];
    register uint64_t a7 asm("a7") = nr;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return long(a0);
}

#define SYSCALL_ENUM(number, name) NR_##name = number,
enum : uint64_t { SYSCALL_LIST(SYSCALL_ENUM) };
#undef SYSCALL_ENUM

// ---- the call table --------------------------------------------------------------------

enum ArgKind : uint8_t {
    A_ZERO,
    A_FD,
    A_IN,     // a buffer the call reads
    A_OUT,    // a buffer the call writes
    A_LEN,
    A_PATH,
    A_WPATH,  // a path a destructive call may change
    A_EPATH,  // exec's path
    A_SHM,
    A_OFLAGS,
    A_MFLAGS,
    A_PROT,
    A_PID,
    A_KILLPID,
    A_INT,
    A_ADDR,
    A_SHMSIZE,
    A_MS,
    A_FUTEX,
    A_FVAL,
    A_DEADLINE,
    A_ARGV,
    A_ROBUST,
    A_SHMFLAGS,
    A_CEIL,
    A_MAJOR,
    A_WHENCE,
    A_COUNT,
    A_BRK,
    A_RFLAGS,
    A_WAKE,
    A_OFFSET,
    A_CREATED, // shm_open's created pointer: NULL or a buffer
};

struct CallDesc {
    uint64_t nr;
    const char* name;
    unsigned weight;
    ArgKind args[6];
};

constexpr CallDesc k_calls[] = {
    {NR_fork, "fork", 3, {}},
    {NR_exit, "exit", 1, {A_INT}},
    {NR_wait, "wait", 6, {A_OUT}},
    {NR_kill, "kill", 6, {A_KILLPID}},
    {NR_exec, "exec", 3, {A_EPATH, A_ARGV}},
    {NR_getpid, "getpid", 2, {}},
    {NR_getppid, "getppid", 2, {}},
    {NR_sbrk, "sbrk", 8, {A_BRK}},
    {NR_sleep, "sleep", 4, {A_MS}},
    {NR_uptime, "uptime", 2, {}},
    {NR_trap_floor, "trap_floor", 1, {}},
    {NR_yield, "yield", 3, {}},
    {NR_procinfo, "procinfo", 8, {A_OUT, A_COUNT}},
    {NR_proc_stats, "proc_stats", 8, {A_PID, A_OUT}},
    {NR_clock_ns, "clock_ns", 2, {}},
    {NR_meminfo, "meminfo", 8, {A_OUT}},
    {NR_waitpid, "waitpid", 6, {A_PID, A_OUT}},
    {NR_setpgid, "setpgid", 4, {A_PID, A_PID}},
    // LAB(syscall) begin
    {NR_trace, "trace", 2, {A_ZERO}}, // never on: every traced call would print a console line
    // LAB(syscall) end
    {NR_open, "open", 30, {A_PATH, A_OFLAGS}},
    {NR_read, "read", 30, {A_FD, A_OUT, A_LEN}},
    {NR_write, "write", 30, {A_FD, A_IN, A_LEN}},
    {NR_close, "close", 15, {A_FD}},
    {NR_dup, "dup", 10, {A_FD}},
    {NR_pipe, "pipe", 5, {A_OUT}},
    {NR_fstat, "fstat", 12, {A_FD, A_OUT}},
    {NR_link, "link", 10, {A_WPATH, A_WPATH}},
    {NR_unlink, "unlink", 12, {A_WPATH}},
    {NR_mkdir, "mkdir", 10, {A_WPATH}},
    {NR_chdir, "chdir", 8, {A_PATH}},
    {NR_mknod, "mknod", 8, {A_WPATH, A_MAJOR, A_INT}},
    {NR_lseek, "lseek", 10, {A_FD, A_INT, A_WHENCE}},
    {NR_getdents, "getdents", 10, {A_FD, A_OUT, A_COUNT}},
    {NR_mmap, "mmap", 30, {A_ADDR, A_LEN, A_PROT, A_MFLAGS, A_FD, A_OFFSET}},
    {NR_munmap, "munmap", 20, {A_ADDR, A_LEN}},
    {NR_mprotect, "mprotect", 20, {A_ADDR, A_LEN, A_PROT}},
    {NR_msync, "msync", 6, {A_ADDR, A_LEN, A_INT}},
    {NR_createSharedRegion, "createSharedRegion", 25, {A_SHM, A_SHMSIZE, A_RFLAGS}},
    {NR_destroySharedRegion, "destroySharedRegion", 3, {A_SHM}},
    {NR_createMapping, "createMapping", 25, {A_SHM, A_OUT}},
    {NR_destroyMapping, "destroyMapping", 15, {A_SHM, A_ADDR}},
    {NR_lockSharedRegion, "lockSharedRegion", 8, {A_SHM}},
    {NR_unlockSharedRegion, "unlockSharedRegion", 15, {A_SHM}},
    {NR_shm_open, "shm_open", 25, {A_SHM, A_SHMFLAGS, A_SHMSIZE, A_CEIL, A_CREATED}},
    {NR_shm_unlink, "shm_unlink", 12, {A_SHM}},
    {NR_ftruncate, "ftruncate", 15, {A_FD, A_SHMSIZE}},
    {NR_shm_list, "shm_list", 10, {A_OUT, A_COUNT, A_COUNT}},
    {NR_shm_maps, "shm_maps", 10, {A_PID, A_OUT, A_COUNT}},
    {NR_shm_open_file, "shm_open_file", 15, {A_SHM, A_FD, A_SHMFLAGS, A_SHMSIZE, A_CEIL, A_CREATED}},
    {NR_vm_pagetable, "vm_pagetable", 6, {A_PID, A_OUT, A_COUNT, A_COUNT, A_INT}},
    {NR_futex_wait, "futex_wait", 20, {A_FUTEX, A_FVAL, A_DEADLINE}},
    {NR_futex_wake, "futex_wake", 20, {A_FUTEX, A_WAKE}},
    {NR_set_robust_list, "set_robust_list", 10, {A_ROBUST}},
    {NR_poweroff, "poweroff", 0, {}}, // listed, never picked (forbidden below)
    {0, "unknown", 5, {A_INT, A_INT, A_INT, A_INT, A_INT, A_INT}},
};
constexpr int CALL_COUNT = sizeof k_calls / sizeof k_calls[0];

// Every system call of the kernel's table is in the fuzzer's: a new call
// that is not fails the build here.
constexpr bool in_call_table(uint64_t nr)
{
    for (const CallDesc& d : k_calls)
        if (d.nr == nr)
            return true;
    return false;
}
#define SYSCALL_COVERED(number, name) static_assert(in_call_table(number), "syzfuzz's k_calls lacks " #name);
SYSCALL_LIST(SYSCALL_COVERED)
#undef SYSCALL_COVERED

// System calls the fuzzer never makes: they end the run on purpose.
bool forbidden(uint64_t nr) { return nr == NR_poweroff; }

// True if the kernel's table (uapi/syscalls.h) has a call numbered nr.
bool is_system_call(uint64_t nr)
{
#define SYSCALL_MATCH(number, name) \
    if (nr == number)               \
        return true;
    SYSCALL_LIST(SYSCALL_MATCH)
#undef SYSCALL_MATCH
    return false;
}

// A number that names no system call. The real ones go through the table,
// whose argument pools keep the rules at the top (a real kill with a
// random pid could end a nanny, and did).
uint64_t unknown_number()
{
    switch (c.rng.below(5)) {
    case 0: {
        uint64_t nr = c.rng.below(128);
        return is_system_call(nr) ? SYSCALL_MAX + nr : nr;
    }
    case 1: return SYSCALL_MAX + c.rng.below(64);
    case 2: return (1ull << 32) + c.rng.below(128); // must not alias a real call
    case 3: return ~0ull - c.rng.below(4);
    default: return c.rng.next();
    }
}

const CallDesc& pick_call()
{
    static unsigned total = 0;
    if (!total)
        for (const CallDesc& d : k_calls)
            total += d.weight;
    for (;;) {
        unsigned k = unsigned(c.rng.below(total));
        int i = 0;
        while (k >= k_calls[i].weight)
            k -= k_calls[i++].weight;
        const CallDesc& d = k_calls[i];
        // A grandchild stays clear of calls that may block for good, so
        // that its parent's wait() comes back.
        if (c.grandchild && (d.nr == NR_fork || d.nr == NR_exec || d.nr == NR_sleep || d.nr == NR_futex_wait ||
                             d.nr == NR_wait || d.nr == NR_waitpid || d.nr == NR_read || d.nr == NR_write ||
                             d.nr == NR_lockSharedRegion || d.nr == NR_destroySharedRegion || d.nr == 0))
            continue;
        // Leaving early wastes a child: rarer than its weight.
        if (d.nr == NR_exit && !c.rng.chance(20))
            continue;
        return d;
    }
}

// ---- executables -------------------------------------------------------------------------------

// Writes /bin/echoargs, cut short at a random length, into the scratch
// file "m": exec must refuse it (segments past the end of the file) or,
// if only what follows the segments was cut, run echoargs. Mutated copies
// are not made: exec accepts many of them, and they then run random code,
// which may call anything (poweroff included) and end the run. The host
// fuzz target for parse_elf covers hostile headers instead.
void make_truncated()
{
    int in = open("/bin/echoargs", O_RDONLY);
    if (in < 0)
        return;
    auto* b = reinterpret_cast<uint8_t*>(BUF);
    long n = read(in, b, BUF_SIZE);
    close(in);
    if (n < 64)
        return;
    int out = open("m", O_WRONLY | O_CREAT | O_TRUNC);
    if (out < 0)
        return;
    write(out, b, size_t(c.rng.below(uint64_t(n))));
    close(out);
}

uint64_t exec_path()
{
    switch (c.rng.below(10)) {
    case 0:
    case 1:
    case 2: return copy_string("/bin/echoargs");
    case 3:
        make_truncated();
        return copy_string("m");
    case 4: return copy_string(c.rng.pick(k_dictionary));
    default: return path_value(PathUse::Destructive);
    }
}

// ---- building a call ---------------------------------------------------------------------------

uint64_t arg_value(const CallDesc& d, int i, uint64_t* args)
{
    bool bad = false;
    uint64_t v = 0;
    switch (d.args[i]) {
    case A_ZERO: v = 0; break;
    case A_FD: v = fd_value(); break;
    case A_IN:
    case A_OUT:
        v = pointer(&bad);
        break;
    case A_CREATED:
        v = c.rng.chance(30) ? 0 : pointer(&bad);
        break;
    case A_LEN: v = length(); break;
    case A_PATH: {
        // open: real files only for plain reading.
        bool read_only = d.nr != NR_open || args[1] == O_RDONLY;
        v = path_value(read_only ? PathUse::ReadOnly : PathUse::Destructive);
        break;
    }
    case A_WPATH: v = path_value(PathUse::Destructive); break;
    case A_EPATH: v = exec_path(); break;
    case A_SHM: v = shm_name(); break;
    case A_OFLAGS: v = open_flags(); break;
    case A_MFLAGS: v = mmap_flags(); break;
    case A_PROT: v = prot_value(); break;
    case A_PID: v = pid_value(); break;
    case A_KILLPID: v = kill_pid(); break;
    case A_INT: v = c.rng.chance(50) ? c.rng.below(16) : c.rng.next(); break;
    case A_ADDR: v = address_value(); break;
    case A_SHMSIZE: v = shm_size(); break;
    case A_MS: v = sleep_ms(); break;
    case A_FUTEX: {
        bool readable = false;
        v = futex_address(&readable);
        // The value to expect: usually the word's own (so the call
        // sleeps), read here where it is safe to read.
        if (readable && c.rng.chance(70))
            args[1] = *reinterpret_cast<volatile uint32_t*>(v);
        else
            args[1] = c.rng.next() & 0xffffffff;
        if (readable && v >= SHARED && v < SHARED + PAGE && c.rng.chance(20))
            *reinterpret_cast<volatile uint32_t*>(v) = uint32_t(c.pid); // a mutex word we "own"
        break;
    }
    case A_FVAL: v = args[1]; break; // chosen with the address
    case A_DEADLINE: v = deadline_value(); break;
    case A_ARGV: v = argv_value(); break;
    case A_ROBUST: v = robust_value(); break;
    case A_SHMFLAGS: v = shm_open_flags(); break;
    case A_CEIL: v = c.rng.chance(90) ? c.rng.below(2) : c.rng.next(); break;
    case A_MAJOR: {
        static const uint64_t majors[] = {0, DEV_NULL, 3, 15, 16, 17, uint64_t(-1), 0x7fff};
        v = c.rng.pick(majors);
        break;
    }
    case A_WHENCE: v = c.rng.chance(80) ? c.rng.below(3) : c.rng.next(); break;
    case A_COUNT: v = count_value(); break;
    case A_BRK: {
        static const int64_t deltas[] = {0, 1, 4096, -4096, 1 << 20, -(1 << 20), 1ll << 30, -(1ll << 30),
                                         1ll << 40, INT64_MIN, INT64_MAX, -1};
        // Mostly a few pages either way, so the break walks across heap
        // pieces that munmap, mprotect and MAP_FIXED have made.
        if (c.rng.chance(50))
            v = uint64_t(int64_t(c.rng.range(1, 8) * PAGE) * (c.rng.chance(50) ? 1 : -1));
        else
            v = uint64_t(c.rng.chance(20) ? int64_t(c.rng.next()) : c.rng.pick(deltas));
        break;
    }
    case A_RFLAGS: v = c.rng.chance(85) ? c.rng.below(2) : c.rng.next(); break;
    case A_WAKE: v = wake_count(); break;
    case A_OFFSET: v = offset_value(); break;
    }
    c.arg_kind[i] = bad ? BAD_KERNEL : GOOD;
    return v;
}

// ---- results -----------------------------------------------------------------------------------

void remember_fd(long fd)
{
    if (fd < 0 || fd >= 64)
        return;
    c.fds[c.rng.below(MAX_FDS)] = int(fd);
}

void remember_map(uint64_t addr, uint64_t len)
{
    int i = int(c.rng.below(MAX_MAPS));
    c.maps[i] = addr;
    c.map_len[i] = len ? size_t(len) : PAGE;
}

void forget_range(uint64_t addr, uint64_t len)
{
    for (int i = 0; i < MAX_MAPS; i++)
        if (c.maps[i] && c.maps[i] >= addr && c.maps[i] < addr + len)
            c.maps[i] = 0;
}

bool buffer_in_user(uint64_t p, uint64_t n) { return p < stress::USER_END && n <= stress::USER_END - p; }

// The oracle: did a call succeed with a buffer it must have used lying
// outside user space?
bool violates(uint64_t nr, const uint64_t* a, long r)
{
    auto bad = [&](int i, uint64_t n) { return a[i] != 0 && !buffer_in_user(a[i], n); };
    switch (nr) {
    case NR_read: return r > 0 && bad(1, uint64_t(r));
    case NR_fstat: return r == 0 && bad(1, sizeof(struct stat));
    case NR_pipe: return r == 0 && bad(0, 8);
    case NR_meminfo: return r == 0 && bad(0, sizeof(struct meminfo));
    case NR_procinfo: return r > 0 && bad(0, uint64_t(r) * sizeof(struct procinfo));
    case NR_proc_stats: return r == 0 && bad(1, sizeof(struct proc_stats));
    case NR_wait: return r > 0 && bad(0, 4);
    case NR_waitpid: return r > 0 && bad(1, 4);
    case NR_getdents: return r > 0 && bad(1, uint64_t(r) * sizeof(struct dirent));
    case NR_createMapping: return r == 0 && bad(1, 8);
    case NR_shm_open: return r >= 0 && bad(4, 4);
    case NR_shm_open_file: return r >= 0 && bad(5, 4);
    case NR_shm_list: return r > 0 && bad(0, uint64_t(r) * sizeof(struct shm_info));
    case NR_shm_maps: return r > 0 && bad(1, uint64_t(r) * sizeof(struct map_info));
    case NR_futex_wait: return (r == ERR_OK || r == ERR_AGAIN || r == ERR_TIMEDOUT) && bad(0, 4);
    case NR_open:
    case NR_mkdir:
    case NR_unlink:
    case NR_chdir:
    case NR_createSharedRegion:
    case NR_shm_unlink:
        return r >= 0 && bad(0, 1);
    case NR_exec: return false; // a successful exec does not come back
    default: return false;
    }
}

void note_result(uint64_t nr, const uint64_t* a, long r)
{
    switch (nr) {
    case NR_open:
    case NR_dup:
    case NR_shm_open:
    case NR_shm_open_file:
        remember_fd(r);
        break;
    case NR_pipe:
        // Remembered now and then only: reading a pipe of our own that
        // nobody writes blocks until the watchdog ends the child.
        if (r == 0 && a[0] >= BUF && a[0] + 8 <= BUF + BUF_SIZE && c.rng.chance(30)) {
            const int* fds = reinterpret_cast<const int*>(a[0]);
            remember_fd(fds[0]);
            remember_fd(fds[1]);
            // Something to read, so the first reads do not block.
            write(fds[1], reinterpret_cast<const void*>(BUF), c.rng.range(1, 512));
        }
        break;
    case NR_mmap:
        if (!mmap_failed(reinterpret_cast<void*>(r)) && r > 0)
            remember_map(uint64_t(r), a[1]);
        break;
    case NR_createMapping:
        if (r == 0 && a[1] >= BUF && a[1] + 8 <= BUF + BUF_SIZE)
            remember_map(*reinterpret_cast<const uint64_t*>(a[1]), PAGE);
        break;
    case NR_munmap:
        if (r == 0)
            forget_range(a[0], a[1]);
        break;
    case NR_fork:
        if (r > 0 && c.ring) {
            c.ring->forks++;
            c.ring->grandchildren[c.rng.below(MAX_GRANDCHILDREN)] = int32_t(r);
        }
        break;
    default:
        break;
    }
}

// ---- tracing ---------------------------------------------------------------------------------

void trace_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void trace_line(const char* fmt, ...)
{
    char line[256];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    if (write(c.trace_fd, line, size_t(n < 255 ? n : 255)) < 0) {
        // The fuzzing closed our console descriptor: get another.
        c.trace_fd = open("/dev/console", O_WRONLY);
        if (c.trace_fd >= 0)
            write(c.trace_fd, line, size_t(n < 255 ? n : 255));
    }
}

// ---- the child ---------------------------------------------------------------------------------

// Makes fds 0-2 /dev/null (the fuzzing must not read or scribble on the
// console); a tracing child keeps a console descriptor of its own.
void redirect_stdio()
{
    c.trace_fd = c.trace ? open("/dev/console", O_WRONLY) : -1;
    for (int fd = 0; fd < 3; fd++) {
        close(fd);
        open("/dev/null", O_RDWR); // the lowest free descriptor: fd
    }
}

// The arguments of one call. open's path depends on its flags, so those
// come first.
void build_args(const CallDesc& d, uint64_t* a)
{
    for (int i = 0; i < 6; i++)
        a[i] = 0;
    if (d.nr == NR_open) {
        a[1] = open_flags();
        c.arg_kind[1] = GOOD;
        a[0] = arg_value(d, 0, a);
        return;
    }
    for (int i = 0; i < 6; i++)
        a[i] = arg_value(d, i, a);
    if (d.nr == NR_munmap || d.nr == NR_mprotect || d.nr == NR_msync)
        spare_vital(&a[0], a[1]);
}

void run_grandchild(uint64_t call_index)
{
    // A grandchild makes a few calls of its own and exits; it never
    // touches the ring (its parent's heartbeat).
    c.grandchild = true;
    c.ring = nullptr;
    c.parent = c.pid;
    c.pid = getpid();
    c.rng = Rng::stream(c.rng.next(), call_index);
    int calls = int(c.rng.range(1, 20));
    for (int k = 0; k < calls; k++) {
        const CallDesc& d = pick_call();
        uint64_t a[6];
        uint64_t nr = d.nr ? d.nr : unknown_number();
        if (forbidden(nr))
            continue;
        build_args(d, a);
        long r = raw_syscall(nr, a);
        note_result(nr, a, r);
    }
    exit(0);
}

} // namespace

const char* call_name(uint64_t nr)
{
    for (const CallDesc& d : k_calls)
        if (d.nr == nr && d.nr != 0)
            return d.name;
    return "?";
}

void child_main(int slot, uint64_t child_seed, uint32_t calls)
{
    memset(&c, 0, sizeof c);
    c.slot = slot;
    c.pid = getpid();
    c.parent = getppid();
    c.rng = Rng(child_seed);
    c.ring = slot >= 0 ? &g_ctl->rings[slot] : nullptr;
    if (g_ctl) {
        c.supervisor = g_ctl->supervisor;
        memcpy(c.nannies, g_ctl->nannies, sizeof c.nannies);
    }
    c.trace = slot < 0 || (g_ctl && g_ctl->trace);
    for (int& fd : c.fds)
        fd = -1;
    redirect_stdio();
    char dir[32];
    snprintf(dir, sizeof dir, "/tmp/fz%d", slot < 0 ? 99 : slot);
    mkdir(dir);
    chdir(dir);
    setup_arenas();
    if (c.trace)
        trace_line("syzfuzz: child %d (slot %d) seed %#lx\n", c.pid, slot, (unsigned long)child_seed);

    for (uint64_t k = 0; k < calls; k++) {
        if (g_ctl && slot >= 0 && stress::atomic_load(&g_ctl->stop))
            break;
        c.hostile = false;
        const CallDesc& d = pick_call();
        uint64_t nr = d.nr ? d.nr : unknown_number();
        if (forbidden(nr))
            continue;
        uint64_t a[6];
        build_args(d, a);
        CallRecord* rec = nullptr;
        if (c.ring) {
            rec = &c.ring->rec[c.ring->calls % RING_SIZE];
            rec->state = REC_IN_CALL;
            rec->seq = c.ring->calls;
            rec->nr = nr;
            memcpy(rec->args, a, sizeof a);
            rec->result = 0;
            rec->hostile = c.hostile;
            stress::atomic_store(&c.ring->in_call, 1u);
        }
        if (c.trace)
            trace_line("syzfuzz[%d] %lu: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", c.pid, (unsigned long)k,
                       d.nr ? d.name : "unknown", (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2],
                       (unsigned long)a[3], (unsigned long)a[4], (unsigned long)a[5]);
        if (nr == NR_exec && c.ring)
            c.ring->execs++;
        long r = raw_syscall(nr, a);
        if (nr == NR_fork && r == 0)
            run_grandchild(k);
        if (c.trace)
            trace_line("syzfuzz[%d] %lu: = %ld%s%s\n", c.pid, (unsigned long)k, r, r < 0 ? " " : "",
                       r < 0 && r >= ERR_LAST ? errname(int(r)) : "");
        if (c.ring) {
            rec->result = r;
            rec->state = REC_DONE;
            Ring* ring = c.ring;
            ring->total_calls++;
            ring->hostile_calls += c.hostile;
            if (r < 0 && r >= -(ERROR_KINDS - 1))
                ring->errors[-r]++;
            else
                ring->successes++;
            if (violates(nr, a, r)) {
                if (ring->violations++ == 0)
                    ring->first_violation = *rec;
            }
            stress::atomic_store(&ring->in_call, 0u);
            stress::atomic_add(&ring->calls, uint64_t(1));
        } else if (violates(nr, a, r)) {
            trace_line("syzfuzz: VIOLATION: the call above used a buffer outside user space\n");
        }
        note_result(nr, a, r);
    }
    // Leave the way a program does; exit walks the robust list we may have
    // registered, and closes and unmaps everything we made.
    exit(0);
}

} // namespace syzfuzz
