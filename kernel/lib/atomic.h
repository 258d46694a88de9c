/*
 * Atomic<T>: a thin wrapper over the GCC __atomic builtins. The kernel has no
 * <atomic>, and spelling out the memory order at every use is the point.
 */
#pragma once

#include "types.h"

enum class MemoryOrder : int {
    Relaxed = __ATOMIC_RELAXED,
    Acquire = __ATOMIC_ACQUIRE,
    Release = __ATOMIC_RELEASE,
    AcqRel = __ATOMIC_ACQ_REL,
    SeqCst = __ATOMIC_SEQ_CST,
};

template <typename T> class Atomic {
public:
    constexpr Atomic() : m_value() {}
    constexpr Atomic(T v) : m_value(v) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    T load(MemoryOrder o = MemoryOrder::SeqCst) const { return __atomic_load_n(&m_value, int(o)); }
    void store(T v, MemoryOrder o = MemoryOrder::SeqCst) { __atomic_store_n(&m_value, v, int(o)); }
    T exchange(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_exchange_n(&m_value, v, int(o)); }
    T fetch_add(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_add(&m_value, v, int(o)); }
    T fetch_sub(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_sub(&m_value, v, int(o)); }
    T fetch_or(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_or(&m_value, v, int(o)); }
    T fetch_and(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_and(&m_value, v, int(o)); }
    // GCC 12 for RISC-V drops the release half of a release or acq_rel
    // compare-and-swap (it emits lr.aq/sc.aq or a bare lr/sc), so those
    // orders get an explicit fence first.
    bool compare_exchange(T& expected, T desired, MemoryOrder o = MemoryOrder::SeqCst)
    {
        if (o == MemoryOrder::Release || o == MemoryOrder::AcqRel)
            __atomic_thread_fence(__ATOMIC_RELEASE);
        int failure = o == MemoryOrder::AcqRel ? __ATOMIC_ACQUIRE
                      : o == MemoryOrder::Release ? __ATOMIC_RELAXED
                                                  : int(o);
        return __atomic_compare_exchange_n(&m_value, &expected, desired, false, int(o), failure);
    }
    T* raw() { return &m_value; }

private:
    T m_value;
};

// RISC-V has no byte-sized atomic instructions (without Zabha), so a flag
// is kept in a full word.
template <> class Atomic<bool> {
public:
    constexpr Atomic() : m_word(0) {}
    constexpr Atomic(bool v) : m_word(v ? 1 : 0) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    bool load(MemoryOrder o = MemoryOrder::SeqCst) const { return m_word.load(o) != 0; }
    void store(bool v, MemoryOrder o = MemoryOrder::SeqCst) { m_word.store(v ? 1 : 0, o); }
    bool exchange(bool v, MemoryOrder o = MemoryOrder::SeqCst) { return m_word.exchange(v ? 1 : 0, o) != 0; }

private:
    Atomic<u32> m_word;
};
