/*
 * A fake machine under the portable memory code: riscv/arch.h implemented
 * on the host, with no RISC-V in it. What it fakes, and how:
 *
 *   - the MMU: PageTable keeps each table as a map from page address to
 *     (physical page, permissions), keyed by a root page it takes from the
 *     page allocator (so a table that is never destroyed shows as a leak);
 *   - the TLB: flushes are only counted (machine.h reads the counts);
 *   - the hart: one Cpu, interrupts a flag, time a counter that moves on
 *     every look;
 *   - user memory: the copy routines of riscv/uaccess.S walk the current
 *     process's page table as the hardware would for the kernel (loads need
 *     R, stores need W), and on a miss call handle_kernel_fault_on_user and
 *     retry, as the exception table does; an address the fault handler
 *     refuses ends the copy with a failure. Host pointers are the kernel's
 *     side of a copy, fake user addresses (below USER_VA_END) the user's.
 *
 * It checks what the hardware cannot: user memory is never touched with a
 * spin lock held, and a fault the handler says it resolved must leave the
 * page accessible.
 */
#include <doctest/doctest.h>

#include <map>

#include "../host_support.h"
#include "kernel/console/printk.h"
#include "kernel/cpu/cpu.h"
#include "kernel/lib/kstring.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/mm/phys.h"
#include "kernel/trap/trap.h"
#include "machine.h"

Cpu g_cpus[MAX_CPUS];
int g_cpu_count = 1;

namespace {
struct Mapping {
    paddr_t pa;
    u32 perms;
};
using Table = std::map<vaddr_t, Mapping>;

std::map<paddr_t, Table> g_tables; // by root
bool g_irq_enabled = true;
u64 g_clock = 0;
fake_machine::Counters g_counts;

Table* table_of(paddr_t root)
{
    auto it = g_tables.find(root);
    return it == g_tables.end() ? nullptr : &it->second;
}

Table& must_table(paddr_t root)
{
    Table* t = table_of(root);
    if (!t)
        panic("fake MMU: no page table with root %#lx", root);
    return *t;
}

Result<PageTable> new_table()
{
    paddr_t root = alloc_page_zeroed(PageUse::PageTable);
    if (!root)
        return Error(ERR_NOMEM);
    g_tables[root] = Table();
    return PageTable(root);
}
} // namespace

namespace fake_machine {
const Counters& counters() { return g_counts; }
size_t live_page_tables() { return g_tables.size(); }
size_t mappings_in(paddr_t root)
{
    Table* t = table_of(root);
    return t ? t->size() : 0;
}
} // namespace fake_machine

// ---- the page table -----------------------------------------------------------------

Result<PageTable> PageTable::create_user(paddr_t) { return new_table(); }
Result<PageTable> PageTable::create_empty() { return new_table(); }

Result<void> PageTable::map_page(vaddr_t va, paddr_t pa, u32 perms)
{
    if (va % PAGE_SIZE || pa % PAGE_SIZE)
        panic("fake MMU: map_page(%#lx, %#lx) not page-aligned", va, pa);
    // W without R is a reserved encoding on the real MMU: write brings read.
    if (perms & PERM_WRITE)
        perms |= PERM_READ;
    must_table(m_root)[va] = Mapping{pa, perms};
    g_counts.maps++;
    return {};
}

paddr_t PageTable::unmap_page(vaddr_t va)
{
    Table& t = must_table(m_root);
    auto it = t.find(page_round_down(va));
    if (it == t.end())
        return 0;
    paddr_t pa = it->second.pa;
    t.erase(it);
    return pa;
}

bool PageTable::lookup(vaddr_t va, paddr_t* pa, u32* perms) const
{
    Table& t = must_table(m_root);
    auto it = t.find(page_round_down(va));
    if (it == t.end())
        return false;
    *pa = it->second.pa;
    *perms = it->second.perms;
    return true;
}

// A flat table has no last-level tables: a LeafTable here is the map and
// the aligned block's bounds, which every use is checked against (the
// fault path must never reach past the table it walked to). Find answers
// "none" for a block that maps nothing, as a real table may.
LeafTable PageTable::leaf_table(vaddr_t va, Walk walk)
{
    Table& t = must_table(m_root);
    vaddr_t start = va & ~(LEAF_TABLE_PAGES * PAGE_SIZE - 1);
    if (walk == Walk::Find) {
        auto it = t.lower_bound(start);
        if (it == t.end() || it->first >= start + LEAF_TABLE_PAGES * PAGE_SIZE)
            return LeafTable();
    }
    g_counts.leaf_walks++;
    return LeafTable(&t, start);
}

namespace {
Table& leaf_map(void* entries, vaddr_t start, vaddr_t va, u32 pages = 1)
{
    if (va % PAGE_SIZE || va < start || pages > 64 || va + pages * PAGE_SIZE > start + LEAF_TABLE_PAGES * PAGE_SIZE)
        panic("fake MMU: %u page(s) at %#lx are not inside the leaf table at %#lx", pages, va, start);
    return *static_cast<Table*>(entries);
}
} // namespace

bool LeafTable::lookup(vaddr_t va, paddr_t* pa, u32* perms) const
{
    Table& t = leaf_map(m_entries, m_start, va);
    auto it = t.find(va);
    if (it == t.end())
        return false;
    *pa = it->second.pa;
    *perms = it->second.perms;
    return true;
}

void LeafTable::map(vaddr_t va, paddr_t pa, u32 perms)
{
    Table& t = leaf_map(m_entries, m_start, va);
    if (pa % PAGE_SIZE)
        panic("fake MMU: LeafTable::map(%#lx, %#lx) not page-aligned", va, pa);
    t[va] = Mapping{pa, (perms & PERM_WRITE) ? perms | PERM_READ : perms};
    g_counts.maps++;
}

u64 LeafTable::empty_mask(vaddr_t first, u32 count) const
{
    Table& t = leaf_map(m_entries, m_start, first, count);
    u64 mask = 0;
    for (u32 i = 0; i < count; i++)
        if (!t.count(first + i * PAGE_SIZE))
            mask |= u64(1) << i;
    return mask;
}

void LeafTable::map_pages(vaddr_t first, u32 count, const paddr_t* pages, u64 mask, u32 perms)
{
    Table& t = leaf_map(m_entries, m_start, first, count);
    for (u32 i = 0; i < count; i++) {
        if (!(mask & (u64(1) << i)))
            continue;
        if (pages[i] % PAGE_SIZE)
            panic("fake MMU: map_pages: page %u at %#lx not page-aligned", i, pages[i]);
        t[first + i * PAGE_SIZE] = Mapping{pages[i], (perms & PERM_WRITE) ? perms | PERM_READ : perms};
        g_counts.maps++;
        g_counts.neighbour_maps++;
    }
}

bool PageTable::protect_page(vaddr_t va, u32 perms)
{
    Table& t = must_table(m_root);
    auto it = t.find(page_round_down(va));
    if (it == t.end())
        return false;
    it->second.perms = (perms & PERM_WRITE) ? perms | PERM_READ : perms;
    return true;
}

bool PageTable::revoke_write(vaddr_t va, paddr_t pa)
{
    Table& t = must_table(m_root);
    auto it = t.find(page_round_down(va));
    if (it == t.end() || it->second.pa != pa || !(it->second.perms & PERM_WRITE))
        return false;
    it->second.perms &= ~PERM_WRITE;
    return true;
}

void PageTable::update_mappings(vaddr_t start, vaddr_t end, MappingVisitor fn, void* context)
{
    Table& t = must_table(m_root);
    for (auto it = t.lower_bound(start); it != t.end() && it->first < end;) {
        MappingChange change = fn(PageMapping{it->first, it->second.pa, it->second.perms}, context);
        if (change.kind == MappingChange::Remove) {
            it = t.erase(it);
            continue;
        }
        if (change.kind == MappingChange::SetPerms)
            it->second.perms = (change.perms & PERM_WRITE) ? change.perms | PERM_READ : change.perms;
        ++it;
    }
}

void PageTable::for_each_mapping(vaddr_t start, vaddr_t end, MappingReader fn, void* context) const
{
    Table& t = must_table(m_root);
    for (auto it = t.lower_bound(start); it != t.end() && it->first < end; ++it)
        fn(PageMapping{it->first, it->second.pa, it->second.perms}, context);
}

void PageTable::for_each_entry(Half half, EntryVisitor fn, void* context) const
{
    // A flat table: every entry is a 4 KiB leaf; the kernel half is empty.
    if (half == Half::Kernel || !m_root)
        return;
    for (auto& [va, m] : must_table(m_root))
        fn(PageTableEntryInfo{va, PAGE_SIZE, m.pa, 0, (va / PAGE_SIZE) % 512, true, m.perms, 0}, context);
}

void PageTable::destroy()
{
    if (!m_root)
        return;
    g_tables.erase(m_root);
    free_pages(m_root);
    m_root = 0;
}

// ---- the hart -------------------------------------------------------------------------

bool arch::irq_enabled() { return g_irq_enabled; }
void arch::irq_enable() { g_irq_enabled = true; }
void arch::irq_disable() { g_irq_enabled = false; }
void arch::wait_for_interrupt() {}
void arch::cpu_relax() {}
void* arch::cpu_local() { return &g_cpus[0]; }
void arch::set_cpu_local(void*) {}
u64 arch::stack_pointer() { return u64(uptr(__builtin_frame_address(0))); }
u64 arch::time_now() { return ++g_clock; }
u64 arch::timebase_hz() { return 10000000; }
void arch::fence() {}
void arch::flush_tlb_all() { g_counts.full_flushes++; }
void arch::flush_tlb_page(vaddr_t) { g_counts.page_flushes++; }
void arch::flush_tlb_remote(u64, vaddr_t, u64) { g_counts.remote_flushes++; }
void arch::set_page_table(paddr_t root) { g_counts.table_loads++, (void)root; }
paddr_t arch::kernel_page_table() { return 0; }

// ---- user memory, as riscv/uaccess.S reaches it -------------------------------------------

namespace {
bool allows(u32 perms, Access access) { return perms & (access == Access::Write ? PERM_WRITE : PERM_READ); }

// The host address of user byte va for `access`, faulting its page in as
// the exception table does; nullptr for a bad address.
u8* user_byte(vaddr_t va, Access access)
{
    if (host::spinlocks_held() != 0)
        panic("user memory touched while holding %d spin lock(s)", host::spinlocks_held());
    AddressSpace* as = current_proc()->address_space;
    for (int attempt = 0; attempt < 4; attempt++) {
        paddr_t pa;
        u32 perms;
        if (as->page_table().lookup(va, &pa, &perms) && allows(perms, access))
            return phys_to_ptr<u8>(pa) + va % PAGE_SIZE;
        g_counts.user_faults++;
        if (!handle_kernel_fault_on_user(va, access))
            return nullptr;
    }
    panic("fake MMU: the fault handler resolved %#lx again and again, and it is still not accessible", va);
}

bool is_user(const void* p) { return uptr(p) < USER_VA_END; }

// Copies n bytes between the kernel and user memory, a page at most at a
// time; false at the first byte that cannot be reached.
bool copy(void* dst, const void* src, u64 n)
{
    bool to_user = is_user(dst);
    if (to_user == is_user(src))
        panic("fake uaccess: a copy needs exactly one user side (%p -> %p)", src, dst);
    u64 done = 0;
    while (done < n) {
        vaddr_t va = (to_user ? uptr(dst) : uptr(src)) + done;
        u64 chunk = min(n - done, PAGE_SIZE - va % PAGE_SIZE);
        u8* user = user_byte(va, to_user ? Access::Write : Access::Read);
        if (!user)
            return false;
        if (to_user)
            memcpy(user, static_cast<const u8*>(src) + done, chunk);
        else
            memcpy(static_cast<u8*>(dst) + done, user, chunk);
        done += chunk;
    }
    return true;
}
} // namespace

extern "C" u64 arch_user_copy(void* dst, const void* src, u64 n) { return copy(dst, src, n) ? 0 : 1; }

extern "C" u64 arch_user_clear(void* dst, u64 n)
{
    static const u8 zeros[PAGE_SIZE] = {};
    for (u64 done = 0; done < n;) {
        u64 chunk = min(n - done, PAGE_SIZE - (uptr(dst) + done) % PAGE_SIZE);
        if (!copy(static_cast<u8*>(dst) + done, zeros, chunk))
            return 1;
        done += chunk;
    }
    return 0;
}

extern "C" long arch_user_strncpy(char* dst, const char* src, u64 max)
{
    for (u64 i = 0; i < max; i++) {
        u8* c = user_byte(uptr(src) + i, Access::Read);
        if (!c)
            return -1;
        dst[i] = char(*c);
        if (*c == 0)
            return long(i);
    }
    return long(max);
}

extern "C" long arch_user_cmpxchg32(u32* addr, u32 expected, u32 desired)
{
    u8* word = user_byte(uptr(addr), Access::Write);
    if (!word)
        return -1;
    u32 found;
    memcpy(&found, word, sizeof found);
    if (found == expected)
        memcpy(word, &desired, sizeof desired);
    return long(found);
}
