/*
 * The first process. It starts in the kernel (the file system can only be
 * mounted from a process, because mounting sleeps on the disk), then execs
 * /bin/init with the kernel's boot arguments as its argv, so init can
 * honour "run=<program>".
 */
#include "../boot/boot.h"
#include "../console/printk.h"
#include "../trap/trap.h"
#include "exec.h"
#include "../fs/fs_glue.h"
#include "proc.h"

namespace {
constexpr int MAX_BOOT_WORDS = 16;

[[noreturn]] void init_process_main()
{
    Proc* p = current_proc();
    p->lock.unlock(); // held by the scheduler when it switched to us

    fs_mount_root();
    p->cwd = fs_root_inode();

    // argv: "init" followed by the words of the boot arguments.
    static char words[BOARD_BOOTARGS_MAX];
    strlcpy(words, g_board.bootargs, sizeof words);
    const char* argv[MAX_BOOT_WORDS + 1] = {"init"};
    int argc = 1;
    for (char* s = words; *s && argc < MAX_BOOT_WORDS;) {
        while (*s == ' ')
            *s++ = 0;
        if (!*s)
            break;
        argv[argc++] = s;
        while (*s && *s != ' ')
            s++;
    }
    auto r = exec_image("/bin/init", argv, argc); // sets main's arguments too
    if (r.is_error())
        panic("cannot run /bin/init (error %d)", r.error_code());
    arch::irq_disable();
    prepare_user_return(p->trap_frame(), false);
    enter_user(p->trap_frame());
}
} // namespace

void create_init_process() { create_init_process_with(init_process_main); }
