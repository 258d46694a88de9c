/*
 * malloc, free, calloc and realloc on top of sbrk.
 *
 * Free blocks form one list sorted by address, so free() can merge a block
 * with both neighbours and the heap does not fragment into slivers. Every
 * block starts with a 16-byte header holding its total size; a block in use
 * carries a magic word where the list link would be, which catches double
 * frees and frees of pointers malloc never returned. Allocation is first
 * fit; the heap grows in steps of at least HEAP_STEP and never shrinks (the
 * kernel reclaims it at exit).
 */
#include "ulib.h"

namespace {

struct Block {
    size_t size;  // whole block including this header, a multiple of ALIGN
    Block* next;  // next free block (free) or IN_USE_MAGIC (allocated)
};

constexpr size_t ALIGN = 16;
constexpr size_t HEADER = sizeof(Block);
constexpr size_t MIN_SPLIT = HEADER + ALIGN; // smallest leftover worth a block
constexpr size_t HEAP_STEP = 64 * 1024;
constexpr uintptr_t IN_USE_MAGIC = 0xa110c8ed0000a11d; // odd: never a real link

bool in_use(const Block* b) { return uintptr_t(b->next) == IN_USE_MAGIC; }
void mark_in_use(Block* b) { b->next = reinterpret_cast<Block*>(IN_USE_MAGIC); }

static_assert(sizeof(Block) == ALIGN, "payloads must stay 16-byte aligned");

Block* g_free_list = nullptr;

char* end_of(Block* b) { return reinterpret_cast<char*>(b) + b->size; }
Block* header_of(void* p) { return reinterpret_cast<Block*>(static_cast<char*>(p) - HEADER); }

// Puts b into the address-ordered free list, merging with touching neighbours.
void insert_free(Block* b)
{
    Block* prev = nullptr;
    Block* next = g_free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->next = next;
    if (next && end_of(b) == reinterpret_cast<char*>(next)) {
        b->size += next->size;
        b->next = next->next;
    }
    if (prev) {
        prev->next = b;
        if (end_of(prev) == reinterpret_cast<char*>(b)) {
            prev->size += b->size;
            prev->next = b->next;
        }
    } else {
        g_free_list = b;
    }
}

bool grow_heap(size_t need)
{
    size_t bytes = need > HEAP_STEP ? need : HEAP_STEP;
    bytes = (bytes + 4095) & ~size_t(4095);
    void* p = sbrk(long(bytes));
    if (is_err(intptr_t(p)))
        return false;
    // The first break may not be aligned (it follows bss); skip to ALIGN.
    uintptr_t start = (uintptr_t(p) + ALIGN - 1) & ~(ALIGN - 1);
    auto* b = reinterpret_cast<Block*>(start);
    b->size = (bytes - (start - uintptr_t(p))) & ~(ALIGN - 1);
    insert_free(b);
    return true;
}

// Total block size for a request, or 0 if it would overflow.
size_t block_size_for(size_t size)
{
    if (size > (size_t(1) << 48))
        return 0;
    return (size + HEADER + ALIGN - 1) & ~(ALIGN - 1);
}

void corrupt(const char* what, void* p)
{
    fprintf(STDERR_FILENO, "malloc: %s %p\n", what, p);
    abort();
}

} // namespace

void* malloc(size_t size)
{
    size_t need = block_size_for(size);
    if (need == 0)
        return nullptr;
    for (int attempt = 0; attempt < 2; attempt++) {
        Block* prev = nullptr;
        for (Block* b = g_free_list; b; prev = b, b = b->next) {
            if (b->size < need)
                continue;
            Block* rest = b->next;
            if (b->size - need >= MIN_SPLIT) {
                auto* tail = reinterpret_cast<Block*>(reinterpret_cast<char*>(b) + need);
                tail->size = b->size - need;
                tail->next = b->next;
                b->size = need;
                rest = tail;
            }
            if (prev)
                prev->next = rest;
            else
                g_free_list = rest;
            mark_in_use(b);
            return reinterpret_cast<char*>(b) + HEADER;
        }
        if (attempt == 0 && !grow_heap(need))
            return nullptr;
    }
    return nullptr;
}

void free(void* p)
{
    if (!p)
        return;
    if (uintptr_t(p) & (ALIGN - 1))
        corrupt("free of a pointer malloc did not return:", p);
    Block* b = header_of(p);
    if (!in_use(b))
        corrupt("double free or corrupted block at", p);
    insert_free(b);
}

void* calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return nullptr;
    void* p = malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void* realloc(void* p, size_t size)
{
    if (!p)
        return malloc(size);
    if (size == 0) {
        free(p);
        return nullptr;
    }
    Block* b = header_of(p);
    if (!in_use(b))
        corrupt("realloc of a free or corrupted block at", p);
    size_t need = block_size_for(size);
    if (need == 0)
        return nullptr;
    if (b->size >= need)
        return p;
    void* q = malloc(size);
    if (!q)
        return nullptr;
    memcpy(q, p, b->size - HEADER);
    free(p);
    return q;
}
