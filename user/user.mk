# User library and programs; included by the top-level Makefile.
#
# One program = one source file: user/<name>.cc (tools) or
# user/tests/<name>.cc (in-guest test suites) becomes $(B)/u/bin/<name>.
# A program that outgrows one file puts its other sources in a directory of
# the same name (user/tests/usertests/*.cc belong to usertests).
# Everything is linked with the user library (user/lib plus the kernel's
# shared formatter and string routines) and libgcc.
#
# USER_PROGRAMS lists every binary; mkfs copies them into /bin of fs.img.

UCXX := $(CROSS)g++
UCC := $(CROSS)gcc
UAR := $(CROSS)ar

U_ARCH := -march=rv64gc -mabi=lp64d -mcmodel=medany
U_CXXFLAGS := -std=c++20 -O2 -g -Wall -Wextra $(U_ARCH) -ffreestanding -nostdinc++ -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-use-cxa-atexit -fno-stack-protector -fno-pie -fno-omit-frame-pointer \
	-fno-strict-aliasing -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	-Iuser/include -MMD -MP
U_ASFLAGS := $(U_ARCH) -g -Iuser/include -MMD -MP
U_LDFLAGS := $(U_ARCH) -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-T,user/user.ld -Wl,--no-warn-rwx-segments

# The library: its own sources and the kernel files written to be shared.
U_LIB_SRCS := $(filter-out user/lib/start.S,$(wildcard user/lib/*.cc user/lib/*.S)) \
	kernel/lib/format.cc kernel/lib/string.cc
U_LIB_OBJS := $(patsubst %,$(B)/u/%.o,$(U_LIB_SRCS))
U_START := $(B)/u/user/lib/start.S.o
U_LIB := $(B)/u/libtandem.a

# Programs, found by wildcard.
U_PROG_SRCS := $(wildcard user/*.cc user/tests/*.cc)
U_PROG_NAMES := $(notdir $(basename $(U_PROG_SRCS)))
USER_PROGRAMS := $(addprefix $(B)/u/bin/,$(U_PROG_NAMES))

ifneq ($(words $(U_PROG_NAMES)),$(words $(sort $(U_PROG_NAMES))))
$(error two user programs share a name: $(sort $(U_PROG_NAMES)))
endif

$(B)/u/%.cc.o: %.cc | check-toolchain
	@mkdir -p $(dir $@)
	$(UCXX) $(U_CXXFLAGS) -c $< -o $@

$(B)/u/%.S.o: %.S | check-toolchain
	@mkdir -p $(dir $@)
	$(UCC) $(U_ASFLAGS) -c $< -o $@

$(U_LIB): $(U_LIB_OBJS)
	@rm -f $@
	$(UAR) rcs $@ $^

# $(1) is the program's main source; extra sources sit in a directory named
# after it.
define U_PROGRAM_RULE
$(B)/u/bin/$(notdir $(basename $(1))): $(B)/u/$(1).o $(patsubst %,$(B)/u/%.o,$(wildcard $(basename $(1))/*.cc)) \
		$(U_START) $(U_LIB) user/user.ld
	@mkdir -p $$(dir $$@)
	$(UCXX) $(U_LDFLAGS) -o $$@ $(U_START) $$(filter-out $(U_START),$$(filter %.o,$$^)) $(U_LIB) -lgcc
endef
$(foreach src,$(U_PROG_SRCS),$(eval $(call U_PROGRAM_RULE,$(src))))

user: $(USER_PROGRAMS)
all: $(USER_PROGRAMS)

.PHONY: user
