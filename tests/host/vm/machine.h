/*
 * The host VM tests' machine: the portable memory code (kernel/mm, the
 * shared-memory table of kernel/shm, the file caches of a real kernel/fs)
 * running on fake RAM and a fake MMU (fake_arch.cc), booted once per test
 * binary like a kernel, with processes that the tests create, switch
 * between, fork and end.
 *
 * A process here is a Proc and its AddressSpace, nothing more: it runs no
 * code. A test plays its part by calling what a trap would call (a page
 * fault: fault(); a system call: the handler, through sys()), with user
 * addresses that mean something only in the process's page table. Each
 * step can be followed by check(), which runs the address-space invariant
 * checker (kernel/mm/vm_check.cc) on every live process.
 *
 * Every test runs inside a Session: it ends the processes the test left
 * and then requires that the machine is as the test found it (every page
 * back, no page table, no region, no lock held).
 */
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../host_support.h"
#include "kernel/mm/access.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/mm/uaccess.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/trap/syscall.h"
// The kernel's wait-status macros (uapi/proc.h) have the C library's names.
#undef WIFEXITED
#undef WEXITSTATUS
#include "kernel/proc/proc.h"

namespace fake_machine {
// What the fake MMU and TLB were asked to do, since the binary started.
struct Counters {
    u64 maps = 0;
    u64 full_flushes = 0;
    u64 page_flushes = 0;
    u64 remote_flushes = 0;
    u64 table_loads = 0;
    u64 user_faults = 0; // user-memory copies that took a fault
    u64 leaf_walks = 0;     // PageTable::leaf_table calls that found or made a table
    u64 neighbour_maps = 0; // pages mapped by LeafTable::map_pages (fault-around)
};
const Counters& counters();
size_t live_page_tables();
// How many pages the table with this root maps.
size_t mappings_in(paddr_t root);
} // namespace fake_machine

namespace vm {

constexpr u64 KIB = 1024;
constexpr u64 MIB = 1024 * KIB;

// A process of the fake machine.
struct Process {
    Proc proc;
    AddressSpace* space() const { return proc.address_space; }
    int pid() const { return proc.pid; }
};

// Boots the machine the first time (fake RAM, shm_init, a file system on a
// RAM disk mounted at /); the RAM's size in pages.
u64 boot();

// A process with an empty address space (a heap of nothing at `heap`),
// made the current one.
Process* spawn(vaddr_t heap = 0x100000);
// A copy of `parent` (AddressSpace::fork_copy); the current process stays.
Process* fork(Process* parent);
// Ends p as exit does for memory: drops its descriptors' files, its space
// (views, region locks) and its creator references.
void exit(Process* p);
// Makes p the current process (what current_proc() and sleep locks see,
// and the address space the hart has loaded).
void run_as(Process* p);
Process* current();

// A page fault of the current process, as the trap handler takes it.
Result<void> fault(vaddr_t va, Access access);

// Checks every live process's address space (vm_check_space): on a
// violation, a failed check naming the step, the rule and the place.
void check(const char* step);

// Calls a system-call handler as the dispatch does; returns what user
// space would see. Arguments are numbers or fake user addresses.
template <typename... A> long sys(Result<long> (*handler)(const SyscallArgs&), A... a)
{
    SyscallArgs args{};
    u64 values[] = {u64(a)..., 0};
    for (size_t i = 0; i + 1 < sizeof values / sizeof values[0]; i++)
        args.raw[i] = values[i];
    Result<long> result = handler(args);
    // A success is a value >= 0: an error code must come as an Error.
    CHECK((result.is_error() || result.value() >= 0));
    return syscall_return(result);
}

// User memory of the current process: an anonymous read-write mapping for
// a test's strings and out-parameters, and copies in and out of any user
// address (through the fake MMU, faulting pages in).
u64 scratch();
u64 put_string(const std::string& s);
void write_user(u64 va, const void* data, size_t n);
void read_user(u64 va, void* data, size_t n);
template <typename T> T read(u64 va)
{
    T value;
    read_user(va, &value, sizeof value);
    return value;
}
template <typename T> void write(u64 va, const T& value) { write_user(va, &value, sizeof value); }

// A page's reference count, and the physical page a user address maps (0
// if none) with its permissions.
u32 refs(paddr_t pa);
paddr_t mapped(Process* p, vaddr_t va, u32* perms = nullptr);

// A test's frame: records the machine on entry; on exit ends what the test
// left running and requires every page, table and region back.
class Session {
public:
    Session();
    ~Session();

private:
    u64 m_free_or_cached; // free pages plus file-cache pages
    size_t m_tables;
};

// A regular file in the machine's file system holding `bytes`; returns its
// path (in a directory of its own for the test).
std::string make_file(const std::string& name, const std::vector<u8>& bytes);
// The file's bytes as the disk has them now (through read(), after the
// caches' write-back).
std::vector<u8> file_bytes(const std::string& path);

} // namespace vm
