/*
 * shmstress: slot patterns and checks, and error reporting.
 *
 * Every payload word is a function of (writer pid, sequence number, page,
 * word index), so a reader can tell a right page from a stale one, a page
 * of another region, a page written by two writers at once, or a torn one,
 * without knowing anything about the history of the region.
 */
#include "shmstress.h"

namespace shmstress {

Control* g_ctl = nullptr;

uint64_t pattern_word(uint32_t pid, uint64_t seq, uint64_t page, size_t j)
{
    uint64_t h = stress::mix(0x5348534d, pid);
    h = stress::mix(h, seq);
    h = stress::mix(h, page);
    return stress::mix(h, j);
}

namespace {
uint64_t payload_sum(const uint64_t* words)
{
    uint64_t sum = 0;
    for (size_t j = 0; j < PAYLOAD_WORDS; j++)
        sum = sum * 31 + words[j];
    return sum;
}

void record(uint32_t* counter, char* first, size_t size, const char* kind, const char* fmt, va_list args)
{
    char message[200];
    vsnprintf(message, sizeof message, fmt, args);
    if (stress::atomic_add(counter, 1u) == 0)
        strlcpy(first, message, size);
    printf("shmstress: %s: pid %d: %s\n", kind, getpid(), message);
}
} // namespace

void write_slot(Slot* s, uint32_t state, uint32_t pid, uint64_t seq, uint64_t gen, uint64_t page)
{
    volatile uint32_t* st = &s->state;
    *st = SLOT_WRITING;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->pid = pid;
    s->seq = seq;
    s->gen = gen;
    s->page = page;
    for (size_t j = 0; j < PAYLOAD_WORDS; j++)
        s->payload[j] = pattern_word(pid, seq, page, j);
    s->sum = payload_sum(s->payload);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *st = state;
}

bool slot_payload_ok(const Slot* s, size_t* bad_word)
{
    for (size_t j = 0; j < PAYLOAD_WORDS; j++) {
        if (s->payload[j] != pattern_word(s->pid, s->seq, s->page, j)) {
            *bad_word = j;
            return false;
        }
    }
    *bad_word = PAYLOAD_WORDS;
    return s->sum == payload_sum(s->payload);
}

bool writer_gone(int pid)
{
    // A writer that died holding the lock releases it from inside exit,
    // before it has finished exiting, so give it a moment to become a
    // zombie. One that is still alive after that never died.
    for (int waited = 0; waited < 3000; waited += 10) {
        if (!stress::process_alive(pid))
            return true;
        sleep(10);
    }
    return false;
}

void integrity_error(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    record(&g_ctl->integrity_errors, g_ctl->first_integrity, sizeof g_ctl->first_integrity, "integrity", fmt, args);
    va_end(args);
}

void unexpected_error(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    record(&g_ctl->unexpected_errors, g_ctl->first_unexpected, sizeof g_ctl->first_unexpected, "unexpected", fmt,
           args);
    va_end(args);
}

void region_name(int i, char* buf, size_t size) { snprintf(buf, size, "stress.%d", i); }

} // namespace shmstress
