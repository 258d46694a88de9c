// LAB(sync) file: futex_nosys
/*
 * Futex wait/wake (see futex.h and docs/sync.md).
 *
 * Waiters hang off a fixed hash table of buckets, each with its own spin
 * lock (rank Futex). A waiter checks the word and enqueues itself under the
 * bucket lock, and a waker dequeues under the same lock, so a wake between
 * the check and the sleep cannot be lost: the user changes the word before
 * calling futex_wake, so either the waiter's check sees the new value
 * (ERR_AGAIN) or the waiter is already queued when the waker looks.
 *
 * The check reads the word through the physical page, not through the
 * user mapping, because user memory may not be touched under a spin lock:
 * the page is faulted in and pinned (page_get) first, with only the
 * address-space lock held.
 *
 * futex_handoff is the one place besides the robust-list walk where the
 * kernel writes a user word: under the bucket lock it picks the oldest
 * sleeper and makes it the mutex's owner before waking it, which user space
 * alone cannot do fairly (anyone could take a freed mutex first). It writes
 * through the pinned physical page too, after faulting it in for writing,
 * so a read-only view cannot be used to change a word.
 *
 * A waiter that is woken and killed at once never returns to user space
 * to act on the wake-up, so it passes the wake-up on to the next waiter of
 * the same word: an unlock wakes one sleeper of several, and if that one
 * is dying, the others would otherwise sleep on a free mutex for good.
 *
 * A waiter lives on its own kernel stack and is on a bucket list only
 * while it sleeps in futex_wait: whatever ends the wait (a wake, the
 * deadline, a kill) takes it off under the bucket lock before futex_wait
 * returns, so nothing outlives the call. Keys hold no references: a key
 * names a store only while the waiter's own view keeps that store alive,
 * and a stale key could at worst cause a spurious wake-up, which every
 * futex user must tolerate anyway.
 */
#include "futex.h"
#include "../../riscv/arch.h"
#include "../console/printk.h"
#include "../mm/address_space.h"
#include "../mm/mem_store.h"
#include "../mm/page_alloc.h"
#include "../mm/phys.h"
#include "../proc/proc.h"
#include "../uapi/futex.h"
#include "wait_queue.h"

namespace {

struct FutexKey {
    u64 object; // store address, or address-space address | 1
    u64 offset; // byte offset in the store, or the user address
    bool operator==(const FutexKey& o) const { return object == o.object && offset == o.offset; }
};

struct FutexWaiter {
    ListNode link; // on the bucket's list, oldest first
    FutexKey key;
    Proc* proc = nullptr; // the sleeping process (for hand-over)
    WaitQueue queue;      // just this waiter
    bool woken = false;
};

constexpr u32 BUCKETS = 256;

// A line each: waiters on different futexes do not share one.
struct alignas(CACHE_LINE_SIZE) Bucket {
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
// Shared memory is keyed by what it is (store and offset), so every view
// of it, in any process and at any address, gives the same key; private
// memory (including a copy-on-write view of a store) by where it is.
Result<FutexKey> key_for(AddressSpace* as, u64 addr)
{
    kassert(as->lock().is_held_by_current());
    MemRegion* r = as->find_region(addr);
    if (!r)
        return Error(ERR_FAULT);
    if (r->shared && r->store)
        return FutexKey{u64(r->store->identity()), r->store_offset + (addr - r->start)};
    return FutexKey{u64(as) | 1, addr};
}

bool check_address(u64 addr, Result<void>* error)
{
    if (addr % 4 != 0) {
        *error = Error(ERR_INVAL);
        return false;
    }
    if (addr >= USER_VA_END) {
        *error = Error(ERR_FAULT);
        return false;
    }
    return true;
}

// Where a word lives when its page is written back to a file: the kernel's
// own store into it (the hand-over) must leave the page dirty.
struct TrackedWord {
    MemStore* store = nullptr; // null unless the word is in a write-tracked view
    u64 index = 0;
};

// Finds the key of the word at addr and pins its page, faulting it in as
// the process's own read (or write) would: a write fault also breaks
// copy-on-write, so the page pinned is the one the process would write.
// Returns the page; the caller page_put()s it.
Result<paddr_t> pin_word(AddressSpace* as, u64 addr, Access access, FutexKey* key, TrackedWord* tracked = nullptr)
{
    u32 needed = PERM_USER | (access == Access::Write ? PERM_WRITE : PERM_READ);
    SleepLockGuard guard(as->lock());
    *key = TRY(key_for(as, addr));
    if (tracked) {
        MemRegion* r = as->find_region(addr);
        bool tracks = r && r->tracks_writes();
        tracked->store = tracks ? r->store : nullptr;
        tracked->index = tracks ? (r->store_offset + (addr - r->start)) / PAGE_SIZE : 0;
    }
    paddr_t pa;
    u32 perms;
    // A write-back in another process may take write access away again
    // between our fault and our look (a file's page): fault again then,
    // rather than report a bad address; a few rounds always settle it.
    for (int round = 0; !as->page_table().lookup(page_round_down(addr), &pa, &perms) || (perms & needed) != needed;
         round++) {
        if (round == 8)
            return Error(ERR_FAULT);
        // handle_fault takes the lock itself. Nothing else changes this
        // space's regions meanwhile: only its own (single-threaded) process does.
        guard.unlock();
        auto faulted = as->handle_fault(addr, access);
        guard.relock();
        if (faulted.is_error()) {
            // The fault handler's own reasons are not this call's: a word
            // past the end of a mapped file (ERR_RANGE) is simply not the
            // caller's memory. Only running out of memory says so.
            return Error(faulted.error_code() == ERR_NOMEM ? ERR_NOMEM : ERR_FAULT);
        }
    }
    page_get(pa);
    return pa;
}

u32* word_in(paddr_t page, u64 addr)
{
    return reinterpret_cast<u32*>(static_cast<u8*>(phys_to_virt(page)) + addr % PAGE_SIZE);
}

// Converts an absolute clock_ns() deadline (later than now_ns) into
// timebase ticks, rounding up so that the wait never ends before the
// deadline in clock_ns() terms. The arithmetic is split at whole seconds
// so that far deadlines cannot overflow; one beyond what the tick counter
// can express (centuries away) is no deadline at all.
u64 deadline_ticks(u64 deadline_ns, u64 now_ns, u64 now_ticks)
{
    constexpr u64 NS_PER_S = 1000000000;
    u64 hz = arch::timebase_hz();
    u64 delta = deadline_ns - now_ns;
    u64 seconds = delta / NS_PER_S;
    u64 rest = delta % NS_PER_S;
    if (seconds >= (~0ull / 4) / hz)
        return NO_DEADLINE;
    u64 ticks = seconds * hz + (rest * hz + NS_PER_S - 1) / NS_PER_S + 1;
    return now_ticks + ticks;
}

// Wakes up to n waiters of `key`, oldest first. Caller holds b.lock.
int wake_locked(Bucket& b, const FutexKey& key, int n)
{
    kassert(b.lock.is_held());
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

int wake_key(const FutexKey& key, int n)
{
    Bucket& b = bucket_for(key);
    SpinlockGuard guard(b.lock);
    return wake_locked(b, key, n);
}

} // namespace

Result<void> futex_wait(u64 addr, u32 expected, u64 deadline_ns)
{
    Result<void> bad;
    if (!check_address(addr, &bad))
        return bad;
    AddressSpace* as = current_proc()->address_space;
    FutexWaiter waiter;
    waiter.proc = current_proc();
    paddr_t page = TRY(pin_word(as, addr, Access::Read, &waiter.key));
    u32* word = word_in(page, addr);

    u64 deadline = NO_DEADLINE;
    bool expired = false;
    if (deadline_ns) {
        u64 now_ticks = arch::time_now();
        u64 now_ns = arch::ticks_to_ns(now_ticks);
        if (deadline_ns <= now_ns)
            expired = true;
        else
            deadline = deadline_ticks(deadline_ns, now_ns, now_ticks);
    }

    Bucket& b = bucket_for(waiter.key);
    Result<void> result;
    {
        SpinlockGuard guard(b.lock);
        // Sequentially consistent: it pairs with the user's store to another
        // word before it slept (sem.waiters, cond.waiters; see user/lib/sync.cc).
        u32 value = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        if (value != expected) {
            result = Error(ERR_AGAIN);
        } else if (expired) {
            result = Error(ERR_TIMEDOUT);
        } else {
            waiter.link.insert_before(&b.waiters);
            auto waited = waiter.queue.wait(b.lock, WaitMode::Killable, deadline);
            if (!waiter.woken) {
                // Timed out, killed, or (harmlessly) woken by something
                // else: leave no trace.
                waiter.link.unlink();
                result = waited;
            }
            // Woken wins over a deadline or a kill that came at the same
            // time: the waker counted us, so we must report the wake-up.
            // But a killed process never gets back to user space to act on
            // it: pass it on to the next waiter, or an unlock that woke one
            // sleeper of several would have woken nobody, and the others
            // could sleep on a free mutex for good. (A spurious wake-up at
            // worst.)
            if (waiter.woken && current_killed())
                wake_locked(b, waiter.key, 1);
        }
    }
    page_put(page);
    return result;
}

Result<int> futex_wake_in(AddressSpace* as, u64 addr, int n)
{
    Result<void> bad;
    if (!check_address(addr, &bad))
        return Error(bad.error_code());
    if (n < 0)
        return Error(ERR_INVAL);
    FutexKey key;
    {
        SleepLockGuard guard(as->lock());
        key = TRY(key_for(as, addr));
    }
    if (n == 0)
        return 0;
    return wake_key(key, n);
}

Result<int> futex_wake(u64 addr, int n) { return futex_wake_in(current_proc()->address_space, addr, n); }

Result<int> futex_handoff(u64 addr)
{
    Result<void> bad;
    if (!check_address(addr, &bad))
        return Error(bad.error_code());
    Proc* me = current_proc();
    FutexKey key;
    TrackedWord tracked;
    paddr_t page = TRY(pin_word(me->address_space, addr, Access::Write, &key, &tracked));
    u32* word = word_in(page, addr);
    Bucket& b = bucket_for(key);
    Result<int> result = 0;
    {
        SpinlockGuard guard(b.lock);
        auto owned = [&](u32 w) { return (w & FUTEX_TID_MASK) == u32(me->pid) && !(w & FUTEX_OWNER_DIED); };
        u32 old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        if (!owned(old))
            result = Error(ERR_INVAL);
        // The oldest sleeper that is not being killed (a killed one would
        // only pass the mutex on as owner-died), and whether more remain.
        FutexWaiter* heir = nullptr;
        bool others = false;
        for (ListNode* node = b.waiters.next; result.ok() && node != &b.waiters; node = node->next) {
            FutexWaiter* w = container_of(node, FutexWaiter, link);
            if (!(w->key == key))
                continue;
            if (heir) {
                others = true;
                break;
            }
            SpinlockGuard plock(w->proc->lock);
            if (!w->proc->killed)
                heir = w;
        }
        // Sleepers only ever add FUTEX_WAITERS or FUTEX_HANDOFF to a held
        // word, so this settles after a few rounds; the owner field must
        // stay ours throughout.
        while (heir) {
            if (!owned(old)) {
                result = Error(ERR_INVAL);
                break;
            }
            u32 desired = u32(heir->proc->pid);
            if (others)
                desired |= FUTEX_WAITERS | (old & FUTEX_HANDOFF);
            // Sequentially consistent, so also a release: what the old
            // owner wrote under the mutex is visible to the new one.
            if (__atomic_compare_exchange_n(word, &old, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                heir->link.unlink();
                heir->woken = true;
                heir->queue.wake_one();
                result = 1;
                break;
            }
        }
    }
    // A write-back may have cleaned the page between the pin and our store:
    // mark it dirty again (after the store, so that at worst it is written
    // twice), or the new owner might never reach the file.
    if (result.ok() && result.value() == 1 && tracked.store)
        (void)tracked.store->mark_dirty(tracked.index); // unless the page left the store meanwhile
    page_put(page);
    return result;
}
