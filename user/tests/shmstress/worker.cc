/*
 * shmstress: a worker. It keeps a few views and handles of the regions
 * named stress.0 .. stress.N-1 and, until the deadline, does random things
 * to them: create (both interfaces), open, map (whole, at offsets, shared,
 * read-only, private), write slots and verify everyone's slots under the
 * region's lock, unmap (whole or in part), close, destroy, unlink, resize,
 * fork a child that works on the inherited views, hold a lock for a while,
 * and now and then leave: tidily, abruptly, or in the middle of a write
 * with the lock held.
 *
 * Every system call result is checked against what the interface allows in
 * that situation; anything else is an "unexpected" error. Everything read
 * under a lock is checked against the slot rules of shmstress.h; anything
 * wrong there is an "integrity" error.
 *
 * Locking the right region: the region lock is taken by name, and a name
 * may by now belong to a newer region than the view being checked. The
 * kernel resolves the name to the live region if the process has a view of
 * it, else to an unlinked region the process still maps. So a worker takes
 * the region lock for a view only when every view it has of that name
 * belongs to the same region incarnation (generation); otherwise it skips.
 * Mutex-guarded regions are locked through a writable view of their own
 * header page, which cannot be confused.
 *
 * Destroy waits for every other process's views to go, so a worker drops
 * all of its own views first: a destroyer never holds a view another
 * destroyer waits for, and nobody waits for a destroyer, so no cycle of
 * waits can form.
 */
#include "shmstress.h"

namespace shmstress {
namespace {

using stress::Rng;

enum ViewKind : uint8_t { V_SHARED_RW, V_SHARED_RO, V_PRIVATE };
enum ViewVia : uint8_t { VIA_MAPPING, VIA_MMAP };

struct View {
    bool used;
    ViewKind kind;
    ViewVia via;
    uint8_t name;
    uint32_t pages;
    uint32_t offset; // in pages
    char* addr;
    uint64_t gen;    // region incarnation, 0 until known
};

struct Handle {
    bool used;
    bool writable;
    uint8_t name;
    int fd;
};

constexpr int MAX_VIEWS = 8;
constexpr int MAX_HANDLES = 6;
constexpr int MAX_ANCESTORS = 8;

enum Op {
    OP_CREATE_ORIGINAL,
    OP_CREATE_HANDLE,
    OP_OPEN,
    OP_MAP_ORIGINAL,
    OP_MAP_HANDLE,
    OP_WRITE,
    OP_PRIVATE_WRITE,
    OP_VERIFY,
    OP_UNMAP,
    OP_CLOSE,
    OP_DESTROY,
    OP_UNLINK,
    OP_TRUNCATE,
    OP_FORK,
    OP_LOCK_HOLD,
    OP_LEAVE,
    OP_DIE_HOLDING,
    OP_COUNT
};

// Relative weights of the operations (a worker's lifetime is some
// hundreds of operations; a forked child draws from the same table minus
// the ones it may not do).
constexpr unsigned g_weights[OP_COUNT] = {
    5,  // create original
    5,  // create handle
    6,  // open
    8,  // map original
    10, // map handle
    18, // write
    5,  // private write
    18, // verify
    8,  // unmap
    4,  // close
    2,  // destroy
    2,  // unlink
    3,  // truncate
    2,  // fork
    3,  // lock and hold
    1,  // leave
    1,  // die holding the lock (out of 1000: see pick_op)
};

struct Worker {
    int index;
    uint32_t incarnation;
    int pid;
    Rng rng;
    uint64_t seq;
    bool is_child;
    int ancestors[MAX_ANCESTORS]; // pids whose private writes we may inherit
    int ancestor_count;
    View views[MAX_VIEWS];
    Handle handles[MAX_HANDLES];
};

Worker w;

const char* name_of(int n)
{
    static char names[NAME_COUNT][16];
    if (!names[n][0])
        region_name(n, names[n], sizeof names[n]);
    return names[n];
}

// An expected refusal (EXIST, NOTEXIST, BUSY, ...) or a real surprise.
// `a`, `b`, `c`: the refusals allowed here (1, never an error code, for none).
bool expect(long r, const char* what, int n, int a = 1, int b = 1, int c = 1)
{
    if (r >= 0)
        return true;
    if (r == a || r == b || r == c) {
        count(C_REFUSED);
        return false;
    }
    unexpected_error("%s(%s): %s", what, n >= 0 ? name_of(n) : "-", errname(int(r)));
    return false;
}

// ---- views and handles -------------------------------------------------------

View* free_view()
{
    for (View& v : w.views)
        if (!v.used)
            return &v;
    return nullptr;
}

Handle* free_handle()
{
    for (Handle& h : w.handles)
        if (!h.used)
            return &h;
    return nullptr;
}

template <typename T, size_t N> T* random_used(T (&items)[N])
{
    int count = 0;
    for (T& t : items)
        count += t.used;
    if (!count)
        return nullptr;
    int k = int(w.rng.below(uint64_t(count)));
    for (T& t : items)
        if (t.used && k-- == 0)
            return &t;
    return nullptr;
}

Header* header_of(View& v) { return v.offset == 0 ? reinterpret_cast<Header*>(v.addr) : nullptr; }
Slot* slot_of(View& v, uint32_t i) { return reinterpret_cast<Slot*>(v.addr + size_t(i) * PAGE); }

uint64_t view_gen(View& v)
{
    if (v.gen == 0) {
        if (Header* h = header_of(v)) {
            if (stress::atomic_load(&h->magic) == MAGIC_READY)
                v.gen = h->gen;
        }
    }
    return v.gen;
}

// Initialises the header of a new region through a writable view of page 0.
void maybe_init_header(View& v)
{
    Header* h = header_of(v);
    if (!h || v.kind != V_SHARED_RW || stress::atomic_load(&h->magic) != 0)
        return;
    if (!stress::atomic_cas(&h->magic, 0u, MAGIC_BUSY))
        return;
    h->gen = stress::atomic_add(&g_ctl->next_gen, uint64_t(1)) + 1;
    h->lock_kind = w.rng.chance(50) ? LOCK_MUTEX : LOCK_REGION;
    mutex_init(&h->mutex);
    h->writes = 0;
    h->repairs = 0;
    stress::atomic_store(&h->magic, MAGIC_READY);
}

// The length of the caller's mapping that starts at addr (createMapping
// does not say how big the region is).
uint32_t mapping_pages(char* addr)
{
    static struct map_info maps[64];
    int n = shm_maps(0, maps, 64);
    for (int i = 0; i < n; i++)
        if (maps[i].start == uintptr_t(addr))
            return uint32_t((maps[i].end - maps[i].start) / PAGE);
    unexpected_error("shm_maps does not show the view at %p", addr);
    return 0;
}

void forget_view(View& v) { v.used = false; }

void unmap_view(View& v, bool prefer_destroy)
{
    int r;
    if (v.via == VIA_MAPPING || prefer_destroy) {
        // Any address inside the view names it.
        char* inner = v.addr + w.rng.below(uint64_t(v.pages) * PAGE);
        r = destroyMapping(name_of(v.name), inner);
        expect(r, "destroyMapping", v.name);
    } else {
        r = munmap(v.addr, size_t(v.pages) * PAGE);
        expect(r, "munmap", v.name);
    }
    count(C_UNMAP);
    forget_view(v);
}

void unmap_all()
{
    for (View& v : w.views)
        if (v.used)
            unmap_view(v, w.rng.chance(50));
}

void close_all()
{
    for (Handle& h : w.handles) {
        if (h.used) {
            expect(close(h.fd), "close", h.name);
            h.used = false;
        }
    }
}

// ---- locks -----------------------------------------------------------------------

struct Held {
    LockKind kind;
    int name;
    uint64_t gen;
    Header* header; // a writable header of the region (mutex kind), or any header, or nullptr
};

// A view of region (name, gen) that shows its header; writable if asked.
View* header_view(int name, uint64_t gen, bool writable)
{
    for (View& v : w.views) {
        if (!v.used || v.name != name || v.offset != 0 || view_gen(v) != gen)
            continue;
        if (writable && v.kind != V_SHARED_RW)
            continue;
        if (v.kind == V_PRIVATE && writable)
            continue;
        return &v;
    }
    return nullptr;
}

// Clears torn slots (WRITING, left by a writer that died holding the lock)
// in every writable view of the region, after taking a lock from a dead
// owner. Torn slots outside our views are cleared by whoever sees them.
void repair(const Held& held)
{
    for (View& v : w.views) {
        if (!v.used || v.kind != V_SHARED_RW || v.name != held.name || view_gen(v) != held.gen)
            continue;
        for (uint32_t i = 0; i < v.pages; i++) {
            if (v.offset + i == 0)
                continue;
            Slot* s = slot_of(v, i);
            if (s->state != SLOT_WRITING)
                continue;
            if (!writer_gone(int(s->pid))) {
                integrity_error("%s gen %lu page %u: torn by pid %u, which is alive", name_of(v.name),
                                (unsigned long)held.gen, v.offset + i, s->pid);
                continue;
            }
            s->state = SLOT_EMPTY;
            count(C_REPAIRED);
            if (held.header && v.kind == V_SHARED_RW)
                held.header->repairs++;
        }
    }
}

// Takes the lock that guards view v's region; false if that cannot be
// done safely now (see the top of the file) or failed.
bool lock_view(View& v, Held* held)
{
    uint64_t gen = view_gen(v);
    if (!gen) {
        count(C_SKIPPED);
        return false;
    }
    View* hv = header_view(v.name, gen, false);
    if (!hv) {
        count(C_SKIPPED);
        return false;
    }
    Header* h = header_of(*hv);
    held->name = v.name;
    held->gen = gen;
    held->kind = LockKind(h->lock_kind);
    if (held->kind == LOCK_MUTEX) {
        View* rw = header_view(v.name, gen, true);
        if (!rw) {
            count(C_SKIPPED);
            return false;
        }
        held->header = header_of(*rw);
        int r = mutex_lock(&held->header->mutex);
        count(C_LOCKS);
        if (r == ERR_OWNERDEAD) {
            count(C_OWNERDEAD);
            repair(*held);
            r = mutex_consistent(&held->header->mutex);
            expect(r, "mutex_consistent", v.name);
            return true;
        }
        return expect(r, "mutex_lock", v.name);
    }
    // The region lock, by name: only if the name cannot mean another
    // incarnation for us.
    for (View& o : w.views) {
        if (o.used && o.name == v.name && view_gen(o) != gen) {
            count(C_SKIPPED);
            return false;
        }
    }
    View* rw = header_view(v.name, gen, true);
    held->header = rw ? header_of(*rw) : nullptr;
    int r = lockSharedRegion(name_of(v.name));
    count(C_LOCKS);
    if (r == ERR_ABANDONED) {
        count(C_ABANDONED);
        repair(*held);
        return true;
    }
    return expect(r, "lockSharedRegion", v.name);
}

void unlock(const Held& held)
{
    if (held.kind == LOCK_MUTEX)
        expect(mutex_unlock(&held.header->mutex), "mutex_unlock", held.name);
    else
        expect(unlockSharedRegion(name_of(held.name)), "unlockSharedRegion", held.name);
}

bool is_ancestor_or_self(uint32_t pid)
{
    if (int(pid) == w.pid)
        return true;
    for (int i = 0; i < w.ancestor_count; i++)
        if (w.ancestors[i] == int(pid))
            return true;
    return false;
}

// Checks page i of view v; the caller holds the region's lock.
void check_page(View& v, uint32_t i, uint64_t gen)
{
    uint32_t page = v.offset + i;
    const char* name = name_of(v.name);
    if (page == 0) {
        Header* h = header_of(v);
        if (h->magic != MAGIC_READY || h->gen != gen)
            integrity_error("%s: header changed under us: magic %x gen %lu, expected gen %lu", name, h->magic,
                            (unsigned long)h->gen, (unsigned long)gen);
        return;
    }
    Slot* s = slot_of(v, i);
    size_t bad = 0;
    switch (s->state) {
    case SLOT_EMPTY:
        return;
    case SLOT_WRITING:
        // Torn by a writer that died with the lock: it must really be gone.
        if (!writer_gone(int(s->pid)))
            integrity_error("%s gen %lu page %u: WRITING by live pid %u while we hold the lock", name,
                            (unsigned long)gen, page, s->pid);
        else if (v.kind == V_SHARED_RW)
            s->state = SLOT_EMPTY, count(C_REPAIRED);
        return;
    case SLOT_VALID:
        if (s->gen != gen || s->page != page || !slot_payload_ok(s, &bad))
            integrity_error("%s gen %lu page %u (view +%u, %s): slot of pid %u seq %lu gen %lu page %lu is wrong at "
                            "word %lu",
                            name, (unsigned long)gen, page, i,
                            v.kind == V_PRIVATE ? "private" : v.kind == V_SHARED_RO ? "read-only" : "shared", s->pid,
                            (unsigned long)s->seq, (unsigned long)s->gen, (unsigned long)s->page,
                            (unsigned long)bad);
        return;
    case SLOT_PRIVATE:
        if (v.kind != V_PRIVATE)
            integrity_error("%s gen %lu page %u: a private write of pid %u shows in a shared view", name,
                            (unsigned long)gen, page, s->pid);
        else if (!is_ancestor_or_self(s->pid))
            integrity_error("%s page %u: our private view shows a private write of pid %u", name, page, s->pid);
        else if (s->page != page || !slot_payload_ok(s, &bad))
            integrity_error("%s page %u: private slot of pid %u corrupt at word %lu", name, page, s->pid,
                            (unsigned long)bad);
        return;
    default:
        integrity_error("%s gen %lu page %u: slot state %u", name, (unsigned long)gen, page, s->state);
    }
}

// ---- operations --------------------------------------------------------------------

void op_create_original()
{
    int n = int(w.rng.below(NAME_COUNT));
    if (w.rng.chance(3)) {
        // Size 0 is refused, whatever the name.
        int r = createSharedRegion(name_of(n), 0, 0);
        if (r != ERR_INVAL)
            unexpected_error("createSharedRegion(%s, 0): %s, expected ERR_INVAL", name_of(n), errname(r));
        return;
    }
    size_t size = w.rng.range(1, MAX_REGION_PAGES * PAGE);
    int flags = w.rng.chance(40) ? RS_PERSIST : 0;
    int r = createSharedRegion(name_of(n), size, flags);
    if (expect(r, "createSharedRegion", n, ERR_EXIST, ERR_NOMEM))
        count(C_CREATE);
}

void add_handle(int fd, int n, bool writable)
{
    Handle* h = free_handle();
    h->used = true;
    h->fd = fd;
    h->name = uint8_t(n);
    h->writable = writable;
}

void op_create_handle()
{
    if (!free_handle())
        return;
    int n = int(w.rng.below(NAME_COUNT));
    int oflag = O_RDWR | O_CREAT | (w.rng.chance(30) ? O_EXCL : 0) | (w.rng.chance(40) ? SHM_PERSIST : 0);
    size_t size = w.rng.chance(10) ? 0 : w.rng.range(1, MAX_REGION_PAGES) * PAGE;
    unsigned ceiling = w.rng.chance(20) ? SHM_CEILING_RDONLY : SHM_CEILING_RDWR;
    int created = -1;
    int fd = shm_open(name_of(n), oflag, size, ceiling, &created);
    // Opening an existing region read-write fails if its ceiling is
    // read-only and we did not create it.
    if (!expect(fd, "shm_open(O_CREAT)", n, ERR_NOMEM, ERR_ACCESS, (oflag & O_EXCL) ? ERR_EXIST : 1))
        return;
    if (created != 0 && created != 1)
        unexpected_error("shm_open(%s) stored created=%d", name_of(n), created);
    if ((oflag & O_EXCL) && created != 1)
        unexpected_error("shm_open(%s, O_EXCL) succeeded without creating", name_of(n));
    if (created == 1)
        count(C_CREATE);
    count(C_OPEN);
    add_handle(fd, n, true);
}

void op_open()
{
    if (!free_handle())
        return;
    int n = int(w.rng.below(NAME_COUNT));
    bool writable = w.rng.chance(60);
    int created = -1;
    int fd = shm_open(name_of(n), writable ? O_RDWR : O_RDONLY, 0, 0, &created);
    if (!expect(fd, "shm_open", n, ERR_NOTEXIST, writable ? ERR_ACCESS : 1))
        return;
    if (created != 0)
        unexpected_error("shm_open(%s) without O_CREAT says it created", name_of(n));
    count(C_OPEN);
    add_handle(fd, n, writable);
}

void op_map_original()
{
    View* v = free_view();
    if (!v)
        return;
    int n = int(w.rng.below(NAME_COUNT));
    void* addr = nullptr;
    int r = createMapping(name_of(n), &addr);
    // ERR_INVAL: the region is empty (made by shm_open with size 0, or
    // truncated to 0): there is nothing to map.
    if (!expect(r, "createMapping", n, ERR_NOTEXIST, ERR_ACCESS, ERR_INVAL))
        return;
    uint32_t pages = mapping_pages(static_cast<char*>(addr));
    if (!pages)
        return;
    *v = View{true, V_SHARED_RW, VIA_MAPPING, uint8_t(n), pages, 0, static_cast<char*>(addr), 0};
    count(C_MAP);
    maybe_init_header(*v);
}

void op_map_handle()
{
    View* v = free_view();
    Handle* h = random_used(w.handles);
    if (!v || !h)
        return;
    struct stat st;
    if (!expect(fstat(h->fd, &st), "fstat", h->name))
        return;
    if (st.type != T_SHM)
        unexpected_error("fstat(%s handle): type %d", name_of(h->name), st.type);
    uint32_t size_pages = uint32_t(st.size / PAGE);
    if (size_pages == 0) {
        // Nothing to map: a view of a size-0 region is refused.
        void* p = mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, h->fd, 0);
        if (!mmap_failed(p)) {
            // Someone may have grown it meanwhile; that is fine.
            munmap(p, PAGE);
        } else if (int(intptr_t(p)) != ERR_INVAL) {
            unexpected_error("mmap of an empty %s: %s", name_of(h->name), errname(int(intptr_t(p))));
        }
        count(C_SKIPPED);
        return;
    }
    uint32_t offset = w.rng.chance(50) ? 0 : uint32_t(w.rng.below(size_pages));
    uint32_t pages = uint32_t(w.rng.range(1, size_pages - offset));
    ViewKind kind;
    if (h->writable)
        kind = ViewKind(w.rng.below(3));
    else
        kind = w.rng.chance(50) ? V_SHARED_RO : V_PRIVATE;
    if (!h->writable && w.rng.chance(10)) {
        // A read-only handle never gives a writable shared view.
        void* p = mmap(nullptr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd, 0);
        if (!mmap_failed(p)) {
            unexpected_error("a read-only handle of %s gave a writable shared view", name_of(h->name));
            munmap(p, PAGE);
        } else if (int(intptr_t(p)) != ERR_ACCESS) {
            unexpected_error("writable view of a read-only handle of %s: %s, expected ERR_ACCESS",
                             name_of(h->name), errname(int(intptr_t(p))));
        }
    }
    int prot = kind == V_SHARED_RO ? PROT_READ : PROT_READ | PROT_WRITE;
    int flags = kind == V_PRIVATE ? MAP_PRIVATE : MAP_SHARED;
    void* p = mmap(nullptr, size_t(pages) * PAGE, prot, flags, h->fd, long(offset) * long(PAGE));
    if (mmap_failed(p)) {
        // The region may have shrunk since fstat.
        expect(long(intptr_t(p)), "mmap", h->name, ERR_INVAL);
        return;
    }
    *v = View{true, kind, VIA_MMAP, h->name, pages, offset, static_cast<char*>(p), 0};
    count(C_MAP);
    if (offset == 0) {
        maybe_init_header(*v);
        return;
    }
    // Learn which incarnation this view shows from its header page,
    // through the same handle (which pins the incarnation).
    void* head = mmap(nullptr, PAGE, PROT_READ, MAP_SHARED, h->fd, 0);
    if (mmap_failed(head)) {
        unexpected_error("mmap of the header of %s: %s", name_of(h->name), errname(int(intptr_t(head))));
        return;
    }
    const Header* hd = static_cast<const Header*>(head);
    if (stress::atomic_load(&hd->magic) == MAGIC_READY)
        v->gen = hd->gen;
    expect(munmap(head, PAGE), "munmap", h->name);
}

void op_write()
{
    View* v = random_used(w.views);
    if (!v || v->kind != V_SHARED_RW || (v->pages == 1 && v->offset == 0))
        return;
    maybe_init_header(*v);
    Held held;
    if (!lock_view(*v, &held))
        return;
    uint32_t i = uint32_t(w.rng.below(v->pages));
    if (v->offset + i == 0)
        i = 1;
    write_slot(slot_of(*v, i), SLOT_VALID, uint32_t(w.pid), ++w.seq, held.gen, v->offset + i);
    if (held.header)
        held.header->writes++;
    count(C_WRITE);
    // Read it back while we still hold the lock.
    check_page(*v, i, held.gen);
    unlock(held);
}

void op_private_write()
{
    View* v = random_used(w.views);
    if (!v || v->kind != V_PRIVATE || (v->pages == 1 && v->offset == 0))
        return;
    uint32_t i = uint32_t(w.rng.below(v->pages));
    if (v->offset + i == 0)
        i = 1;
    Slot* s = slot_of(*v, i);
    write_slot(s, SLOT_PRIVATE, uint32_t(w.pid), ++w.seq, view_gen(*v), v->offset + i);
    size_t bad;
    if (s->state != SLOT_PRIVATE || int(s->pid) != w.pid || !slot_payload_ok(s, &bad))
        integrity_error("%s page %u: private write did not read back", name_of(v->name), v->offset + i);
    count(C_PRIVATE_WRITE);
}

void op_verify()
{
    View* v = random_used(w.views);
    if (!v)
        return;
    Held held;
    if (!lock_view(*v, &held))
        return;
    // Whole views when small, else a sample.
    uint32_t n = v->pages <= 8 ? v->pages : 8;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = v->pages <= 8 ? k : uint32_t(w.rng.below(v->pages));
        check_page(*v, i, held.gen);
    }
    count(C_VERIFY);
    count(C_PAGES_VERIFIED, n);
    unlock(held);
}

void op_unmap()
{
    View* v = random_used(w.views);
    if (!v)
        return;
    if (v->via == VIA_MMAP && v->pages > 1 && w.rng.chance(30)) {
        // Cut one page off either end: the rest stays a working view.
        bool front = w.rng.chance(50);
        char* at = front ? v->addr : v->addr + size_t(v->pages - 1) * PAGE;
        if (!expect(munmap(at, PAGE), "munmap (part)", v->name))
            return;
        if (front) {
            v->addr += PAGE;
            v->offset++;
        }
        v->pages--;
        count(C_UNMAP);
        return;
    }
    unmap_view(*v, w.rng.chance(20));
}

void op_close()
{
    Handle* h = random_used(w.handles);
    if (!h)
        return;
    expect(close(h->fd), "close", h->name);
    h->used = false;
    count(C_CLOSE);
}

void op_destroy()
{
    int n = int(w.rng.below(NAME_COUNT));
    unmap_all(); // see the top of the file
    int r = destroySharedRegion(name_of(n));
    if (expect(r, "destroySharedRegion", n, ERR_NOTEXIST))
        count(C_DESTROY);
}

void op_unlink()
{
    int n = int(w.rng.below(NAME_COUNT));
    if (expect(shm_unlink(name_of(n)), "shm_unlink", n, ERR_NOTEXIST))
        count(C_UNLINK);
}

void op_truncate()
{
    Handle* h = random_used(w.handles);
    if (!h || !h->writable)
        return;
    size_t size = w.rng.chance(10) ? 0 : w.rng.range(1, MAX_REGION_PAGES) * PAGE;
    int r = ftruncate(h->fd, size);
    // Shrinking under a view is refused; growing may exceed the quota.
    if (expect(r, "ftruncate", h->name, ERR_BUSY, ERR_NOMEM))
        count(C_TRUNCATE);
}

void op_lock_hold()
{
    View* v = random_used(w.views);
    if (!v)
        return;
    Held held;
    if (!lock_view(*v, &held))
        return;
    sleep(unsigned(w.rng.range(1, 5)));
    unlock(held);
}

[[noreturn]] void leave(bool tidy)
{
    if (tidy) {
        unmap_all();
        close_all();
    }
    if (!w.is_child) {
        stress::atomic_store(&g_ctl->slots[w.index].leaving, 1u);
        count(C_EXITS);
    }
    exit(0);
}

// Takes a region's lock, starts writing a slot, and exits mid-write: the
// next owner must learn that the lock was abandoned (or the mutex's owner
// died) and find the torn slot.
void op_die_holding()
{
    View* v = random_used(w.views);
    if (!v || v->kind != V_SHARED_RW || (v->pages == 1 && v->offset == 0))
        return;
    Held held;
    if (!lock_view(*v, &held))
        return;
    uint32_t i = v->offset == 0 ? 1 : 0;
    Slot* s = slot_of(*v, i);
    s->state = SLOT_WRITING;
    s->pid = uint32_t(w.pid);
    s->seq = ++w.seq;
    for (size_t j = 0; j < PAYLOAD_WORDS / 2; j++)
        s->payload[j] = ~0ull;
    if (!w.is_child)
        count(C_DIED_HOLDING);
    leave(false);
}

void run_op(int op);

Op pick_op(bool child)
{
    for (;;) {
        unsigned total = 0;
        for (unsigned x : g_weights)
            total += x;
        unsigned k = unsigned(w.rng.below(total));
        int op = 0;
        while (k >= g_weights[op])
            k -= g_weights[op++];
        if (child && (op == OP_FORK || op == OP_DESTROY || op == OP_LEAVE))
            continue;
        // Leaving is rarer than its weight of 1 suggests.
        if ((op == OP_LEAVE || op == OP_DIE_HOLDING) && !w.rng.chance(20))
            continue;
        return Op(op);
    }
}

void op_fork()
{
    int parent = w.pid;
    int pid = fork();
    if (pid < 0) {
        expect(pid, "fork", -1, ERR_NORES, ERR_NOMEM);
        return;
    }
    if (pid == 0) {
        // The child works on what it inherited (views, handles) for a
        // while, then exits, dropping all of it.
        w.is_child = true;
        w.pid = getpid();
        if (w.ancestor_count < MAX_ANCESTORS)
            w.ancestors[w.ancestor_count++] = parent;
        w.rng = Rng::stream(w.rng.next(), uint64_t(w.pid));
        int ops = int(w.rng.range(1, 12));
        for (int k = 0; k < ops && stress::now_ms() < g_ctl->deadline_ms && !g_ctl->stop; k++)
            run_op(pick_op(true));
        leave(w.rng.chance(50));
    }
    count(C_FORK);
    int status = stress::reap(pid);
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        stress::atomic_add(&g_ctl->crashes, 1u);
        printf("shmstress: crash: worker %d's child %d ended with status %#x\n", w.index, pid, status);
        if (stress::atomic_load(&g_ctl->crashes) == 1)
            snprintf(g_ctl->first_crash, sizeof g_ctl->first_crash, "child %d of worker pid %d: status %#x", pid,
                     w.pid, status);
    }
}

void run_op(int op)
{
    if (!w.is_child) {
        g_ctl->slots[w.index].last_op = uint32_t(op);
        stress::atomic_add(&g_ctl->slots[w.index].ops, uint64_t(1));
    }
    count(C_OPS);
    switch (op) {
    case OP_CREATE_ORIGINAL: op_create_original(); break;
    case OP_CREATE_HANDLE: op_create_handle(); break;
    case OP_OPEN: op_open(); break;
    case OP_MAP_ORIGINAL: op_map_original(); break;
    case OP_MAP_HANDLE: op_map_handle(); break;
    case OP_WRITE: op_write(); break;
    case OP_PRIVATE_WRITE: op_private_write(); break;
    case OP_VERIFY: op_verify(); break;
    case OP_UNMAP: op_unmap(); break;
    case OP_CLOSE: op_close(); break;
    case OP_DESTROY: op_destroy(); break;
    case OP_UNLINK: op_unlink(); break;
    case OP_TRUNCATE: op_truncate(); break;
    case OP_FORK: op_fork(); break;
    case OP_LOCK_HOLD: op_lock_hold(); break;
    case OP_LEAVE: leave(w.rng.chance(50)); break;
    case OP_DIE_HOLDING: op_die_holding(); break;
    default: break;
    }
}

} // namespace

void worker_main(int index, uint32_t incarnation)
{
    memset(&w, 0, sizeof w);
    w.index = index;
    w.incarnation = incarnation;
    w.pid = getpid();
    w.rng = Rng::stream(g_ctl->seed, uint64_t(index) * 100003 + incarnation);
    while (stress::now_ms() < g_ctl->deadline_ms && !stress::atomic_load(&g_ctl->stop))
        run_op(pick_op(false));
    leave(w.rng.chance(50));
}

} // namespace shmstress
