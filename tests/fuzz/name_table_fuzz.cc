/*
 * libFuzzer target: the shared-memory name table (kernel/shm/name_table.cc)
 * against a simple model. The input is a program: each operation is an op
 * byte, a length byte and that many name bytes; names are 1..127 bytes of
 * anything but NUL (as the system calls deliver them). After every step
 * the table must agree with the model: find finds exactly the live names,
 * insert refuses a live name (ERR_EXIST) and a full table (ERR_NOMEM),
 * size() counts, and for_each visits each live entry once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <string>

#include "kernel/shm/name_table.h"

namespace {
constexpr u32 CAPACITY = 48;

void require(bool ok)
{
    if (!ok)
        __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    NameTable table;
    u32 capacity = size ? 1 + data[0] % CAPACITY : CAPACITY;
    require(table.init(capacity).ok());
    std::map<std::string, NameEntry*> model;
    size_t at = size ? 1 : 0;
    while (at + 2 <= size) {
        uint8_t op = data[at++] % 4;
        size_t len = 1 + data[at++] % SHM_NAME_MAX;
        if (len > size - at)
            len = size - at;
        if (len == 0)
            break;
        std::string name(reinterpret_cast<const char*>(data + at), len);
        at += len;
        for (char& ch : name)
            if (ch == 0)
                ch = 1;
        StringView view(name.data(), name.size());
        NameEntry* found = table.find(view);
        auto it = model.find(name);
        require((found != nullptr) == (it != model.end()));
        if (found)
            require(found == it->second && found->view() == view);
        if (op == 0 || op == 1) {
            auto* e = new NameEntry;
            NameTable::name_entry(e, view);
            require(e->length == len && memcmp(e->name, name.data(), len) == 0 && e->name[len] == 0);
            auto r = table.insert(e);
            if (it != model.end()) {
                require(r.is_error() && r.error_code() == ERR_EXIST);
                delete e;
            } else if (model.size() >= capacity) {
                require(r.is_error() && r.error_code() == ERR_NOMEM);
                delete e;
            } else {
                require(r.ok());
                model[name] = e;
            }
        } else if (op == 2 && found) {
            table.remove(found);
            table.remove(found); // a second remove of an unlinked entry does nothing
            model.erase(it);
            delete found;
        }
        require(table.size() == model.size());
    }
    size_t visited = 0;
    table.for_each([&](NameEntry* e) {
        visited++;
        auto it = model.find(std::string(e->name, e->length));
        require(it != model.end() && it->second == e);
        return true;
    });
    require(visited == model.size());
    for (auto& [name, e] : model) {
        table.remove(e);
        delete e;
    }
    require(table.size() == 0);
    table.release();
    return 0;
}
