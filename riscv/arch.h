/*
 * The interface between the architecture-neutral kernel and RISC-V: the
 * one file of riscv/ that kernel/ includes. Nothing in kernel/ includes
 * another riscv/ header, writes inline assembly, or names a RISC-V
 * register, CSR or page-table bit; tests/arch_check.py checks that in
 * `make test`. A port to another ISA reimplements what is declared here.
 *
 * The few types the kernel must lay out (the trap frame, the context of a
 * kernel thread, the per-hart words of the trap entry) are defined here;
 * the kernel uses them only through the portable operations they offer.
 * The short functions marked ARCH_INLINE (interrupt masking, the time, TLB
 * fences) are inline for the kernel, defined in arch_inline.h; the host
 * unit tests (TANDEM_HOST) define them, and the page table, in
 * tests/host/vm/fake_arch.cc instead, which is how the portable memory
 * code runs on the build machine against a fake MMU.
 */
#pragma once

#include "../kernel/lib/result.h"
#include "asm_offsets.h"
#include "memlayout.h"

struct BoardInfo;

#ifdef TANDEM_HOST
#define ARCH_INLINE
#else
#define ARCH_INLINE inline
#endif

// ---- a trap's saved state ---------------------------------------------------
// Registers saved on every trap, x1..x31 then the trap CSRs, in the order
// riscv/trap.S saves them. The kernel uses only the operations below.
struct TrapFrame {
    u64 ra, sp, gp, tp;
    u64 t0, t1, t2;
    u64 s0, s1;
    u64 a0, a1, a2, a3, a4, a5, a6, a7;
    u64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
    u64 t3, t4, t5, t6;
    u64 sepc, sstatus, scause, stval;
    u64 pad;

    // Where the trapped code was (the instruction that trapped).
    u64 pc() const { return sepc; }
    // What the trap was about: the faulting address, or the instruction
    // for an illegal one (it means nothing for a system call).
    u64 trap_value() const { return stval; }

    // A system call: its number, its six arguments, and its result, which
    // the return to user mode hands back. The call resumes after the
    // instruction that made it once that is skipped (ecall is 4 bytes).
    u64 syscall_number() const { return a7; }
    u64 syscall_arg(int i) const { return (&a0)[i]; }
    void set_syscall_return(long value) { a0 = u64(value); }
    void skip_syscall_instruction() { sepc += 4; }

    // A new program's main(argc, argv) arguments (exec, the first process).
    void set_program_arguments(u64 argc, u64 argv)
    {
        a0 = argc;
        a1 = argv;
    }
};
static_assert(sizeof(TrapFrame) == TF_SIZE);
static_assert(offsetof(TrapFrame, sp) == TF_SP);
static_assert(offsetof(TrapFrame, tp) == TF_TP);
static_assert(offsetof(TrapFrame, sepc) == TF_SEPC);
static_assert(offsetof(TrapFrame, stval) == TF_STVAL);

// Callee-saved registers of a kernel thread, saved by context_switch.
struct Context {
    u64 ra, sp;
    u64 s[12];

    // A thread that has never run: its first switch-in calls entry on the
    // stack below stack_top.
    void start_at(void (*entry)(), u64 stack_top)
    {
        *this = Context{};
        ra = u64(entry);
        sp = stack_top;
    }
};

// User floating-point state, saved when a process is switched out.
struct FpState {
    u64 f[32];
    u64 fcsr;
};

// The per-hart words the trap entry uses, at the very start of each Cpu
// (kernel/cpu/cpu.h), whose address the entry finds in a register.
struct TrapEntryState {
    u64 kernel_stack_top; // a trap from user mode saves its frame below this
    u64 user_sp;          // scratch of the trap entry
    u64 scratch;
    u64 entry_sstatus;
    // What the entry needs to answer getpid by itself: the pid of the
    // process this hart last switched to (the only one that can trap here
    // from user mode) and its system-call counter, which the entry bumps.
    u64 current_pid;
    u64* current_syscalls;
};
static_assert(offsetof(TrapEntryState, kernel_stack_top) == CPU_KERNEL_SP);
static_assert(offsetof(TrapEntryState, user_sp) == CPU_USER_SP);
static_assert(offsetof(TrapEntryState, scratch) == CPU_SCRATCH);
static_assert(offsetof(TrapEntryState, entry_sstatus) == CPU_ENTRY_SSTATUS);
static_assert(offsetof(TrapEntryState, current_pid) == CPU_CURRENT_PID);
static_assert(offsetof(TrapEntryState, current_syscalls) == CPU_CURRENT_SYSCALLS);

extern "C" void context_switch(Context* from, Context* to);
extern "C" [[noreturn]] void enter_user(TrapFrame* frame);

// ---- page tables ---------------------------------------------------------------
// Page permissions, as the VM layer asks for them.
enum PagePerm : u32 {
    PERM_READ = 1,
    PERM_WRITE = 2,
    PERM_EXEC = 4,
    PERM_USER = 8,
    PERM_GLOBAL = 16,
};

// One 4 KiB mapping, as a walk of a page table reports it.
struct PageMapping {
    vaddr_t va;
    paddr_t pa;
    u32 perms;
};

// What a walk does with a mapping it visited.
struct MappingChange {
    enum Kind : u8 { Keep, Remove, SetPerms } kind = Keep;
    u32 perms = 0;
    static MappingChange keep() { return {}; }
    static MappingChange remove() { return {Remove, 0}; }
    static MappingChange set_perms(u32 perms) { return {SetPerms, perms}; }
};

// Any entry of a page table, table entries and huge leaves included, for
// introspection (the vm_pagetable system call).
struct PageTableEntryInfo {
    vaddr_t va;     // the first address it maps
    u64 span;       // how many bytes it maps
    paddr_t pa;     // what it points to: a page, or the next-level table
    int level;      // 0 for 4 KiB leaves, up to the root's
    u64 index;      // its slot in its table
    bool leaf;
    u32 perms;      // PagePerm of a leaf
    u32 hw_flags;   // the entry's flag bits as the hardware sees them (uapi/pagetable.h)
};

// The entries of one last-level table: the LEAF_TABLE_PAGES 4 KiB pages of
// the aligned block around an address (2 MiB on Sv39). PageTable::leaf_table
// finds it with one walk from the root; then each entry is a few
// instructions away, so the fault path can look at and fill a page and its
// neighbours without walking the table for each (kernel/mm/fault.cc). Valid
// until the table is destroyed (last-level tables are freed only then);
// used under the owner's lock, as every edit of a table is. Every address
// passed must lie inside [start(), end()).
constexpr u64 LEAF_TABLE_PAGES = 512;

class LeafTable {
public:
    LeafTable() = default;
    explicit operator bool() const { return m_entries != nullptr; }
    vaddr_t start() const { return m_start; }
    vaddr_t end() const { return m_start + LEAF_TABLE_PAGES * PAGE_SIZE; }

    // As PageTable::lookup and map_page, for a page inside the table.
    bool lookup(vaddr_t va, paddr_t* pa, u32* perms) const;
    void map(vaddr_t va, paddr_t pa, u32 perms);
    // Bit i set when page first + i pages maps nothing (count <= 64).
    u64 empty_mask(vaddr_t first, u32 count) const;
    // Maps page first + i pages to pages[i], with perms, for each bit i of
    // mask (count <= 64).
    void map_pages(vaddr_t first, u32 count, const paddr_t* pages, u64 mask, u32 perms);

private:
    friend class PageTable;
    LeafTable(void* entries, vaddr_t start) : m_entries(entries), m_start(start) {}
    void* m_entries = nullptr; // the table's own representation
    vaddr_t m_start = 0;
};

class PageTable {
public:
    PageTable() = default;
    explicit PageTable(paddr_t root) : m_root(root) {}

    // A new user page table whose kernel half is copied from kernel_root.
    static Result<PageTable> create_user(paddr_t kernel_root);
    // A new, empty root (for the kernel's own table).
    static Result<PageTable> create_empty();

    paddr_t root() const { return m_root; }
    bool is_valid() const { return m_root != 0; }

    // Maps one 4 KiB page, replacing any existing 4 KiB mapping.
    Result<void> map_page(vaddr_t va, paddr_t pa, u32 perms);
    // Maps [va, va+size) to [pa, pa+size), using huge pages where
    // alignment allows. For the kernel's tables.
    Result<void> map_range(vaddr_t va, paddr_t pa, u64 size, u32 perms, bool allow_huge);
    // Removes a 4 KiB mapping; returns the physical page it mapped, or 0.
    paddr_t unmap_page(vaddr_t va);
    // Looks up a 4 KiB-level mapping of va.
    bool lookup(vaddr_t va, paddr_t* pa, u32* perms) const;
    // The last-level table that holds va's entry; with Create, making the
    // tables on the way. An empty LeafTable when there is none (Find), when
    // out of memory, or when a huge mapping covers va.
    enum class Walk : u8 { Find, Create };
    LeafTable leaf_table(vaddr_t va, Walk walk);
    // Changes the permissions of an existing 4 KiB mapping.
    bool protect_page(vaddr_t va, u32 perms);
    // "Clear write on this mapping": if va maps page pa writable, takes the
    // write permission away, atomically with respect to a concurrent edit
    // of the same entry by the table's owner; true if it did. The caller
    // flushes the TLBs that may hold the old entry.
    bool revoke_write(vaddr_t va, paddr_t pa);

    // Calls fn for every 4 KiB mapping in [start, end), in address order,
    // skipping empty parts of the table; the mapping becomes what fn says.
    using MappingVisitor = MappingChange (*)(const PageMapping& mapping, void* context);
    void update_mappings(vaddr_t start, vaddr_t end, MappingVisitor fn, void* context);
    // The same, looking only.
    using MappingReader = void (*)(const PageMapping& mapping, void* context);
    void for_each_mapping(vaddr_t start, vaddr_t end, MappingReader fn, void* context) const;

    // Calls fn for every valid entry of the user half or the kernel half,
    // depth first: a table entry comes just before the entries of the
    // table it points to.
    enum class Half : u8 { User, Kernel };
    using EntryVisitor = void (*)(const PageTableEntryInfo& entry, void* context);
    void for_each_entry(Half half, EntryVisitor fn, void* context) const;

    // Frees the table pages of the user half (not the pages they map) and
    // the root itself.
    void destroy();

private:
    paddr_t m_root = 0;
};

namespace arch {

// ---- interrupts -------------------------------------------------------
ARCH_INLINE bool irq_enabled();
ARCH_INLINE void irq_enable();
ARCH_INLINE void irq_disable();
ARCH_INLINE void wait_for_interrupt();
ARCH_INLINE void cpu_relax();
// The cause the device tree's interrupts-extended gives the supervisor's
// external interrupt of a hart: the route a hart's interrupt controller
// context takes (kernel/board/board.cc).
constexpr u32 SUPERVISOR_EXTERNAL_INTERRUPT = 9;

// ---- this hart, this thread -------------------------------------------
// The per-hart pointer (the Cpu of kernel/cpu/cpu.h).
ARCH_INLINE void* cpu_local();
ARCH_INLINE void set_cpu_local(void* p);
// The current stack pointer (current_proc() masks it).
ARCH_INLINE u64 stack_pointer();

// ---- time -------------------------------------------------------------
ARCH_INLINE u64 time_now();
u64 timebase_hz();
// Whole seconds and the remainder are converted apart, so neither product
// overflows for any u64 input at any realistic timebase.
inline u64 ns_to_ticks(u64 ns)
{
    u64 hz = timebase_hz();
    return ns / 1000000000 * hz + (ns % 1000000000) * hz / 1000000000;
}
inline u64 ticks_to_ns(u64 t) { return t / timebase_hz() * 1000000000 + (t % timebase_hz()) * 1000000000 / timebase_hz(); }

// ---- memory ordering and TLB -----------------------------------------
// A full fence between memory accesses (device rings, virtio).
ARCH_INLINE void fence();
ARCH_INLINE void flush_tlb_all();
ARCH_INLINE void flush_tlb_page(vaddr_t va);
// Flushes [va, va + size) from the TLBs of the CPUs in cpu_mask (bit n is
// CPU number n, not a hart id) and waits until they have.
void flush_tlb_remote(u64 cpu_mask, vaddr_t va, u64 size);
// Switches the calling hart to the page table whose root is at `root`,
// flushing what its TLB and instruction fetch may hold of the old one.
ARCH_INLINE void set_page_table(paddr_t root);
// The kernel's own page table (kernel half only).
paddr_t kernel_page_table();

// ---- the kernel's page table, at boot (riscv/kernel_map.cc) -----------
// Widens the boot page table's direct map to all of RAM.
void early_map_ram(const BoardInfo& board);
// Builds the kernel's page table: the image, RAM, the devices of the tree.
Result<void> build_kernel_map(const BoardInfo& board);
// Loads it on the calling hart.
void activate_kernel_map();
// Where the image was loaded, as the entry code found it; and the physical
// address of a symbol of the image.
void set_kernel_load_address(paddr_t pa);
paddr_t kernel_load_address();
paddr_t kernel_phys(const void* kernel_symbol);

// ---- floating point ------------------------------------------------------
void fp_save(FpState* state);
void fp_restore(const FpState* state);
ARCH_INLINE bool fp_dirty();

// ---- traps --------------------------------------------------------------
void trap_init_hart();
// Prepares frame for entering user mode at pc with stack sp.
void init_user_frame(TrapFrame* frame, u64 pc, u64 sp);
// Called on a thread's way back in after a context switch: the hart may
// have switched away from inside another thread's kernel-mode trap, and a
// return to user mode relies on the state a trap from user mode leaves.
ARCH_INLINE void after_switch_in();

// ---- backtraces ----------------------------------------------------------
// One step up a chain of frame pointers (the kernel keeps them): the
// return address and the caller's frame pointer saved in the frame at fp,
// and the address of the call a return address comes back to.
struct SavedFrame {
    u64 return_address;
    u64 caller_fp;
};
ARCH_INLINE SavedFrame saved_frame(u64 fp);
ARCH_INLINE u64 call_site(u64 return_address);

// ---- timer, interrupt controller, inter-processor interrupts ----------
void timer_init(const BoardInfo& board);
void timer_init_hart(u32 hart_id);
void timer_set(u64 deadline);
bool timer_uses_sstc();

// Device interrupts (riscv/irqchip.cc: a PLIC, or the AIA's APLIC and
// IMSIC). `cpu` is the dense CPU number of the calling hart.
// irqchip_init returns false if the board has no controller it can drive.
bool irqchip_init(const BoardInfo& board);
// Makes the calling hart take device interrupts; false if it has no
// S-mode route to the controller.
bool irqchip_init_hart(u32 cpu, u32 hart_id);
void irqchip_enable(u32 cpu, u32 irq);
// The next pending device interrupt of the calling hart (0 when none), and
// the end of its handling.
u32 irqchip_claim(u32 cpu);
void irqchip_complete(u32 cpu, u32 irq);

void send_ipi(u32 hart_id);
void clear_ipi();

// ---- harts, the firmware and power ------------------------------------
// Starts a secondary hart at secondary_entry with the given stack top.
bool start_hart(u32 hart_id, u64 stack_top);
void power_init(const BoardInfo& board);
[[noreturn]] void power_off(int exit_code);
// One character through the firmware's console, for before the UART
// driver is up.
void firmware_putchar(char c);

} // namespace arch

// ---- user memory (riscv/uaccess.S) --------------------------------------------
// Copies between kernel and user memory with the faults an access may take
// handled: a lazy page is faulted in (handle_kernel_fault_on_user) and the
// access retried; a bad address ends the copy. The kernel checks the range
// first (kernel/mm/uaccess.cc). arch_user_copy and arch_user_clear return 0,
// or nonzero on a bad address; arch_user_strncpy the string's length (max
// if no NUL came) or a negative value; arch_user_cmpxchg32 the old word or
// a negative value.
extern "C" u64 arch_user_copy(void* dst, const void* src, u64 n);
extern "C" u64 arch_user_clear(void* dst, u64 n);
extern "C" long arch_user_strncpy(char* dst, const char* src, u64 max);
extern "C" long arch_user_cmpxchg32(u32* addr, u32 expected, u32 desired);

#ifndef TANDEM_HOST
#include "arch_inline.h"
#endif
