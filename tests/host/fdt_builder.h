/*
 * FdtBuilder: writes small flattened device trees (DTB, version 17) in
 * memory, for tests that need a tree no board has, or a broken one.
 *
 * Nodes and properties are emitted in call order; finish() lays out the
 * header, the memory reservation block, the structure block and the strings
 * block exactly as the Devicetree Specification (chapter 5) describes, so a
 * test can then corrupt any field it likes with put_be32().
 */
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "kernel/lib/types.h"

class FdtBuilder {
public:
    static constexpr u32 BEGIN_NODE = 1, END_NODE = 2, PROP = 3, NOP = 4, END = 9;
    static constexpr size_t HEADER_SIZE = 40;

    FdtBuilder& begin(const std::string& name)
    {
        token(BEGIN_NODE);
        m_struct.insert(m_struct.end(), name.begin(), name.end());
        m_struct.push_back(0);
        pad();
        return *this;
    }
    FdtBuilder& end()
    {
        token(END_NODE);
        return *this;
    }
    FdtBuilder& nop()
    {
        token(NOP);
        return *this;
    }
    FdtBuilder& prop(const std::string& name, const std::vector<u8>& value)
    {
        token(PROP);
        word(u32(value.size()));
        word(string_offset(name));
        m_struct.insert(m_struct.end(), value.begin(), value.end());
        pad();
        return *this;
    }
    FdtBuilder& prop_empty(const std::string& name) { return prop(name, {}); }
    FdtBuilder& prop_cells(const std::string& name, std::initializer_list<u32> cells)
    {
        return prop_cells(name, std::vector<u32>(cells));
    }
    FdtBuilder& prop_cells(const std::string& name, const std::vector<u32>& cells)
    {
        std::vector<u8> v;
        for (u32 c : cells)
            append_be32(v, c);
        return prop(name, v);
    }
    FdtBuilder& prop_u64(const std::string& name, u64 value)
    {
        return prop_cells(name, {u32(value >> 32), u32(value)});
    }
    FdtBuilder& prop_string(const std::string& name, const std::string& value)
    {
        return prop_strings(name, {value});
    }
    // A string list such as "compatible": each string NUL-terminated.
    FdtBuilder& prop_strings(const std::string& name, std::initializer_list<std::string> values)
    {
        std::vector<u8> v;
        for (const std::string& s : values) {
            v.insert(v.end(), s.begin(), s.end());
            v.push_back(0);
        }
        return prop(name, v);
    }
    FdtBuilder& reserve(u64 base, u64 size)
    {
        m_reserved.push_back({base, size});
        return *this;
    }

    // The finished blob. Does not close nodes left open.
    std::vector<u8> finish() const
    {
        std::vector<u8> rsv;
        for (auto& r : m_reserved) {
            append_be32(rsv, u32(r.first >> 32));
            append_be32(rsv, u32(r.first));
            append_be32(rsv, u32(r.second >> 32));
            append_be32(rsv, u32(r.second));
        }
        rsv.insert(rsv.end(), 16, 0);
        std::vector<u8> structure = m_struct;
        append_be32(structure, END);
        u32 off_rsv = u32(HEADER_SIZE);
        u32 off_struct = off_rsv + u32(rsv.size());
        u32 off_strings = off_struct + u32(structure.size());
        u32 total = off_strings + u32(m_strings.size());
        std::vector<u8> blob(HEADER_SIZE);
        put_be32(blob, 0, 0xd00dfeed);
        put_be32(blob, 4, total);
        put_be32(blob, 8, off_struct);
        put_be32(blob, 12, off_strings);
        put_be32(blob, 16, off_rsv);
        put_be32(blob, 20, 17);
        put_be32(blob, 24, 16);
        put_be32(blob, 28, 0);
        put_be32(blob, 32, u32(m_strings.size()));
        put_be32(blob, 36, u32(structure.size()));
        blob.insert(blob.end(), rsv.begin(), rsv.end());
        blob.insert(blob.end(), structure.begin(), structure.end());
        blob.insert(blob.end(), m_strings.begin(), m_strings.end());
        return blob;
    }

    static void append_be32(std::vector<u8>& v, u32 x)
    {
        for (int s = 24; s >= 0; s -= 8)
            v.push_back(u8(x >> s));
    }
    static void put_be32(std::vector<u8>& v, size_t off, u32 x)
    {
        for (int i = 0; i < 4; i++)
            v[off + size_t(i)] = u8(x >> (24 - 8 * i));
    }
    static u32 get_be32(const std::vector<u8>& v, size_t off)
    {
        return u32(v[off]) << 24 | u32(v[off + 1]) << 16 | u32(v[off + 2]) << 8 | u32(v[off + 3]);
    }

    // Header fields, by byte offset.
    enum Field : size_t {
        TOTALSIZE = 4,
        OFF_STRUCT = 8,
        OFF_STRINGS = 12,
        OFF_RSVMAP = 16,
        VERSION = 20,
        SIZE_STRINGS = 32,
        SIZE_STRUCT = 36,
    };

private:
    void token(u32 t) { append_be32(m_struct, t); }
    void word(u32 w) { append_be32(m_struct, w); }
    void pad()
    {
        while (m_struct.size() % 4)
            m_struct.push_back(0);
    }
    u32 string_offset(const std::string& name)
    {
        // Reuse an existing entry, as dtc does.
        std::string all(m_strings.begin(), m_strings.end());
        size_t pos = 0;
        while (pos < all.size()) {
            size_t len = all.find('\0', pos) - pos;
            if (all.compare(pos, len, name) == 0 && len == name.size())
                return u32(pos);
            pos += len + 1;
        }
        u32 off = u32(m_strings.size());
        m_strings.insert(m_strings.end(), name.begin(), name.end());
        m_strings.push_back(0);
        return off;
    }

    std::vector<u8> m_struct;
    std::vector<u8> m_strings;
    std::vector<std::pair<u64, u64>> m_reserved;
};
