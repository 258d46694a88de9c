/*
 * Robust mutexes and the futex system calls.
 *
 * At exit, every mutex still owned by the dying process is marked
 * FUTEX_OWNER_DIED and one waiter is woken, so that the next locker learns
 * that the data it protects may be inconsistent (ERR_OWNERDEAD) instead of
 * waiting forever. The kernel learns which mutexes the process holds from
 * the robust list the user library registered (uapi/futex.h).
 *
 * The mutex named by `pending` gets one more look: an unlock frees the word
 * and then wakes a sleeper, and a process killed between the two (a timer
 * interrupt lands there, and the kill takes effect on the way back to user
 * mode) would leave the sleepers asleep for good on a free word. So if the
 * pending mutex's owner field is 0, one sleeper is woken (at worst a
 * spurious wake-up, which every sleeper tolerates), and if the mutex was
 * given up on (FUTEX_NOTRECOVERABLE), all are, as the unlock would have.
 * This works only while `pending` still names the mutex until after the
 * wake-up, which is the library's side of the bargain.
 *
 * The list lives in user memory and may be corrupt or hostile: the walk is
 * bounded (ROBUST_LIST_LIMIT entries, so a cycle ends), reads and writes
 * only through the checked user-access routines (a garbage pointer is an
 * error, a kernel address is refused), and stops at the first unreadable
 * link. The worst a bad list can do is change words in the process's own
 * memory that hold its own pid, which it could have done itself.
 *
 * Locks: none held on entry; the walk takes the address-space lock (via
 * page faults and futex_wake) and bucket locks, one at a time.
 */
#include "../../riscv/arch.h"
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../trap/syscall.h"
#include "../uapi/futex.h"
#include "futex.h"

namespace {
enum class Entry { Listed, Pending };

// Releases the mutex whose word is at `word_addr` if `pid` owns it: the
// owner field is cleared, FUTEX_OWNER_DIED set, FUTEX_WAITERS kept, and one
// sleeper woken to take it over. For the pending entry, also finishes an
// unlock that freed the word but died before its wake-up (see the top).
void release_if_owned(AddressSpace* as, u64 word_addr, int pid, Entry kind)
{
    if (word_addr % 4 != 0 || word_addr >= USER_VA_END)
        return;
    // Waiters may set FUTEX_WAITERS between our read and our swap; each
    // such change makes us retry, and there are only so many waiters, but
    // bound it anyway.
    for (int attempt = 0; attempt < 64; attempt++) {
        u32 word;
        if (get_user(&word, word_addr).is_error())
            return;
        if ((word & FUTEX_TID_MASK) != u32(pid)) {
            if (kind == Entry::Pending && (word & FUTEX_TID_MASK) == 0)
                (void)futex_wake_in(as, word_addr, 1);
            else if (kind == Entry::Pending && (word & FUTEX_TID_MASK) == FUTEX_NOTRECOVERABLE)
                (void)futex_wake_in(as, word_addr, 0x7fffffff);
            return;
        }
        u32 desired = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        long found = arch_user_cmpxchg32(reinterpret_cast<u32*>(word_addr), word, desired);
        if (found < 0)
            return; // not writable: leave it
        if (u32(found) == word) {
            if (word & FUTEX_WAITERS)
                (void)futex_wake_in(as, word_addr, 1);
            return;
        }
    }
}
} // namespace

// Called by do_exit (and wherever a process image ends) while the address
// space is still there. Forgets the list: it is walked once.
void robust_list_release(Proc* p)
{
    u64 head_addr = p->robust_list;
    p->robust_list = 0;
    AddressSpace* as = p->address_space;
    if (!head_addr || !as)
        return;
    struct robust_list_head head;
    if (copy_from_user(&head, head_addr, sizeof head).is_error())
        return;
    u64 entry = head.list.next;
    for (int n = 0; n < ROBUST_LIST_LIMIT && entry != head_addr && entry != 0; n++) {
        u64 next;
        // Read the link before releasing: the next owner relinks the mutex
        // into its own list as soon as it has it.
        if (get_user(&next, entry).is_error())
            break;
        if (entry != head.pending)
            release_if_owned(as, entry + u64(head.futex_offset), p->pid, Entry::Listed);
        entry = next;
    }
    // The mutex being locked or unlocked may or may not be on the list.
    if (head.pending)
        release_if_owned(as, head.pending + u64(head.futex_offset), p->pid, Entry::Pending);
}

Result<long> sys_set_robust_list(const SyscallArgs& args)
{
    u64 head = args[0];
    if (head % 8 != 0 || head >= USER_VA_END)
        return Error(ERR_INVAL);
    current_proc()->robust_list = head;
    return 0;
}

Result<long> sys_futex_wait(const SyscallArgs& args)
{
    TRY(futex_wait(args[0], u32(args[1]), args[2]));
    return 0;
}

Result<long> sys_futex_wake(const SyscallArgs& args)
{
    int n = args.as_int(1);
    if (n == FUTEX_WAKE_HANDOFF)
        return TRY(futex_handoff(args[0]));
    return TRY(futex_wake(args[0], n));
}
