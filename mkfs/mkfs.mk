# mkfs (the host tool that builds file system images) and fs.img; included
# by the top-level Makefile after user/user.mk, which sets USER_PROGRAMS.
#
# fs.img holds every user program in /bin, README.md as /README, the
# directories /dev and /tmp, and the device nodes /dev/console and
# /dev/null. Size knobs: make FS_BLOCKS=8192 FS_INODES=2048.
# `build/mkfs/mkfs --check build/fs.img` checks an image's consistency
# (for example after running the system on it).

MKFS := $(B)/mkfs/mkfs
MKFS_SRCS := mkfs/mkfs.cc mkfs/image.cc mkfs/fsck.cc
FS_BLOCKS ?= 4096
FS_INODES ?= 1024
FS_README := $(wildcard README.md)

$(MKFS): $(MKFS_SRCS) mkfs/image.h mkfs/fsck.h kernel/fs/layout.h kernel/uapi/fcntl.h mkfs/mkfs.mk | check-toolchain
	@mkdir -p $(dir $@)
	g++ -std=c++20 -O2 -g -Wall -Wextra -o $@ $(MKFS_SRCS)

# FS_EXTRA_DIRS and FS_EXTRA_FILES (/path=source) add more, for example the
# doc tests' programs in /doc (tests/doctests/doctests.mk).
$(B)/fs.img: $(MKFS) $(FS_README) $(USER_PROGRAMS) $(foreach f,$(FS_EXTRA_FILES),$(lastword $(subst =, ,$(f)))) \
		mkfs/mkfs.mk
	$(MKFS) -b $(FS_BLOCKS) -i $(FS_INODES) $@ -d /bin -d /tmp $(foreach d,$(FS_EXTRA_DIRS),-d $(d)) \
		-n /dev/console console 0 -n /dev/null null 0 \
		$(if $(FS_README),-f /README $(FS_README)) \
		$(foreach p,$(USER_PROGRAMS),-f /bin/$(notdir $(p)) $(p)) \
		$(foreach f,$(FS_EXTRA_FILES),-f $(subst =, ,$(f)))

mkfs: $(MKFS)

.PHONY: mkfs
