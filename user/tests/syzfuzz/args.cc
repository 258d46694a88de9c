/*
 * syzfuzz: the pools a child's arguments are drawn from: good values,
 * boundary values and hostile ones (see child.cc for what the fuzzer
 * avoids and why), and the arenas the pointers point into.
 */
#include "child.h"

namespace syzfuzz {

Child c;

void fill_random(void* p, size_t n)
{
    auto* b = static_cast<uint8_t*>(p);
    for (size_t i = 0; i < n; i++)
        b[i] = uint8_t(c.rng.next());
}

static bool map_fixed(uintptr_t at, size_t len, int prot, int flags)
{
    void* p = mmap(reinterpret_cast<void*>(at), len, prot, flags | MAP_FIXED, -1, 0);
    return !mmap_failed(p);
}

void setup_arenas()
{
    map_fixed(BUF, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    fill_random(reinterpret_cast<void*>(BUF), BUF_SIZE);
    map_fixed(RO, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    fill_random(reinterpret_cast<void*>(RO), PAGE);
    mprotect(reinterpret_cast<void*>(RO), PAGE, PROT_READ);
    map_fixed(NONE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    fill_random(reinterpret_cast<void*>(NONE), PAGE);
    mprotect(reinterpret_cast<void*>(NONE), PAGE, PROT_NONE);
    map_fixed(EDGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    fill_random(reinterpret_cast<void*>(EDGE), PAGE);
    map_fixed(SHARED, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    memset(reinterpret_cast<void*>(SHARED), 0, PAGE);
    map_fixed(NAMES, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    map_fixed(ARGV, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
}

// ---- pools of values ----------------------------------------------------------------

uint64_t kernel_address()
{
    switch (c.rng.below(6)) {
    case 0: return stress::KERNEL_DIRECT_MAP + c.rng.below(1 << 20) * 8;
    case 1: return stress::KERNEL_RAM + c.rng.below(4 << 20);
    case 2: return stress::KERNEL_IMAGE + c.rng.below(2 << 20);
    case 3: return 0xfffffffffffff000ull + c.rng.below(PAGE);
    case 4: return stress::NONCANONICAL + c.rng.below(1 << 20);
    default: return stress::USER_END + c.rng.below(1 << 30);
    }
}

uint64_t heap_start() { return (uintptr_t(_end) + PAGE - 1) / PAGE * PAGE; }

uint64_t heap_address()
{
    uint64_t brk = (uintptr_t(sbrk(0)) + PAGE - 1) / PAGE * PAGE;
    switch (c.rng.below(5)) {
    case 0: return heap_start();
    case 1: return brk;                                    // just above the break
    case 2: return brk - c.rng.range(1, 4) * PAGE;         // the top of the heap
    case 3: return brk + c.rng.range(1, 8) * PAGE;         // where the heap would grow
    default: return heap_start() + c.rng.below((brk - heap_start()) / PAGE + 1) * PAGE;
    }
}

// Any address a call might be handed as a buffer. *bad says whether it is
// one no call may ever use (kernel half or past user space).
uint64_t pointer(bool* bad)
{
    if (bad)
        *bad = false;
    uint64_t k = c.rng.below(24);
    if (k < 9) {
        // A good buffer, sometimes misaligned.
        return BUF + c.rng.below(BUF_SIZE / 2) + (c.rng.chance(20) ? c.rng.below(8) : 0);
    }
    c.hostile = true;
    switch (k) {
    case 9: return 0;
    case 10: return 1 + c.rng.below(PAGE);
    case 11:
    case 12:
        if (bad)
            *bad = true;
        return kernel_address();
    case 13: return stress::UNMAPPED + c.rng.below(1 << 20) * PAGE;
    case 14:
        // Straddles the end of user space.
        if (bad)
            *bad = true;
        return stress::USER_END - 1 - c.rng.below(64);
    case 15: return EDGE + PAGE - 1 - c.rng.below(64); // runs into the hole
    case 16: return RO + c.rng.below(PAGE);
    case 17: return NONE + c.rng.below(PAGE);
    case 18: return 0x10000 + c.rng.below(PAGE); // our own text
    case 19: return SHARED + c.rng.below(PAGE);
    case 20: {
        for (int tries = 0; tries < 4; tries++) {
            int i = int(c.rng.below(MAX_MAPS));
            if (c.maps[i])
                return c.maps[i] + c.rng.below(c.map_len[i]);
        }
        return BUF;
    }
    case 21:
        if (c.rng.chance(50)) {
            // The last bytes of the address space: any length wraps.
            if (bad)
                *bad = true;
            return ~0ull - c.rng.below(16);
        }
        return c.rng.next(); // anything at all
    case 22:
        if (c.rng.chance(50))
            return heap_address() + c.rng.below(PAGE); // the heap and around the break
        return 0x1000000000 + c.rng.below(1 << 24) * PAGE; // the mmap area
    default: return BUF + BUF_SIZE - c.rng.below(64); // runs off the end of BUF
    }
}

uint64_t length()
{
    switch (c.rng.below(16)) {
    case 0: return 0;
    case 1: return 1;
    case 2:
    case 3:
    case 4: return c.rng.range(2, 64);
    case 5: return PAGE;
    case 6: return PAGE + 1;
    case 7: return c.rng.below(4 * PAGE);
    case 8: c.hostile = true; return 1ull << 31;
    case 9: c.hostile = true; return 1ull << 32;
    case 10: c.hostile = true; return 1ull << 40;
    case 11: c.hostile = true; return 1ull << 62;
    case 12: c.hostile = true; return ~0ull;
    case 13: c.hostile = true; return uint64_t(-int64_t(c.rng.range(1, PAGE)));
    case 14: c.hostile = true; return 0x7fffffff;
    default: c.hostile = true; return c.rng.next();
    }
}

uint64_t count_value()
{
    switch (c.rng.below(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2:
    case 3: return c.rng.range(2, 64);
    case 4: return 4096;
    case 5: return 4097;
    case 6: c.hostile = true; return 0x7fffffff;
    case 7: c.hostile = true; return uint64_t(-1);
    case 8: c.hostile = true; return uint64_t(int64_t(-0x7fffffff - 1));
    default: c.hostile = true; return c.rng.next();
    }
}

uint64_t fd_value()
{
    switch (c.rng.below(10)) {
    case 0:
    case 1:
    case 2:
    case 3: {
        int fd = c.fds[c.rng.below(MAX_FDS)];
        return uint64_t(int64_t(fd >= 0 ? fd : int(c.rng.below(8))));
    }
    case 4: return c.rng.below(3);
    case 5: return c.rng.below(70);
    case 6: c.hostile = true; return uint64_t(-1);
    case 7: c.hostile = true; return 64 + c.rng.below(1000);
    case 8: c.hostile = true; return uint64_t(int64_t(-0x7fffffff - 1));
    default: c.hostile = true; return c.rng.next();
    }
}

// pids. Killing is filtered separately (see kill_pid).
uint64_t pid_value()
{
    switch (c.rng.below(10)) {
    case 0: return uint64_t(c.pid);
    case 1: return 0;
    case 2: return uint64_t(-1);
    case 3: return 1;
    case 4: return uint64_t(c.parent);
    case 5: return uint64_t(c.supervisor ? c.supervisor : 1);
    case 6: {
        int slot = int(c.rng.below(MAX_CHILDREN));
        return uint64_t(g_ctl ? g_ctl->rings[slot].pid : 0);
    }
    case 7: return c.ring ? uint64_t(c.ring->grandchildren[c.rng.below(MAX_GRANDCHILDREN)]) : 0;
    case 8: return c.rng.range(2, 600);
    default: c.hostile = true; return c.rng.next();
    }
}

static bool protected_pid(int64_t pid)
{
    // From the child's own copies (Child::supervisor), not from the control
    // block, which a fuzzed call may have unmapped or overwritten.
    if (pid == 1 || pid == c.parent || (c.supervisor && pid == c.supervisor))
        return true;
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (c.nannies[i] && pid == c.nannies[i])
            return true;
    return false;
}

uint64_t kill_pid()
{
    uint64_t pid = pid_value();
    // Never the processes that end the run when they die.
    if (protected_pid(int64_t(int32_t(pid))) || protected_pid(int64_t(pid)))
        return uint64_t(-1);
    // Killing ourselves ends this child early; keep it rare.
    if (int64_t(pid) == c.pid && !c.rng.chance(10))
        return uint64_t(-1);
    return pid;
}

// ---- strings -----------------------------------------------------------------------

// A fresh place in NAMES for a string of up to n bytes plus its NUL.
static char* name_space(size_t n)
{
    if (c.name_used + n + 1 > 2 * PAGE)
        c.name_used = 0;
    char* p = reinterpret_cast<char*>(NAMES + c.name_used);
    c.name_used += n + 1;
    return p;
}

static const char* const k_scratch[] = {"a", "b", "c", "d", "e", "f", "g", "h", "m", "dir"};
static const char* const k_tokens[] = {".", "..", "a", "b", "c", "dir", "", "m"};
const char* const k_dictionary[8] = {"/", "/bin", "/bin/echoargs", "/README", "/dev", "/dev/null", "/tmp", "/bin/"};

static uint64_t random_bytes_string(size_t len, bool odd)
{
    char* s = name_space(len);
    for (size_t i = 0; i < len; i++) {
        uint8_t b = uint8_t(c.rng.range(1, 255));
        if (!odd && c.rng.chance(80))
            b = uint8_t('a' + c.rng.below(26));
        s[i] = char(b);
    }
    s[len] = 0;
    return uintptr_t(s);
}

uint64_t copy_string(const char* text)
{
    size_t n = strlen(text);
    char* s = name_space(n);
    memcpy(s, text, n + 1);
    return uintptr_t(s);
}

// A string with no NUL before the unmapped page after EDGE.
static uint64_t string_into_hole()
{
    c.hostile = true;
    size_t n = c.rng.range(1, 64);
    char* s = reinterpret_cast<char*>(EDGE + PAGE - n);
    for (size_t i = 0; i < n; i++)
        s[i] = 'z';
    return uintptr_t(s);
}

uint64_t path_value(PathUse use)
{
    switch (c.rng.below(12)) {
    case 0: return copy_string("");
    case 1:
        c.hostile = true;
        return random_bytes_string(c.rng.range(1, 200), true);
    case 2: {
        c.hostile = true;
        static const size_t lengths[] = {59, 60, 61, 126, 127, 128, 129, 200, 255, 256};
        size_t n = c.rng.pick(lengths);
        char* s = name_space(n);
        for (size_t i = 0; i < n; i++)
            s[i] = (i % 17 == 16 && c.rng.chance(30)) ? '/' : 'p';
        s[n] = 0;
        return uintptr_t(s);
    }
    case 3:
    case 4: {
        char* s = name_space(120);
        size_t n = 0;
        if (c.rng.chance(30))
            s[n++] = '/';
        int parts = int(c.rng.range(1, 5));
        for (int i = 0; i < parts; i++) {
            const char* t = c.rng.pick(k_tokens);
            size_t tl = strlen(t);
            memcpy(s + n, t, tl);
            n += tl;
            if (i + 1 < parts)
                s[n++] = '/';
        }
        s[n] = 0;
        return uintptr_t(s);
    }
    case 5:
    case 6:
    case 7: return copy_string(c.rng.pick(k_scratch));
    case 8:
        if (use == PathUse::ReadOnly)
            return copy_string(c.rng.pick(k_dictionary));
        return copy_string(c.rng.pick(k_scratch));
    case 9: return string_into_hole();
    case 10: {
        c.hostile = true;
        return random_bytes_string(c.rng.range(1, 16), true);
    }
    default: return pointer();
    }
}

// A shared-memory name: mostly a small pool (so regions really get
// created, mapped and locked), else every kind of odd name.
uint64_t shm_name()
{
    switch (c.rng.below(12)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5: {
        char* s = name_space(8);
        snprintf(s, 8, "fz.%d", int(c.rng.below(8)));
        return uintptr_t(s);
    }
    case 6: return copy_string("");
    case 7: {
        c.hostile = true;
        static const size_t lengths[] = {1, 126, 127, 128, 129, 200};
        size_t n = c.rng.pick(lengths);
        char* s = name_space(n);
        memset(s, 'n', n);
        s[n] = 0;
        return uintptr_t(s);
    }
    case 8:
        c.hostile = true;
        return random_bytes_string(c.rng.range(1, 200), true);
    case 9: {
        // Tabs, newlines, high bytes: legal in names.
        static const char* const odd[] = {"fz\t1", "fz\n2", "\xff\xfe", "\x01", " ", "/fz/3", "fz.0 "};
        return copy_string(c.rng.pick(odd));
    }
    case 10: return string_into_hole();
    default: return pointer();
    }
}

// ---- other argument kinds -------------------------------------------------------------

uint64_t open_flags()
{
    static const uint64_t common[] = {O_RDONLY,
                                      O_WRONLY | O_CREAT,
                                      O_RDWR | O_CREAT | O_TRUNC,
                                      O_WRONLY | O_APPEND,
                                      O_RDWR | O_CREAT | O_EXCL,
                                      O_RDWR,
                                      O_ACCMODE};
    if (c.rng.chance(80))
        return c.rng.pick(common);
    c.hostile = true;
    return c.rng.next() & (c.rng.chance(50) ? 0xffff : ~0ull);
}

uint64_t prot_value()
{
    if (c.rng.chance(85))
        return c.rng.below(8);
    c.hostile = true;
    return c.rng.next();
}

uint64_t mmap_flags()
{
    static const uint64_t common[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_SHARED,
                                      MAP_PRIVATE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_FIXED,
                                      MAP_PRIVATE | MAP_FIXED, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                                      0, MAP_SHARED | MAP_PRIVATE};
    if (c.rng.chance(85))
        return c.rng.pick(common);
    c.hostile = true;
    return c.rng.next();
}

// An address for mmap hints, munmap, mprotect, destroyMapping.
uint64_t address_value()
{
    switch (c.rng.below(14)) {
    case 10:
    case 11: return heap_address();
    case 12: {
        // Right after one of our mappings: views of different kinds
        // (files, regions, anonymous) end up side by side.
        int i = int(c.rng.below(MAX_MAPS));
        if (c.maps[i])
            return c.maps[i] + (c.map_len[i] + PAGE - 1) / PAGE * PAGE;
        return heap_address();
    }
    case 13: c.hostile = true; return ~0ull - c.rng.below(4) * PAGE - (PAGE - 1); // the top pages
    case 0:
    case 1:
    case 2:
    case 3: {
        for (int tries = 0; tries < 4; tries++) {
            int i = int(c.rng.below(MAX_MAPS));
            if (c.maps[i])
                return c.maps[i] + (c.rng.chance(70) ? 0 : c.rng.below(c.map_len[i] / PAGE + 1) * PAGE);
        }
        return 0x1000000000 + c.rng.below(1 << 16) * PAGE;
    }
    case 4: return 0;
    case 5: return 0x1000000000 + c.rng.below(1 << 16) * PAGE;
    case 6: c.hostile = true; return kernel_address() & ~(PAGE - 1);
    case 7: c.hostile = true; return c.rng.next() & (c.rng.chance(50) ? ~(PAGE - 1) : ~0ull);
    case 8: c.hostile = true; return stress::USER_END - PAGE; // above the stack
    default: return 0x1000000000 + c.rng.below(1 << 24) * PAGE + (c.rng.chance(20) ? 1 : 0);
    }
}

uint64_t offset_value()
{
    switch (c.rng.below(6)) {
    case 0:
    case 1:
    case 2: return 0;
    case 3: return c.rng.below(16) * PAGE;
    case 4: c.hostile = true; return c.rng.below(PAGE);
    default: c.hostile = true; return c.rng.next();
    }
}

uint64_t shm_size()
{
    switch (c.rng.below(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2:
    case 3:
    case 4: return c.rng.range(1, 16) * PAGE;
    case 5: return SHM_MAX_REGION_SIZE;
    case 6: c.hostile = true; return SHM_MAX_REGION_SIZE + 1;
    case 7: c.hostile = true; return 1ull << 63;
    case 8: c.hostile = true; return uint64_t(-int64_t(PAGE));
    default: c.hostile = true; return c.rng.next();
    }
}

uint64_t shm_open_flags()
{
    if (c.rng.chance(85)) {
        uint64_t f = c.rng.chance(50) ? O_RDWR : O_RDONLY;
        if (c.rng.chance(50))
            f |= O_CREAT;
        if (c.rng.chance(20))
            f |= O_EXCL;
        if (c.rng.chance(30))
            f |= SHM_PERSIST;
        if (c.rng.chance(5))
            f |= O_WRONLY;
        return f;
    }
    c.hostile = true;
    return c.rng.next();
}

uint64_t sleep_ms()
{
    switch (c.rng.below(100)) {
    case 0: c.hostile = true; return 0xffffffffu; // the watchdog ends it
    case 1: c.hostile = true; return c.rng.next();
    case 2: return 100;
    case 3:
    case 4:
    case 5:
    case 6: return 0;
    default: return c.rng.below(10);
    }
}

uint64_t futex_address(bool* readable)
{
    *readable = false;
    switch (c.rng.below(12)) {
    case 0:
    case 1:
    case 2:
    case 3: *readable = true; return SHARED + c.rng.below(PAGE / 4) * 4;
    case 4: *readable = true; return BUF + c.rng.below(BUF_SIZE / 4) * 4;
    case 5: *readable = true; return RO + c.rng.below(PAGE / 4) * 4;
    case 6: c.hostile = true; return SHARED + 1 + c.rng.below(3);
    case 7: c.hostile = true; return NONE + c.rng.below(PAGE / 4) * 4;
    case 8: *readable = true; return EDGE + PAGE - 4;
    default: return pointer();
    }
}

uint64_t deadline_value()
{
    switch (c.rng.below(100)) {
    case 0: return 0; // none: sleeps until woken or killed
    case 1:
    case 2:
    case 3: return 1; // long past
    case 4: c.hostile = true; return ~0ull;
    case 5: return clock_ns() + 200000000ull;
    default: return clock_ns() + c.rng.below(10000000);
    }
}

uint64_t wake_count()
{
    switch (c.rng.below(8)) {
    case 0: return 0;
    case 1:
    case 2: return 1;
    case 3: return 0x7fffffff;
    case 4: c.hostile = true; return uint64_t(-1);
    case 5: return uint64_t(int64_t(FUTEX_WAKE_HANDOFF));
    case 6: return uint64_t(uint32_t(FUTEX_WAKE_HANDOFF));
    default: c.hostile = true; return c.rng.next();
    }
}

// An argv array: mostly well formed, sometimes not.
uint64_t argv_value()
{
    switch (c.rng.below(8)) {
    case 0: return 0;
    case 1: c.hostile = true; return kernel_address();
    case 2: {
        // No NULL before the hole.
        c.hostile = true;
        uint64_t* v = reinterpret_cast<uint64_t*>(EDGE + PAGE - 16);
        v[0] = copy_string("x");
        v[1] = copy_string("y");
        return uintptr_t(v);
    }
    default: {
        uint64_t* v = reinterpret_cast<uint64_t*>(ARGV);
        int n = c.rng.chance(10) ? int(c.rng.range(60, 70)) : int(c.rng.below(5));
        for (int i = 0; i < n; i++)
            v[i] = c.rng.chance(90) ? copy_string("arg") : pointer();
        v[n] = 0;
        return uintptr_t(v);
    }
    }
}

// A robust-list head: garbage, or a list that exit will walk, built in
// ARGV with entries whose words hold our pid.
uint64_t robust_value()
{
    switch (c.rng.below(8)) {
    case 0: return 0;
    case 1: c.hostile = true; return kernel_address() & ~7ull;
    case 2: c.hostile = true; return ARGV + 1 + c.rng.below(7);
    case 3: c.hostile = true; return stress::UNMAPPED;
    default: {
        auto* head = reinterpret_cast<robust_list_head*>(ARGV + 2048);
        uint64_t base = SHARED + 2048; // entries live in shared memory, words next to them
        int n = int(c.rng.below(5));
        int64_t offset = c.rng.chance(80) ? 8 : int64_t(c.rng.next() % 4096) - 2048;
        uint64_t first = uintptr_t(&head->list);
        uint64_t prev_slot = uintptr_t(&head->list.next);
        for (int i = 0; i < n; i++) {
            uint64_t entry = base + uint64_t(i) * 16;
            *reinterpret_cast<uint64_t*>(prev_slot) = entry;
            *reinterpret_cast<uint32_t*>(entry + 8) = uint32_t(c.pid) | (c.rng.chance(30) ? FUTEX_WAITERS : 0);
            prev_slot = entry;
        }
        uint64_t tail;
        switch (c.rng.below(5)) {
        case 0: tail = kernel_address(); break;
        case 1: tail = n ? base : first; break; // a cycle
        case 2: tail = 0; break;
        default: tail = first; break;
        }
        *reinterpret_cast<uint64_t*>(prev_slot) = tail;
        head->futex_offset = offset;
        head->pending = c.rng.chance(30) ? base + c.rng.below(4) * 16 : 0;
        return uintptr_t(head);
    }
    }
}

void spare_vital(uint64_t* addr, uint64_t len)
{
    // What the child runs on: its program and heap, its stack, its arenas
    // and the control block (rings) inherited from the supervisor.
    struct Range {
        uint64_t start, end;
    };
    uint64_t control = uintptr_t(g_ctl);
    // The heap is not vital (the child never mallocs after start-up), so
    // that munmap, mprotect and MAP_FIXED reshape it for sbrk to meet.
    const Range vital[] = {
        {0, heap_start()},
        {stress::USER_END - (4 << 20), stress::USER_END},
        {ARENA, ARENA + 0x800000},
        {control, control + sizeof(Control) + PAGE},
    };
    uint64_t end = *addr + (len ? len : 1);
    if (end < *addr)
        end = ~0ull;
    for (const Range& r : vital) {
        if (*addr < r.end && r.start < end && !c.rng.chance(2)) {
            *addr = 0x1000000000 + c.rng.below(1 << 16) * PAGE;
            return;
        }
    }
}

} // namespace syzfuzz
