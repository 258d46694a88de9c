# Tandem: build, run and test.
#
#   make            build the kernel and the file system image
#   make qemu       boot in QEMU (CPUS=4 MEM=128M BOARD=virt by default)
#   make qemu-gdb   the same, waiting for gdb-multiarch -x .gdbinit (docs/debugging.md)
#   make test       every host and in-guest test; ends with "N passed, N failed"
#   make grade      the grader's scores (LAB=<lab>: one lab of the course)
#   make lab LAB=<lab> DEST=<dir>   write a lab's starter (docs/labs/README.md);
#                   make handin, make grade-class: hand-ins (same page)
#   make image      the U-Boot-bootable Image
#   make bench      run shmbench (BENCHMARKS.md); bench-compare: against Linux
#   make figures    remake the SVG figures of docs/figures (needs Graphviz)
#   make deps       install the Debian packages the project needs
#   make clean      remove build/
#
# `make qemu` and `make test` install missing packages by themselves.

CPUS ?= 4
MEM ?= 128M
BOARD ?= virt
BOOTARGS ?=
QEMU_EXTRA ?=

CROSS := riscv64-linux-gnu-
KCXX := $(CROSS)g++
KCC := $(CROSS)gcc
KLD := $(CROSS)ld
KOBJCOPY := $(CROSS)objcopy
KNM := $(CROSS)nm
QEMU := qemu-system-riscv64
PYTHON := python3
B := build

DEBIAN_PACKAGES := make g++ python3 g++-riscv64-linux-gnu gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu \
	qemu-system-misc opensbi u-boot-qemu device-tree-compiler gdb-multiarch doctest-dev clang libclang-rt-14-dev e2fsprogs \
	graphviz

# ---- kernel ----------------------------------------------------------------

# The link order puts the system-call paths (shm, fs, trap, proc) together,
# right after the trap entry: under QEMU a jump to code on another page
# costs a lookup that a jump within the page does not (BENCHMARKS.md
# create_destroy measures it).
KERNEL_DIRS := riscv kernel/shm kernel/fs kernel/trap kernel/proc kernel/drivers kernel/sync kernel/mm kernel/lib kernel/cpu kernel/console kernel/board kernel/boot
KERNEL_CC_SRCS := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.cc))
KERNEL_S_SRCS := $(wildcard riscv/*.S)
KERNEL_OBJS := $(patsubst %,$(B)/k/%.o,$(KERNEL_CC_SRCS) $(KERNEL_S_SRCS))

KERNEL_ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
COMMON_FREESTANDING := -ffreestanding -nostdinc++ -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit -fno-stack-protector -fno-omit-frame-pointer -fno-pie -fno-strict-aliasing \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables
KCXXFLAGS := -std=c++20 -O2 -g -Wall -Wextra -Wno-unused-parameter $(COMMON_FREESTANDING) $(KERNEL_ARCH) -MMD -MP
KASFLAGS := $(KERNEL_ARCH) -g -MMD -MP

all: $(B)/kernel.elf $(B)/fs.img

$(B)/k/%.cc.o: %.cc | check-toolchain
	@mkdir -p $(dir $@)
	$(KCXX) $(KCXXFLAGS) -c $< -o $@

$(B)/k/%.S.o: %.S | check-toolchain
	@mkdir -p $(dir $@)
	$(KCC) $(KASFLAGS) -c $< -o $@

$(B)/k/ksyms_empty.o: kernel/scripts/ksyms_empty.S | check-toolchain
	@mkdir -p $(dir $@)
	$(KCC) $(KASFLAGS) -c $< -o $@

# Two links: the first finds where every function lands, the second adds
# their names for backtraces. The symbol table comes after all code, so
# both links place every function identically (checked below).
KLDFLAGS := -T kernel.ld --build-id=none -nostdlib -static --no-warn-rwx-segments

$(B)/kernel.pass1.elf: $(KERNEL_OBJS) $(B)/k/ksyms_empty.o kernel.ld
	$(KLD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(B)/k/ksyms_empty.o

$(B)/k/ksyms.S: $(B)/kernel.pass1.elf kernel/scripts/ksyms.py
	$(KNM) -n -C $< | $(PYTHON) kernel/scripts/ksyms.py > $@

$(B)/k/ksyms.o: $(B)/k/ksyms.S
	$(KCC) $(KASFLAGS) -c $< -o $@

$(B)/kernel.elf: $(KERNEL_OBJS) $(B)/k/ksyms.o kernel.ld
	$(KLD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(B)/k/ksyms.o
	@$(KNM) -n $(B)/kernel.pass1.elf | grep ' [tT] ' > $(B)/k/pass1.syms
	@$(KNM) -n $@ | grep ' [tT] ' > $(B)/k/pass2.syms
	@cmp -s $(B)/k/pass1.syms $(B)/k/pass2.syms || { echo "kernel text moved between links"; exit 1; }

# A Linux-style RISC-V Image for U-Boot's booti.
image: $(B)/Image
$(B)/Image: $(B)/kernel.elf
	$(KOBJCOPY) -O binary $< $@

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- user programs, file system image, tests ---------------------------------
# Each part keeps its rules beside its sources.

-include user/user.mk
-include tests/doctests/doctests.mk
-include mkfs/mkfs.mk
-include tests/tests.mk

# ---- running ------------------------------------------------------------------

ifeq ($(BOARD),sifive_u)
# Hart 0 of sifive_u is a monitor core without an MMU; CPUS more follow it.
QEMU_MACHINE := -machine sifive_u -smp $(shell echo $$(($(CPUS) + 1)))
QEMU_DISK := -initrd $(B)/fs.img
else
QEMU_MACHINE := -machine virt -smp $(CPUS)
QEMU_DISK := -global virtio-mmio.force-legacy=false \
	-drive file=$(B)/fs.img,if=none,format=raw,id=disk0 -device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0
endif
QEMU_ARGS = $(QEMU_MACHINE) -bios default -m $(MEM) -nographic -kernel $(B)/kernel.elf $(QEMU_DISK) \
	$(if $(BOOTARGS),-append "$(BOOTARGS)") $(QEMU_EXTRA)

qemu: check-deps all
	$(QEMU) $(QEMU_ARGS)

# GDBPORT: the TCP port QEMU's gdb stub listens on (another if 26000 is taken).
GDBPORT ?= 26000
qemu-gdb: check-deps all
	@sed 's/@GDBPORT@/$(GDBPORT)/' .gdbinit.tmpl > .gdbinit
	@echo "QEMU waits for gdb: in another terminal here, run 'gdb-multiarch -x .gdbinit' (docs/debugging.md)."
	$(QEMU) $(QEMU_ARGS) -S -gdb tcp::$(GDBPORT)

# ---- benchmark (shared/BENCHMARKS.md) -------------------------------------------

ROUNDS ?= 3
bench: check-deps all
	@$(PYTHON) tests/bench.py

# Alternates Tandem and the Linux anchor; prints medians and ratios.
bench-compare: check-deps all
	@$(PYTHON) tests/bench.py --compare $(ROUNDS)

# What the host allows two processes: one Tandem alone against two at once.
bench-ceiling: check-deps all
	@$(PYTHON) tests/bench.py --host-ceiling $(ROUNDS)

# ---- figures of the docs ---------------------------------------------------------
# The SVGs in docs/figures are checked in (any Git host shows them); this
# remakes them from their sources (Graphviz .dot files, and the table of
# docs/performance.md for the bench-compare chart). make test checks that
# they are current.
figures:
	@command -v dot >/dev/null 2>&1 || { echo "make figures needs Graphviz's dot: run 'make deps' (or: sudo apt-get install graphviz)"; exit 1; }
	@$(PYTHON) docs/figures/make_figures.py

# ---- dependencies ---------------------------------------------------------------

# A first build that explains itself: every rule that runs a compiler has
# one of these checks as an order-only prerequisite, so a machine without
# the tools gets one message saying what to run, never a bare
# "Error 127". ($(call check_tools,WHAT,COMMANDS,FILES))
define check_tools
	@missing=; for t in $(2); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	for f in $(3); do [ -e $$f ] || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then \
		echo "make: $(1) needs what is not installed:$$missing" >&2; \
		echo "  Install everything Tandem needs (Debian 12) with:  make deps" >&2; \
		echo "  (that runs: sudo apt-get install $(strip $(DEBIAN_PACKAGES)))" >&2; \
		exit 1; \
	fi
endef
TOOLCHAIN_TOOLS := $(KCXX) $(KCC) $(KLD) $(KOBJCOPY) $(KNM) $(CROSS)ar g++ $(PYTHON)
check-toolchain:
	$(call check_tools,building Tandem,$(TOOLCHAIN_TOOLS))
check-host-tools:
	$(call check_tools,building the host unit tests,g++ $(QEMU) dtc,/usr/include/doctest/doctest.h)
check-fuzz-tools:
	$(call check_tools,building the host fuzz targets,clang++)

REQUIRED_TOOLS := $(KCXX) $(QEMU) dtc python3 g++ clang gdb-multiarch
check-deps:
	@missing=0; for t in $(REQUIRED_TOOLS); do command -v $$t >/dev/null 2>&1 || missing=1; done; \
	[ -e /usr/include/doctest/doctest.h ] || missing=1; \
	[ -e /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin ] || missing=1; \
	[ -e /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin ] || missing=1; \
	[ -x /usr/sbin/mke2fs ] || [ -x /sbin/mke2fs ] || missing=1; \
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || missing=1; \
	if [ $$missing = 1 ]; then echo "Installing missing packages (make deps)..."; $(MAKE) --no-print-directory deps; fi

deps:
	@SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES)

clean:
	rm -rf $(B) .gdbinit

.PHONY: all image qemu qemu-gdb check-deps deps clean test grade bench bench-compare bench-ceiling figures \
	check-toolchain check-host-tools check-fuzz-tools
.DELETE_ON_ERROR:
