/*
 * Helpers shared by the shared-memory system calls: the region name every
 * call takes as its first argument, mapping and unmapping views, and
 * finding the region a process addresses by name.
 */
#pragma once

#include "../lib/result.h"
#include "../lib/string_view.h"
#include "../uapi/shm.h"
#include "shared_region.h"

struct AddressSpace;

// How a name longer than SHM_NAME_MAX is reported: the original interface
// calls it ERR_INVAL, the handle interface ERR_NAMETOOLONG.
enum class NameTooLong { IsInvalid, IsTooLong };

class ShmName {
public:
    // Reads the name at user address user_name: ERR_FAULT for a bad
    // pointer, ERR_INVAL for an empty name, and the code `mode` asks for
    // when it is too long. It fills the name where it is: a name is 136
    // bytes, and returning one by value cost each call several copies.
    Result<void> read_from_user(u64 user_name, NameTooLong mode);
    StringView view() const { return StringView(m_name, m_length); }

private:
    char m_name[SHM_NAME_MAX + 1]; // filled by read_from_user up to its NUL
    size_t m_length = 0;
};

// Maps [offset, offset+length) of r into the current process (fixed at
// `address` if fixed, else where the kernel chooses); returns the address.
// The view takes its own reference on r.
Result<u64> map_region_view(SharedRegion* r, u64 offset, u64 length, u32 prot, bool shared, u32 max_prot,
                            u64 address, bool fixed);
// Unmaps the view containing address, if any.
void unmap_view_at(AddressSpace* as, u64 address);
// The region named `name` of which the current process has a view, with a
// transient reference: the live one if it is viewed, else an unlinked one
// the process still maps. ERR_NOTEXIST otherwise.
Result<RegionRef> find_viewed_region(StringView name);
