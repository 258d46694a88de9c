/* Temporary: user-mode trap handlers until processes exist. */
#include "printk.h"
#include "trap.h"

void handle_syscall(TrapFrame*) { panic("no processes yet"); }
void handle_user_page_fault(TrapFrame*, vaddr_t, Access) { panic("no processes yet"); }
void handle_user_exception(TrapFrame*, const char*) { panic("no processes yet"); }
bool handle_kernel_fault_on_user(vaddr_t, Access) { return false; }
void prepare_user_return(TrapFrame*, bool) {}
void maybe_preempt_kernel(bool) {}
