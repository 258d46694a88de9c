/*
 * Robust mutexes: at exit, every mutex still owned by the dying process is
 * marked FUTEX_OWNER_DIED and one waiter is woken, so the next locker learns
 * that the data it protects may be inconsistent (ERR_OWNERDEAD) instead of
 * waiting forever.
 *
 * The list lives in user memory and may be corrupt or hostile: the walk is
 * bounded (ROBUST_LIST_LIMIT entries), reads and writes only through the
 * checked user-access routines, and stops at the first bad pointer.
 */
#include "../mm/uaccess.h"
#include "../proc/proc.h"
#include "../syscall.h"
#include "../uapi/futex.h"
#include "futex.h"

extern "C" long arch_user_cmpxchg32(u32* addr, u32 expected, u32 desired);

namespace {
// Releases the mutex whose word is at `word_addr` if `pid` owns it.
void release_if_owned(u64 word_addr, int pid)
{
    if (word_addr % 4 != 0 || word_addr >= USER_VA_END)
        return;
    for (int attempt = 0; attempt < 16; attempt++) {
        u32 word;
        if (get_user(&word, word_addr).is_error())
            return;
        if ((word & FUTEX_TID_MASK) != u32(pid))
            return;
        u32 desired = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        long found = arch_user_cmpxchg32(reinterpret_cast<u32*>(word_addr), word, desired);
        if (found < 0)
            return;
        if (u32(found) == word) {
            if (word & FUTEX_WAITERS)
                (void)futex_wake(word_addr, 1);
            return;
        }
        // The word changed under us (a waiter set FUTEX_WAITERS): retry.
    }
}
} // namespace

void robust_list_release(Proc* p)
{
    u64 head_addr = p->robust_list;
    p->robust_list = 0;
    if (!head_addr || !p->address_space)
        return;
    struct robust_list_head head;
    if (copy_from_user(&head, head_addr, sizeof head).is_error())
        return;
    u64 entry = head.list.next;
    for (int n = 0; n < ROBUST_LIST_LIMIT && entry != head_addr && entry != 0; n++) {
        u64 next;
        // Read the link before releasing: the next owner may reuse it.
        if (get_user(&next, entry).is_error())
            break;
        if (entry != head.pending)
            release_if_owned(entry + u64(head.futex_offset), p->pid);
        entry = next;
    }
    if (head.pending)
        release_if_owned(head.pending + u64(head.futex_offset), p->pid);
}

long sys_set_robust_list(const SyscallArgs& args)
{
    u64 head = args[0];
    if (head % 8 != 0 || (head && head >= USER_VA_END))
        return ERR_INVAL;
    current_proc()->robust_list = head;
    return ERR_OK;
}

long sys_futex_wait(const SyscallArgs& args)
{
    return to_syscall_return(futex_wait(args[0], u32(args[1]), args[2]));
}

long sys_futex_wake(const SyscallArgs& args)
{
    int n = args.as_int(1);
    if (n < 0)
        return ERR_INVAL;
    return to_syscall_return(futex_wake(args[0], n));
}
