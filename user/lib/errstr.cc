/*
 * Names and descriptions of the ERR_* codes of kernel/uapi/errors.h.
 *
 * The strings are built at compile time from the enumerator names, so a
 * message always shows the code a program can grep the headers for.
 */
#include "ulib.h"

namespace {

struct ErrorText {
    int code;
    const char* name;
    const char* text; // "description (NAME)"
};

#define ERROR_TEXT(code, description) {code, #code, description " (" #code ")"}

const ErrorText g_errors[] = {
    ERROR_TEXT(ERR_OK, "success"),
    ERROR_TEXT(ERR_NOMEM, "out of memory, quota or table space"),
    ERROR_TEXT(ERR_NORES, "out of resources"),
    ERROR_TEXT(ERR_UNALLOC, "object was never allocated"),
    ERROR_TEXT(ERR_EXIST, "already exists"),
    ERROR_TEXT(ERR_NOTEXIST, "no such file or object"),
    ERROR_TEXT(ERR_INCOMP, "incompatible request"),
    ERROR_TEXT(ERR_FTYPE, "wrong file type"),
    ERROR_TEXT(ERR_REGISTER, "registration failed"),
    ERROR_TEXT(ERR_NOTEMPTY, "directory not empty"),
    ERROR_TEXT(ERR_END, "end of data"),
    ERROR_TEXT(ERR_INIT, "not initialised"),
    ERROR_TEXT(ERR_FAULT, "bad address"),
    ERROR_TEXT(ERR_INVAL, "invalid argument"),
    ERROR_TEXT(ERR_CHILD, "no child to wait for"),
    ERROR_TEXT(ERR_PGFAULT_ALLOC, "page fault could not allocate"),
    ERROR_TEXT(ERR_ACCESS, "permission denied"),
    ERROR_TEXT(ERR_BUSY, "resource busy"),
    ERROR_TEXT(ERR_AGAIN, "try again"),
    ERROR_TEXT(ERR_TIMEDOUT, "timed out"),
    ERROR_TEXT(ERR_ABANDONED, "lock abandoned by its previous owner"),
    ERROR_TEXT(ERR_OWNERDEAD, "owner of the mutex died"),
    ERROR_TEXT(ERR_NOTRECOVERABLE, "mutex is not recoverable"),
    ERROR_TEXT(ERR_NAMETOOLONG, "name too long"),
    ERROR_TEXT(ERR_BADF, "bad file descriptor"),
    ERROR_TEXT(ERR_NOSYS, "no such system call"),
    ERROR_TEXT(ERR_INTR, "interrupted"),
    ERROR_TEXT(ERR_ISDIR, "is a directory"),
    ERROR_TEXT(ERR_NOTDIR, "not a directory"),
    ERROR_TEXT(ERR_NOSPC, "no space left on device"),
    ERROR_TEXT(ERR_MFILE, "too many open files"),
    ERROR_TEXT(ERR_PIPE, "broken pipe"),
    ERROR_TEXT(ERR_NOEXEC, "not an executable"),
    ERROR_TEXT(ERR_RANGE, "result out of range"),
    ERROR_TEXT(ERR_SRCH, "no such process"),
    ERROR_TEXT(ERR_TXTBSY, "file busy: a program runs from it, or it is open for writing"),
};

// Every code from ERR_OK down to ERR_LAST must have a line above.
static_assert(sizeof g_errors / sizeof g_errors[0] == 1 - ERR_LAST, "errstr table misses an ERR_* code");

const ErrorText* find(int code)
{
    for (const ErrorText& e : g_errors)
        if (e.code == code)
            return &e;
    return nullptr;
}

} // namespace

const char* errstr(int code)
{
    const ErrorText* e = find(code);
    return e ? e->text : "unknown error";
}

const char* errname(int code)
{
    const ErrorText* e = find(code);
    return e ? e->name : "ERR_?";
}
