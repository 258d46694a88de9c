/*
 * The per-process descriptor table: Proc::files[NOFILE], each slot null or
 * holding one reference to a File.
 *
 * The table belongs to its process: only the process itself touches it
 * (and its parent after it has become a zombie, by which time
 * fd_close_all() has emptied it), so it needs no lock.
 */
#include "../proc/proc.h"
#include "file.h"

Result<int> fd_install(File* f)
{
    Proc* p = current_proc();
    for (int fd = 0; fd < NOFILE; fd++) {
        if (!p->files[fd]) {
            p->files[fd] = f;
            return fd;
        }
    }
    return Error(ERR_MFILE);
}

Result<File*> fd_get(int fd)
{
    Proc* p = current_proc();
    if (fd < 0 || fd >= NOFILE || !p->files[fd])
        return Error(ERR_BADF);
    return p->files[fd];
}

Result<File*> fd_remove(int fd)
{
    File* f = TRY(fd_get(fd));
    current_proc()->files[fd] = nullptr;
    return f;
}

void fd_copy_table(Proc* child)
{
    Proc* p = current_proc();
    for (int fd = 0; fd < NOFILE; fd++)
        child->files[fd] = p->files[fd] ? file_dup(p->files[fd]) : nullptr;
}

void fd_close_all()
{
    Proc* p = current_proc();
    for (int fd = 0; fd < NOFILE; fd++) {
        if (File* f = p->files[fd]) {
            p->files[fd] = nullptr;
            file_close(f);
        }
    }
}
