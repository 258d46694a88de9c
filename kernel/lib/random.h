/*
 * A small, seedable pseudo-random generator (xorshift64*), for tests,
 * stress runs and anything else that needs reproducible randomness.
 */
#pragma once

#include "types.h"

class Random {
public:
    explicit Random(u64 seed) : m_state(seed ? seed : 0x9E3779B97F4A7C15ull) {}
    u64 next()
    {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return m_state * 0x2545F4914F6CDD1Dull;
    }
    // Uniform in [0, bound) for bound > 0.
    u64 below(u64 bound) { return next() % bound; }

private:
    u64 m_state;
};
