/*
 * C and C++ run-time support: the C++ side of process start-up, operator
 * new/delete on top of malloc, and the hooks the compiler may call.
 */
#include "ulib.h"

extern "C" int main(int argc, char** argv);

// Constructors of global objects, collected by user/user.ld.
extern "C" void (*__init_array_start[])(void) __attribute__((visibility("hidden")));
extern "C" void (*__init_array_end[])(void) __attribute__((visibility("hidden")));

// Called by _start (start.S). There are no destructors to run at exit:
// output is unbuffered and the kernel releases everything else.
extern "C" [[noreturn]] void ulib_start(int argc, char** argv)
{
    for (auto* ctor = __init_array_start; ctor != __init_array_end; ctor++)
        (*ctor)();
    exit(main(argc, argv));
}

// Without exceptions an allocation failure cannot be reported to the
// caller of `new`; stopping loudly beats returning a null object.
static void* checked_new(size_t size)
{
    void* p = malloc(size);
    if (!p) {
        fprintf(STDERR_FILENO, "operator new: out of memory (%zu bytes)\n", size);
        abort();
    }
    return p;
}

void* operator new(size_t size) { return checked_new(size); }
void* operator new[](size_t size) { return checked_new(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" void __cxa_pure_virtual()
{
    fputs("pure virtual function called\n", STDERR_FILENO);
    abort();
}
