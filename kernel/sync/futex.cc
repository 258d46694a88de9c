/*
 * Futex wait/wake (see futex.h).
 *
 * Waiters hang off a fixed hash table of buckets, each with its own spin
 * lock (rank Futex). A waiter checks the word and enqueues itself under the
 * bucket lock, and a waker dequeues under the same lock, so a wake between
 * the check and the sleep cannot be lost.
 *
 * The check reads the word through the physical page, not through the
 * user mapping, because user memory may not be touched under a spin lock:
 * the page is faulted in and pinned (page_get) first, with only the
 * address-space lock held.
 */
#include "futex.h"
#include "../../riscv/arch.h"
#include "../mm/address_space.h"
#include "../mm/mem_store.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../proc/proc.h"
#include "wait_queue.h"

namespace {

struct FutexKey {
    u64 object; // store address, or address-space address | 1
    u64 offset; // byte offset in the store, or the user address
    bool operator==(const FutexKey& o) const { return object == o.object && offset == o.offset; }
};

struct FutexWaiter {
    ListNode link;
    FutexKey key;
    WaitQueue queue; // just this waiter
    bool woken = false;
};

constexpr u32 BUCKETS = 256;

struct Bucket {
    Spinlock lock{"futex", LockRank::Futex};
    ListNode waiters;
};

Bucket g_buckets[BUCKETS];

Bucket& bucket_for(const FutexKey& key)
{
    u64 h = key.object * 0x9E3779B97F4A7C15ull ^ key.offset * 0xC2B2AE3D27D4EB4Full;
    return g_buckets[(h >> 32) % BUCKETS];
}

// The key of the word at addr. Caller holds the address-space lock.
Result<FutexKey> key_for(AddressSpace* as, u64 addr)
{
    MemRegion* r = as->find_region(addr);
    if (!r)
        return Error(ERR_FAULT);
    if (r->shared && r->store)
        return FutexKey{u64(r->store), r->store_offset + (addr - r->start)};
    return FutexKey{u64(as) | 1, addr};
}

int wake_key(const FutexKey& key, int n)
{
    Bucket& b = bucket_for(key);
    SpinlockGuard guard(b.lock);
    int woken = 0;
    for (ListNode* node = b.waiters.next; node != &b.waiters && woken < n;) {
        ListNode* next = node->next;
        FutexWaiter* w = container_of(node, FutexWaiter, link);
        if (w->key == key) {
            node->unlink();
            w->woken = true;
            w->queue.wake_one();
            woken++;
        }
        node = next;
    }
    return woken;
}

} // namespace

Result<void> futex_wait(u64 addr, u32 expected, u64 deadline_ns)
{
    if (addr % 4 != 0)
        return Error(ERR_INVAL);
    if (addr >= USER_VA_END)
        return Error(ERR_FAULT);
    AddressSpace* as = current_proc()->address_space;
    FutexKey key;
    paddr_t page;
    {
        SleepLockGuard guard(as->lock());
        key = TRY(key_for(as, addr));
        paddr_t pa;
        u32 perms;
        if (!as->page_table().lookup(page_round_down(addr), &pa, &perms) || !(perms & PERM_USER)) {
            // Fault it in as a read would, then look again.
            as->lock().unlock();
            auto faulted = as->handle_fault(addr, Access::Read);
            as->lock().lock();
            TRY(faulted);
            if (!as->page_table().lookup(page_round_down(addr), &pa, &perms))
                return Error(ERR_FAULT);
        }
        page = pa;
        page_get(page); // pinned while we look at it
    }
    u64 deadline = 0;
    if (deadline_ns) {
        u64 now_ns = arch::ticks_to_ns(arch::time_now());
        if (deadline_ns <= now_ns) {
            page_put(page);
            return Error(ERR_TIMEDOUT);
        }
        deadline = arch::time_now() + arch::ns_to_ticks(deadline_ns - now_ns);
    }

    FutexWaiter waiter;
    waiter.key = key;
    Bucket& b = bucket_for(key);
    Result<void> result;
    {
        SpinlockGuard guard(b.lock);
        u32 value = __atomic_load_n(reinterpret_cast<u32*>(static_cast<u8*>(phys_to_virt(page)) + addr % PAGE_SIZE),
                                    __ATOMIC_SEQ_CST);
        if (value != expected) {
            result = Error(ERR_AGAIN);
        } else {
            waiter.link.insert_before(&b.waiters);
            auto waited = waiter.queue.wait(b.lock, WaitMode::Killable, deadline);
            if (!waiter.woken) {
                waiter.link.unlink(); // timed out or killed: leave no trace
                result = waited.is_error() ? waited : Result<void>(Error(ERR_INTR));
            }
        }
    }
    page_put(page);
    return result;
}

Result<int> futex_wake_in(AddressSpace* as, u64 addr, int n)
{
    if (addr % 4 != 0)
        return Error(ERR_INVAL);
    if (n <= 0)
        return 0;
    FutexKey key;
    {
        SleepLockGuard guard(as->lock());
        key = TRY(key_for(as, addr));
    }
    return wake_key(key, n);
}

Result<int> futex_wake(u64 addr, int n) { return futex_wake_in(current_proc()->address_space, addr, n); }
