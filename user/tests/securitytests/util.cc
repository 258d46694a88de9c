/*
 * securitytests: regions made by another process, read-only views, and
 * the addresses no call may use.
 */
#include "cases.h"

const uintptr_t k_kernel_addresses[] = {
    stress::KERNEL_DIRECT_MAP,          // the direct map's first page
    stress::KERNEL_RAM,                 // the kernel's own RAM, through the direct map
    stress::KERNEL_RAM + 0x10000 + 8,   // ... unaligned
    stress::KERNEL_IMAGE,               // the kernel image's mapping
    stress::KERNEL_IMAGE + 0x1234,
    0xfffffffffffff000,                 // the last page
    0xffffffffffffffff - 7,             // the last bytes: a range wraps to 0
    0xffffffffffffffff,                 // the last byte: any range wraps (read once took it as length 0)
    stress::USER_END - 8,               // the last user bytes: a range runs past the end
    stress::USER_END,                   // the first non-user address
    stress::NONCANONICAL,               // no address at all in Sv39
    0x8000000000000000,
};
const int k_kernel_address_count = sizeof k_kernel_addresses / sizeof k_kernel_addresses[0];

namespace {
struct MakeArgs {
    const char* name;
    size_t pages;
    char fill;
    unsigned ceiling;
};
MakeArgs g_make;
} // namespace

void make_foreign_region(const char* name, size_t pages, char fill, unsigned ceiling)
{
    g_make = MakeArgs{name, pages, fill, ceiling};
    int status = test_fork(
        [](void*) {
            int fd = shm_open(g_make.name, O_RDWR | O_CREAT | O_EXCL | SHM_PERSIST, g_make.pages * PAGE,
                              g_make.ceiling, nullptr);
            require(fd >= 0, "shm_open(%s): %s", g_make.name, errname(fd));
            char* p = static_cast<char*>(mmap(nullptr, g_make.pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
            require(!mmap_failed(p), "mmap");
            memset(p, g_make.fill, g_make.pages * PAGE);
        },
        nullptr);
    require(status == 0, "making region %s: status %#x", name, status);
}

char* readonly_view(const char* name, size_t pages, int* fd)
{
    *fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    require(*fd >= 0, "shm_open(%s, O_RDONLY): %s", name, errname(*fd));
    char* p = static_cast<char*>(mmap(nullptr, pages * PAGE, PROT_READ, MAP_SHARED, *fd, 0));
    require(!mmap_failed(p), "mmap read-only: %s", errname(int(intptr_t(p))));
    return p;
}

bool region_unchanged(const char* name, size_t bytes, char fill)
{
    int fd = shm_open(name, O_RDONLY, 0, 0, nullptr);
    if (fd < 0)
        return false;
    size_t len = (bytes + PAGE - 1) / PAGE * PAGE;
    const char* p = static_cast<const char*>(mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0));
    bool same = !mmap_failed(p);
    for (size_t i = 0; same && i < bytes; i++)
        same = p[i] == fill;
    if (!mmap_failed(p))
        munmap(const_cast<char*>(p), len);
    close(fd);
    return same;
}

namespace {
void call_plain(void* fn) { reinterpret_cast<void (*)()>(fn)(); }
} // namespace

int in_child(void (*fn)()) { return test_fork(call_plain, reinterpret_cast<void*>(fn)); }
