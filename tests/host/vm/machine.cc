/*
 * The host VM tests' machine (machine.h): boot, processes, the checker
 * after each step, user memory, and the frame every test runs in.
 */
#include "machine.h"

#include <deque>
#include <memory>

#include "../fake_ram.h"
#include "../mem_disk.h"
#include "kernel/fs/block_device.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_glue.h"
#include "kernel/fs/inode.h"
#include "kernel/lib/kstring.h"
#include "kernel/mm/file_store.h"
#include "kernel/mm/vm_check.h"
#include "kernel/shm/shared_region.h"
#include "kernel/uapi/mman.h"
#include "mkfs/image.h"

namespace {

constexpr size_t RAM_BYTES = 64 * vm::MIB;

FakeRam* g_ram = nullptr; // lives as long as the binary: the kernel's state does
MemDisk* g_disk = nullptr;
std::deque<std::unique_ptr<vm::Process>> g_processes; // live ones
vm::Process* g_current = nullptr;
int g_next_pid = 100;
Proc g_kernel; // the current process between tests: no address space

} // namespace

// ---- the process model the kernel code sees -------------------------------------------

Proc* current_proc() { return g_current ? &g_current->proc : &g_kernel; }
bool current_killed() { return current_proc()->killed; }

Result<AddressSpace*> pin_address_space(int pid)
{
    for (auto& p : g_processes) {
        if (pid == 0 ? p.get() == g_current : p->pid() == pid) {
            AddressSpace* as = p->space();
            if (as)
                as->get();
            return as;
        }
    }
    return Error(ERR_SRCH);
}

namespace vm {

u64 boot()
{
    if (!g_ram) {
        g_ram = new FakeRam(RAM_BYTES);
        shm_init(page_stats().total_pages);
        FsImage image(8192, 512, 64);
        image.make_dir("/tmp");
        image.finish();
        REQUIRE_MESSAGE(image.ok(), image.error());
        g_disk = new MemDisk(image.bytes());
        set_root_block_device(g_disk);
        REQUIRE(fs_init().ok());
        g_kernel.cwd = fs_root_inode();
        set_page_reclaimer(file_cache_reclaim);
    }
    return g_ram->pages();
}

void run_as(Process* p)
{
    g_current = p;
    host::set_current_process(current_proc());
    // The hart now runs p: its table is the loaded one, as after a switch.
    InterruptsDisabled no_migration;
    AddressSpace::activate(p ? p->space() : nullptr, false);
}

Process* current() { return g_current; }

Process* spawn(vaddr_t heap)
{
    boot();
    auto p = std::make_unique<Process>();
    p->proc.pid = g_next_pid++;
    p->proc.pgid = p->proc.pid;
    p->proc.state = ProcState::Running;
    strlcpy(p->proc.name, "vmtest", sizeof p->proc.name);
    auto space = AddressSpace::create();
    REQUIRE(space.ok());
    p->proc.address_space = space.value();
    p->proc.address_space->owner = &p->proc;
    p->proc.address_space->heap_start = heap;
    p->proc.address_space->brk = heap;
    p->proc.cwd = fs_inode_dup(g_kernel.cwd);
    Process* raw = p.get();
    g_processes.push_back(std::move(p));
    run_as(raw);
    return raw;
}

Process* fork(Process* parent)
{
    Process* was = g_current;
    run_as(parent);
    auto space = parent->space()->fork_copy();
    run_as(was);
    REQUIRE(space.ok());
    auto p = std::make_unique<Process>();
    p->proc.pid = g_next_pid++;
    p->proc.pgid = parent->proc.pgid;
    p->proc.state = ProcState::Running;
    p->proc.parent = &parent->proc;
    p->proc.address_space = space.value();
    p->proc.address_space->owner = &p->proc;
    p->proc.cwd = fs_inode_dup(parent->proc.cwd);
    for (int fd = 0; fd < NOFILE; fd++)
        if (parent->proc.files[fd])
            p->proc.files[fd] = file_dup(parent->proc.files[fd]);
    Process* raw = p.get();
    g_processes.push_back(std::move(p));
    return raw;
}

void exit(Process* p)
{
    Process* was = g_current == p ? nullptr : g_current;
    run_as(p);
    for (File*& f : p->proc.files) {
        if (f) {
            file_close(f);
            f = nullptr;
        }
    }
    if (p->proc.cwd) {
        fs_inode_put(p->proc.cwd);
        p->proc.cwd = nullptr;
    }
    AddressSpace* space = p->proc.address_space;
    p->proc.address_space = nullptr;
    if (space)
        AddressSpace::destroy(space); // drops views, abandoning region locks
    shm_process_exit(&p->proc);       // drops the creator references
    run_as(was);
    for (auto it = g_processes.begin(); it != g_processes.end(); ++it) {
        if (it->get() == p) {
            g_processes.erase(it);
            break;
        }
    }
}

Result<void> fault(vaddr_t va, Access access) { return current_proc()->address_space->handle_fault(va, access); }

void check(const char* step)
{
    for (auto& p : g_processes) {
        AddressSpace* as = p->space();
        if (!as)
            continue;
        Process* was = g_current;
        run_as(p.get()); // the checker holds the space's sleep lock as its owner would
        VmViolation v;
        bool ok;
        {
            SleepLockGuard guard(as->lock());
            ok = vm_check_space(as, &v);
        }
        run_as(was);
        const MemRegion* r = v.region;
        CHECK_MESSAGE(ok, "after " << step << ", pid " << p->pid() << ": " << (v.what ? v.what : "") << " at 0x"
                                   << std::hex << v.va << " (detail 0x" << v.detail << "; region 0x"
                                   << (r ? r->start : 0) << "-0x" << (r ? r->end : 0) << ")");
    }
}

// ---- user memory ------------------------------------------------------------------------

u64 scratch()
{
    // One scratch mapping per process, found by its fixed place at the
    // bottom of the mmap area's last GiB.
    constexpr vaddr_t SCRATCH = USER_MMAP_END - 0x40000000;
    AddressSpace* as = current_proc()->address_space;
    bool present;
    {
        SleepLockGuard guard(as->lock());
        present = as->find_region(SCRATCH) != nullptr;
    }
    if (!present) {
        long at = sys(sys_mmap, SCRATCH, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                      -1, 0);
        REQUIRE(u64(at) == SCRATCH);
    }
    return SCRATCH;
}

u64 put_string(const std::string& s)
{
    u64 at = scratch() + 8 * PAGE_SIZE; // clear of what tests keep at the start
    write_user(at, s.c_str(), s.size() + 1);
    return at;
}

void write_user(u64 va, const void* data, size_t n) { REQUIRE(copy_to_user(va, data, n).ok()); }
void read_user(u64 va, void* data, size_t n) { REQUIRE(copy_from_user(data, va, n).ok()); }

u32 refs(paddr_t pa) { return page_refcount(pa); }

paddr_t mapped(Process* p, vaddr_t va, u32* perms)
{
    paddr_t pa = 0;
    u32 got = 0;
    if (!p->space()->page_table().lookup(va, &pa, &got))
        return 0;
    if (perms)
        *perms = got;
    return pa;
}

// ---- the frame of a test ---------------------------------------------------------------

Session::Session()
{
    boot();
    m_free_or_cached = free_page_count() + page_stats().used_by[u32(PageUse::FileCache)];
    m_tables = fake_machine::live_page_tables();
}

Session::~Session()
{
    while (!g_processes.empty())
        exit(g_processes.back().get());
    run_as(nullptr);
    CHECK(host::spinlocks_held() == 0);
    CHECK(host::sleeplocks_held() == 0);
    CHECK(fake_machine::live_page_tables() == m_tables);
    CHECK(shm_quota_used() == 0);
    // File-cache pages may stay with an inode the cache keeps (as on the
    // machine); every other page the test took must be back.
    u64 now = free_page_count() + page_stats().used_by[u32(PageUse::FileCache)];
    CHECK_MESSAGE(now == m_free_or_cached, "pages not returned: " << i64(m_free_or_cached) - i64(now));
}

// ---- files -----------------------------------------------------------------------------

std::string make_file(const std::string& name, const std::vector<u8>& bytes)
{
    std::string path = "/tmp/" + name;
    u64 user_path = put_string(path);
    int fd = int(sys(sys_open, user_path, O_CREAT | O_RDWR | O_TRUNC));
    REQUIRE(fd >= 0);
    for (size_t done = 0; done < bytes.size();) {
        size_t n = std::min(bytes.size() - done, size_t(4 * PAGE_SIZE));
        write_user(scratch(), bytes.data() + done, n);
        REQUIRE(sys(sys_write, fd, scratch(), n) == long(n));
        done += n;
    }
    REQUIRE(sys(sys_close, fd) == 0);
    return path;
}

std::vector<u8> file_bytes(const std::string& path)
{
    int fd = int(sys(sys_open, put_string(path), O_RDONLY));
    REQUIRE(fd >= 0);
    std::vector<u8> out;
    for (;;) {
        long n = sys(sys_read, fd, scratch(), 4 * PAGE_SIZE);
        REQUIRE(n >= 0);
        if (n == 0)
            break;
        size_t at = out.size();
        out.resize(at + size_t(n));
        read_user(scratch(), &out[at], size_t(n));
    }
    REQUIRE(sys(sys_close, fd) == 0);
    return out;
}

} // namespace vm
