# The host VM tests: a second binary, build/host/vm_tests, made of
# tests/host/vm/*.cc and the portable memory code (kernel/mm, kernel/shm,
# the file system for file mappings, futexes) built against a fake MMU
# (tests/host/vm/fake_arch.cc implements riscv/arch.h) instead of
# riscv/sv39.cc, which the unit-test binary links. Same flags, ASan and
# UBSan. Included by tests/host/host.mk.
#
#   make host-tests          runs it after the unit tests
#   build/host/vm_tests -tc='vm: sbrk*' -s     by hand

HOST_VM_BIN := $(HOST_DIR)/vm_tests
HOST_VM_KERNEL_SRCS := \
	kernel/mm/address_space.cc kernel/mm/fault.cc kernel/mm/fd_mapping.cc kernel/mm/file_store.cc \
	kernel/mm/kmalloc.cc kernel/mm/page_alloc.cc kernel/mm/page_cache_store.cc kernel/mm/page_index.cc \
	kernel/mm/uaccess.cc kernel/mm/vm_check.cc kernel/mm/vm_syscalls.cc \
	$(wildcard kernel/shm/*.cc) \
	kernel/fs/balloc.cc kernel/fs/bcache.cc kernel/fs/block_device.cc kernel/fs/device.cc kernel/fs/dir.cc \
	kernel/fs/fd.cc kernel/fs/file.cc kernel/fs/fs.cc kernel/fs/fs_glue.cc kernel/fs/inode.cc \
	kernel/fs/inode_data.cc kernel/fs/log.cc kernel/fs/pipe.cc kernel/fs/sys_file.cc kernel/fs/sys_path.cc \
	kernel/fs/write_access.cc \
	kernel/sync/futex.cc kernel/sync/robust.cc \
	kernel/lib/format.cc kernel/lib/string.cc mkfs/image.cc
HOST_VM_SRCS = $(wildcard tests/host/vm/*.cc) tests/host/fakes.cc tests/host/main.cc $(HOST_VM_KERNEL_SRCS)
HOST_VM_OBJS = $(patsubst %.cc,$(HOST_DIR)/obj/%.o,$(sort $(HOST_VM_SRCS)))

$(HOST_VM_BIN): $(HOST_VM_OBJS)
	$(HOST_CXX) $(HOST_LDFLAGS) -o $@ $^
