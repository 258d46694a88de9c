# Host unit tests: build/host/unit_tests, made of every tests/host/*.cc
# plus the portable kernel sources in HOST_KERNEL_SRCS, compiled with g++
# for the build machine under ASan and UBSan; and build/host/vm_tests, the
# memory code against a fake MMU (tests/host/vm/vm.mk).
#
#   make host-tests     build and run it (doctest's own output)
#   build/host/unit_tests --help     doctest's options, e.g. -tc='fdt*' -s
#
# Another part of the tree adds its sources by dropping a tests/host/<x>.mk
# that appends to HOST_KERNEL_SRCS (and, if it must, HOST_CXXFLAGS); every
# such fragment is included below. Test files are picked up by wildcard.
# The device trees the FDT tests read are produced here too: dumped from
# QEMU's own boards, and compiled from tests/host/visionfive2.dts and from
# the real boards' trees in tests/trees/ (see tests/trees/README.md).

HOST_DIR := $(B)/host
HOST_TEST_BIN := $(HOST_DIR)/unit_tests
HOST_CXX := g++
HOST_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined
HOST_CXXFLAGS := -std=c++20 -g -O1 $(HOST_SANITIZE) -fno-omit-frame-pointer -fno-strict-aliasing -DTANDEM_HOST \
	-Wall -Wextra -Wno-unused-parameter -I. -DTANDEM_DTB_DIR='"$(abspath $(HOST_DIR))"' -MMD -MP
HOST_LDFLAGS := $(HOST_SANITIZE)

HOST_KERNEL_SRCS := kernel/board/fdt.cc kernel/board/board.cc kernel/lib/format.cc kernel/lib/string.cc \
	kernel/mm/page_alloc.cc kernel/mm/kmalloc.cc kernel/mm/memory_map.cc riscv/sv39.cc

-include $(filter-out tests/host/host.mk,$(wildcard tests/host/*.mk))
include tests/host/vm/vm.mk

HOST_TEST_SRCS = $(wildcard tests/host/*.cc)
# Recursive (=) so that sources appended by the fragments above count.
HOST_OBJS = $(patsubst %.cc,$(HOST_DIR)/obj/%.o,$(sort $(HOST_TEST_SRCS) $(HOST_KERNEL_SRCS)))

$(HOST_DIR)/obj/%.o: %.cc | check-host-tools
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(HOST_CXXFLAGS) -c $< -o $@

$(HOST_TEST_BIN): $(HOST_OBJS)
	$(HOST_CXX) $(HOST_LDFLAGS) -o $@ $^

# ---- device trees for test_fdt.cc ---------------------------------------------
# QEMU writes the tree it would hand the kernel and exits. The "initrd" tree
# also needs something to load as kernel and initrd, so that /chosen gets
# linux,initrd-start/end and bootargs.

HOST_TREES := $(wildcard tests/trees/*.dts)
HOST_DTBS := $(HOST_DIR)/virt.dtb $(HOST_DIR)/virt1.dtb $(HOST_DIR)/sifive_u.dtb \
	$(HOST_DIR)/virt_nosstc_initrd.dtb $(HOST_DIR)/visionfive2.dtb \
	$(HOST_DIR)/virt_aplic.dtb $(HOST_DIR)/virt_aplic_imsic.dtb \
	$(patsubst tests/trees/%.dts,$(HOST_DIR)/%.dtb,$(HOST_TREES))
HOST_DUMPDTB = $(QEMU) $(1) -machine dumpdtb=$@ >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }

$(HOST_DIR)/virt.dtb: tests/host/host.mk
	@mkdir -p $(dir $@)
	$(call HOST_DUMPDTB,-machine virt -smp 4 -m 128M)

$(HOST_DIR)/virt1.dtb: tests/host/host.mk
	@mkdir -p $(dir $@)
	$(call HOST_DUMPDTB,-machine virt -smp 1)

$(HOST_DIR)/virt_aplic.dtb: tests/host/host.mk
	@mkdir -p $(dir $@)
	$(call HOST_DUMPDTB,-machine virt$(comma)aia=aplic -smp 4 -m 128M)

$(HOST_DIR)/virt_aplic_imsic.dtb: tests/host/host.mk
	@mkdir -p $(dir $@)
	$(call HOST_DUMPDTB,-machine virt$(comma)aia=aplic-imsic -smp 4 -m 128M)

$(HOST_DIR)/sifive_u.dtb: tests/host/host.mk
	@mkdir -p $(dir $@)
	$(call HOST_DUMPDTB,-machine sifive_u -smp 5)

$(HOST_DIR)/dummy_kernel.bin: tests/host/host.mk
	@mkdir -p $(dir $@)
	head -c 4096 /dev/zero > $@

# 100 KiB: test_fdt.cc checks that initrd-end - initrd-start is exactly this.
$(HOST_DIR)/dummy_initrd.bin: tests/host/host.mk
	@mkdir -p $(dir $@)
	head -c 102400 /dev/zero > $@

$(HOST_DIR)/virt_nosstc_initrd.dtb: $(HOST_DIR)/dummy_kernel.bin $(HOST_DIR)/dummy_initrd.bin
	$(call HOST_DUMPDTB,-machine virt -cpu rv64$(comma)sstc=false -smp 2 -m 256M -bios default \
		-kernel $(HOST_DIR)/dummy_kernel.bin -initrd $(HOST_DIR)/dummy_initrd.bin \
		-append "console=hvc0 run=usertests")

$(HOST_DIR)/visionfive2.dtb: tests/host/visionfive2.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

# Some trees /include/ another one beside them.
$(HOST_DIR)/%.dtb: tests/trees/%.dts $(HOST_TREES)
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

comma := ,

host-tests-build: $(HOST_TEST_BIN) $(HOST_VM_BIN) $(HOST_DTBS)
$(HOST_DTBS): | check-host-tools

host-tests: check-deps
	@$(MAKE) --no-print-directory host-tests-build
	$(HOST_TEST_BIN) --no-colors
	$(HOST_VM_BIN) --no-colors

.PHONY: host-tests host-tests-build
