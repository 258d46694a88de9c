/*
 * A reader for flattened device trees (the DTB format of the Devicetree
 * Specification, chapter 5).
 *
 * The blob is never trusted: every offset and length is checked against the
 * header's totalsize, so a corrupt tree yields an error or a missing
 * property, never an out-of-bounds read. Nodes are named by the offset of
 * their FDT_BEGIN_NODE token in the structure block.
 */
#pragma once

#include "../lib/result.h"
#include "../lib/string_view.h"

class Fdt {
public:
    struct Node {
        u32 offset = 0;
    };

    // Checks the header of the blob at `blob`, which has at most max_size
    // readable bytes.
    static Result<Fdt> from_blob(const void* blob, size_t max_size);
    Fdt() = default;

    size_t total_size() const { return m_total_size; }
    Node root() const { return Node{0}; }

    StringView name(Node node) const;
    bool first_child(Node node, Node* child) const;
    bool next_sibling(Node node, Node* sibling) const;

    // Looks up a property of `node`; returns false if it is absent.
    bool property(Node node, StringView name, Span<const u8>* value) const;
    // A property's first 32-bit cell, or `fallback` if absent or short.
    u32 property_u32(Node node, StringView name, u32 fallback) const;
    // A string property (NUL-terminated inside the blob), or an empty view.
    StringView property_string(Node node, StringView name) const;
    // True if the node's "compatible" list contains `compat`.
    bool is_compatible(Node node, StringView compat) const;
    // True unless the node has a status other than "okay"/"ok".
    bool is_enabled(Node node) const;
    // Finds the node at an absolute path such as "/chosen" or "/soc/serial@10000000".
    bool find_path(StringView path, Node* out) const;
    // Finds the node whose "phandle" equals `phandle`.
    bool find_phandle(u32 phandle, Node* out) const;

    // Memory reservation block entries (the /memreserve/ lines of a .dts).
    size_t reservation_count() const;
    bool reservation(size_t index, u64* base, u64* size) const;

    static u32 be32(const u8* p) { return u32(p[0]) << 24 | u32(p[1]) << 16 | u32(p[2]) << 8 | u32(p[3]); }
    static u64 be64(const u8* p) { return u64(be32(p)) << 32 | be32(p + 4); }
    // Reads `cells` (1 or 2) big-endian cells at p as one number.
    static u64 read_cells(const u8* p, u32 cells) { return cells == 2 ? be64(p) : be32(p); }

private:
    Fdt(const u8* blob, u32 total, u32 struct_off, u32 struct_size, u32 strings_off, u32 strings_size,
        u32 rsv_off)
        : m_blob(blob), m_total_size(total), m_struct(blob + struct_off), m_struct_size(struct_size),
          m_strings(blob + strings_off), m_strings_size(strings_size), m_rsvmap_offset(rsv_off)
    {
    }

    bool token_at(u32 offset, u32* token) const;
    // Offset just past the FDT_BEGIN_NODE token and its name, or 0 if malformed.
    u32 after_node_name(u32 offset) const;
    // Skips a whole node (with its subtree); returns the offset after its
    // FDT_END_NODE, or 0 if malformed.
    u32 skip_node(u32 offset) const;
    // Skips NOP tokens and properties starting at offset.
    u32 skip_properties(u32 offset) const;
    StringView string_at(u32 offset) const;

    const u8* m_blob = nullptr;
    u32 m_total_size = 0;
    const u8* m_struct = nullptr;
    u32 m_struct_size = 0;
    const u8* m_strings = nullptr;
    u32 m_strings_size = 0;
    u32 m_rsvmap_offset = 0;
};
