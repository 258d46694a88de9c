# The file system in the host unit tests: every portable kernel/fs source
# (all but the console device, which needs the real console), and mkfs's
# image builder and checker, which the tests use to make and judge images.
# Included by host.mk.

HOST_KERNEL_SRCS += kernel/fs/balloc.cc kernel/fs/bcache.cc kernel/fs/block_device.cc kernel/fs/device.cc \
	kernel/fs/dir.cc kernel/fs/fd.cc kernel/fs/file.cc kernel/fs/fs.cc kernel/fs/inode.cc kernel/fs/write_access.cc \
	kernel/fs/inode_data.cc kernel/fs/log.cc kernel/fs/pipe.cc kernel/fs/sys_file.cc kernel/fs/sys_path.cc \
	mkfs/image.cc mkfs/fsck.cc
