/*
 * Flattened device tree reader. See fdt.h for the trust model: every read is
 * bounds-checked against the header, and recursion depth is limited so a
 * hostile tree cannot exhaust the stack.
 */
#include "fdt.h"

namespace {
constexpr u32 FDT_MAGIC = 0xd00dfeed;
constexpr u32 FDT_BEGIN_NODE = 1;
constexpr u32 FDT_END_NODE = 2;
constexpr u32 FDT_PROP = 3;
constexpr u32 FDT_NOP = 4;
constexpr u32 FDT_END = 9;
constexpr u32 MAX_DEPTH = 32;

u32 align4(u32 x) { return (x + 3) & ~u32(3); }
} // namespace

Result<Fdt> Fdt::from_blob(const void* blob, size_t max_size)
{
    const u8* b = static_cast<const u8*>(blob);
    if (!b || max_size < 40)
        return Error(ERR_INVAL);
    if (be32(b) != FDT_MAGIC)
        return Error(ERR_INVAL);
    u32 total = be32(b + 4);
    u32 off_struct = be32(b + 8);
    u32 off_strings = be32(b + 12);
    u32 off_rsvmap = be32(b + 16);
    u32 version = be32(b + 20);
    u32 size_strings = be32(b + 32);
    u32 size_struct = be32(b + 36);
    if (total < 40 || total > max_size || version < 17)
        return Error(ERR_INVAL);
    auto inside = [&](u64 off, u64 len) { return off <= total && len <= total - off; };
    if (!inside(off_struct, size_struct) || !inside(off_strings, size_strings) || !inside(off_rsvmap, 16))
        return Error(ERR_INVAL);
    if ((off_struct & 3) || (size_struct & 3) || (off_rsvmap & 7))
        return Error(ERR_INVAL);
    Fdt fdt(b, total, off_struct, size_struct, off_strings, size_strings, off_rsvmap);
    u32 token;
    if (!fdt.token_at(0, &token) || token != FDT_BEGIN_NODE)
        return Error(ERR_INVAL);
    return fdt;
}

bool Fdt::token_at(u32 offset, u32* token) const
{
    if ((offset & 3) || offset > m_struct_size || m_struct_size - offset < 4)
        return false;
    *token = be32(m_struct + offset);
    return true;
}

StringView Fdt::string_at(u32 offset) const
{
    if (offset >= m_strings_size)
        return {};
    const char* s = reinterpret_cast<const char*>(m_strings + offset);
    size_t n = strnlen(s, m_strings_size - offset);
    if (n == m_strings_size - offset)
        return {}; // unterminated
    return StringView(s, n);
}

u32 Fdt::after_node_name(u32 offset) const
{
    u32 token;
    if (!token_at(offset, &token) || token != FDT_BEGIN_NODE)
        return 0;
    u32 name_off = offset + 4;
    const char* name = reinterpret_cast<const char*>(m_struct + name_off);
    size_t n = strnlen(name, m_struct_size - name_off);
    if (n == m_struct_size - name_off)
        return 0;
    return align4(name_off + u32(n) + 1);
}

u32 Fdt::skip_properties(u32 offset) const
{
    for (;;) {
        u32 token;
        if (!token_at(offset, &token))
            return 0;
        if (token == FDT_NOP) {
            offset += 4;
        } else if (token == FDT_PROP) {
            if (m_struct_size - offset < 12)
                return 0;
            u32 len = be32(m_struct + offset + 4);
            u64 next = u64(offset) + 12 + align4(len);
            if (len > m_struct_size || next > m_struct_size)
                return 0;
            offset = u32(next);
        } else {
            return offset;
        }
    }
}

u32 Fdt::skip_node(u32 offset) const
{
    // Iterative walk with an explicit depth counter instead of recursion.
    u32 depth = 0;
    for (;;) {
        u32 token;
        if (!token_at(offset, &token))
            return 0;
        if (token == FDT_BEGIN_NODE) {
            if (++depth > MAX_DEPTH)
                return 0;
            offset = after_node_name(offset);
            if (!offset)
                return 0;
        } else if (token == FDT_END_NODE) {
            offset += 4;
            if (--depth == 0)
                return offset;
        } else if (token == FDT_PROP || token == FDT_NOP) {
            offset = skip_properties(offset);
            if (!offset)
                return 0;
        } else {
            return 0; // FDT_END or garbage inside a node
        }
    }
}

StringView Fdt::name(Node node) const
{
    u32 token;
    if (!token_at(node.offset, &token) || token != FDT_BEGIN_NODE || !after_node_name(node.offset))
        return {};
    const char* s = reinterpret_cast<const char*>(m_struct + node.offset + 4);
    return StringView(s, strlen(s));
}

bool Fdt::first_child(Node node, Node* child) const
{
    u32 off = after_node_name(node.offset);
    if (!off)
        return false;
    off = skip_properties(off);
    u32 token;
    if (!off || !token_at(off, &token) || token != FDT_BEGIN_NODE)
        return false;
    child->offset = off;
    return true;
}

bool Fdt::next_sibling(Node node, Node* sibling) const
{
    u32 off = skip_node(node.offset);
    if (!off)
        return false;
    // NOPs may sit between siblings.
    u32 token;
    while (token_at(off, &token) && token == FDT_NOP)
        off += 4;
    if (!token_at(off, &token) || token != FDT_BEGIN_NODE)
        return false;
    sibling->offset = off;
    return true;
}

bool Fdt::property(Node node, StringView wanted, Span<const u8>* value) const
{
    u32 off = after_node_name(node.offset);
    if (!off)
        return false;
    for (;;) {
        u32 token;
        if (!token_at(off, &token))
            return false;
        if (token == FDT_NOP) {
            off += 4;
            continue;
        }
        if (token != FDT_PROP || m_struct_size - off < 12)
            return false;
        u32 len = be32(m_struct + off + 4);
        u32 name_off = be32(m_struct + off + 8);
        u64 next = u64(off) + 12 + align4(len);
        if (len > m_struct_size || next > m_struct_size)
            return false;
        if (string_at(name_off) == wanted) {
            *value = Span<const u8>(m_struct + off + 12, len);
            return true;
        }
        off = u32(next);
    }
}

u32 Fdt::property_u32(Node node, StringView name, u32 fallback) const
{
    Span<const u8> v;
    if (!property(node, name, &v) || v.size() < 4)
        return fallback;
    return be32(v.data());
}

StringView Fdt::property_string(Node node, StringView name) const
{
    Span<const u8> v;
    if (!property(node, name, &v) || v.size() == 0)
        return {};
    const char* s = reinterpret_cast<const char*>(v.data());
    size_t n = strnlen(s, v.size());
    if (n == v.size())
        return {};
    return StringView(s, n);
}

bool Fdt::is_compatible(Node node, StringView compat) const
{
    Span<const u8> v;
    if (!property(node, "compatible", &v))
        return false;
    // The property is a list of NUL-terminated strings.
    size_t i = 0;
    while (i < v.size()) {
        const char* s = reinterpret_cast<const char*>(v.data() + i);
        size_t n = strnlen(s, v.size() - i);
        if (StringView(s, n) == compat)
            return true;
        i += n + 1;
    }
    return false;
}

bool Fdt::is_enabled(Node node) const
{
    Span<const u8> v;
    if (!property(node, "status", &v))
        return true;
    StringView status = property_string(node, "status");
    return status == "okay" || status == "ok";
}

bool Fdt::find_path(StringView path, Node* out) const
{
    Node node = root();
    size_t pos = 0;
    while (pos < path.length() && path[pos] == '/')
        pos++;
    while (pos < path.length()) {
        size_t end = pos;
        while (end < path.length() && path[end] != '/')
            end++;
        StringView part = path.substring(pos, end - pos);
        Node child;
        bool found = false;
        for (bool ok = first_child(node, &child); ok; ok = next_sibling(child, &child)) {
            StringView n = name(child);
            // "serial" matches "serial@10000000" when the unit address is omitted.
            bool without_unit = part.find('@') < 0 && n.starts_with(part) && n.length() > part.length() &&
                                n[part.length()] == '@';
            if (n == part || without_unit) {
                found = true;
                break;
            }
        }
        if (!found)
            return false;
        node = child;
        pos = end;
        while (pos < path.length() && path[pos] == '/')
            pos++;
    }
    *out = node;
    return true;
}

bool Fdt::find_phandle(u32 phandle, Node* out) const
{
    if (phandle == 0 || phandle == 0xffffffff)
        return false; // not valid phandle values
    // Linear scan of the structure block: trees are small and this is only
    // used while booting.
    u32 off = 0;
    for (;;) {
        u32 token;
        if (!token_at(off, &token))
            return false;
        if (token == FDT_BEGIN_NODE) {
            Node n{off};
            if (property_u32(n, "phandle", 0) == phandle || property_u32(n, "linux,phandle", 0) == phandle) {
                *out = n;
                return true;
            }
            off = after_node_name(off);
            if (!off)
                return false;
        } else if (token == FDT_PROP || token == FDT_NOP) {
            off = skip_properties(off);
            if (!off)
                return false;
        } else if (token == FDT_END_NODE) {
            off += 4;
        } else {
            return false;
        }
    }
}

size_t Fdt::reservation_count() const
{
    size_t n = 0;
    u64 base, size;
    while (reservation(n, &base, &size))
        n++;
    return n;
}

bool Fdt::reservation(size_t index, u64* base, u64* size) const
{
    u64 off = u64(m_rsvmap_offset) + index * 16;
    if (off + 16 > m_total_size)
        return false;
    *base = be64(m_blob + off);
    *size = be64(m_blob + off + 8);
    return *size != 0; // the list ends with a (0, 0) entry
}
