/*
 * exec: replace the current process's program.
 *
 * The new address space is built completely before the old one is touched,
 * so a failing exec returns an error to a process that is still intact.
 * Nothing is read eagerly: each program segment becomes a region backed by
 * the executable's file, and pages are read on first touch.
 *
 * The new stack holds, from the top: the argument strings, then the argv
 * array (argc pointers and a null), 16-byte aligned. The program starts
 * in main(argc, argv).
 */
#include "exec.h"
#include "elf.h"
#include "../lib/kstring.h"
#include "../mm/address_space.h"
#include "../mm/kmalloc.h"
#include "../mm/uaccess.h"
#include "../trap/syscall.h"
#include "../fs/fs_glue.h"
#include "../sync/futex.h"
#include "proc.h"

namespace {

// Builds the new address space for the executable `ip`.
Result<AddressSpace*> build_space(Inode* ip, u64* entry)
{
    u8* head = static_cast<u8*>(kmalloc(PAGE_SIZE));
    if (!head)
        return Error(ERR_NOMEM);
    auto n = fs_read_inode(ip, head, 0, PAGE_SIZE);
    if (n.is_error()) {
        kfree(head);
        return n.error();
    }
    auto parsed = parse_elf(Span<const u8>(head, n.value()), fs_inode_size(ip),
                            ElfLimits{USER_BASE, USER_MMAP_BASE});
    kfree(head);
    ElfImage image = TRY(parsed);

    AddressSpace* as = TRY(AddressSpace::create());
    Result<void> ok;
    {
        SleepLockGuard guard(as->lock());
        for (int i = 0; i < image.segment_count && ok.ok(); i++) {
            const ElfSegment& seg = image.segments[i];
            MemRegion shape;
            shape.prot = seg.prot;
            shape.kind = RegionKind::Program;
            auto file = fs_program_ref(ip); // ERR_TXTBSY if the file is open for writing
            if (file.is_error()) {
                ok = file.error();
                break;
            }
            shape.file = file.value();
            shape.file_offset = seg.file_offset;
            shape.file_bytes = seg.filesz;
            auto r = as->add_region(seg.vaddr, seg.memsz, true, shape);
            if (r.is_error()) {
                fs_program_unref(shape.file);
                ok = r.error();
            }
        }
        if (ok.ok()) {
            MemRegion stack;
            stack.prot = PROT_READ | PROT_WRITE;
            stack.kind = RegionKind::Stack;
            auto r = as->add_region(USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, true, stack);
            if (r.is_error())
                ok = r.error();
        }
    }
    if (ok.is_error()) {
        AddressSpace::destroy(as);
        return ok.error();
    }
    as->heap_start = image.end;
    as->brk = image.end;
    *entry = image.entry;
    return as;
}

// Copies the argument strings and the argv array onto the new stack;
// returns the user address of argv and sets *sp.
Result<u64> push_arguments(AddressSpace* as, const char* const* argv, int argc, u64* sp)
{
    u64 top = USER_STACK_TOP;
    u64 pointers[EXEC_MAX_ARGS + 1];
    for (int i = argc - 1; i >= 0; i--) {
        size_t len = strlen(argv[i]) + 1;
        top -= len;
        TRY(as->write_bytes(top, argv[i], len));
        pointers[i] = top;
    }
    pointers[argc] = 0;
    top = align_down(top, 16);
    top -= (argc + 1) * sizeof(u64);
    top = align_down(top, 16);
    TRY(as->write_bytes(top, pointers, (argc + 1) * sizeof(u64)));
    *sp = top;
    return top;
}

} // namespace

Result<int> exec_image(const char* path, const char* const* argv, int argc)
{
    if (argc < 0 || argc > EXEC_MAX_ARGS)
        return Error(ERR_INVAL);
    Proc* p = current_proc();
    Inode* ip = TRY(fs_open_executable(path));
    u64 entry = 0;
    auto built = build_space(ip, &entry);
    fs_inode_put(ip);
    AddressSpace* as = TRY(built);
    u64 sp = 0;
    auto args = push_arguments(as, argv, argc, &sp);
    if (args.is_error()) {
        AddressSpace::destroy(as);
        return args.error();
    }

    // Point of no return: switch to the new image. Robust mutexes the old
    // image holds die with it, as they would at exit; the list lives in the
    // old address space, which is still the active one here.
    robust_list_release(p);
    as->owner = p;
    AddressSpace* old;
    {
        // Readers of another process's space (shm_maps, procinfo) hold its
        // lock while they pin the space.
        SpinlockGuard guard(p->lock);
        old = p->address_space;
        p->address_space = as;
    }
    {
        InterruptsDisabled no_migration;
        AddressSpace::activate(as, false);
    }
    if (old)
        AddressSpace::destroy(old);
    const char* name = strrchr(path, '/');
    strlcpy(p->name, name ? name + 1 : path, sizeof p->name);
    TrapFrame* frame = p->trap_frame();
    arch::init_user_frame(frame, entry, sp);
    frame->set_program_arguments(u64(argc), args.value());
    // A new program starts with fresh floating-point registers.
    p->fp_state = FpState{};
    p->fp_needs_restore = true;
    return argc; // the system call's result: what main's argc already holds
}

namespace {
// Copies exec's path and argument strings from user memory into `buffer`
// (EXEC_MAX_ARG_BYTES), the path first; fills argv; returns argc.
Result<int> copy_in_arguments(u64 user_path, u64 user_argv, char* buffer, const char** argv)
{
    size_t used = TRY(copy_string_from_user(buffer, user_path, EXEC_MAX_PATH)) + 1;
    for (int argc = 0;; argc++) {
        u64 pointer;
        TRY(get_user(&pointer, user_argv + u64(argc) * 8));
        if (pointer == 0)
            return argc;
        if (argc == EXEC_MAX_ARGS || used >= EXEC_MAX_ARG_BYTES)
            return Error(ERR_INVAL);
        if (current_killed()) // each string may fault pages in: stop at a kill
            return Error(ERR_INTR);
        auto len = copy_string_from_user(buffer + used, pointer, EXEC_MAX_ARG_BYTES - used);
        if (len.is_error())
            return Error(len.error_code() == ERR_NAMETOOLONG ? ERR_INVAL : len.error_code());
        argv[argc] = buffer + used;
        used += len.value() + 1;
    }
}
} // namespace

Result<long> sys_exec(const SyscallArgs& args)
{
    // Path and argument strings are gathered into one kernel buffer.
    char* buffer = static_cast<char*>(kmalloc(EXEC_MAX_ARG_BYTES));
    if (!buffer)
        return Error(ERR_NOMEM);
    const char* argv[EXEC_MAX_ARGS + 1];
    Result<int> argc = copy_in_arguments(args[0], args[1], buffer, argv);
    if (argc.ok())
        argc = exec_image(buffer, argv, argc.value());
    kfree(buffer);
    return TRY(argc);
}
