# Long runs and fuzzing (issue 7, docs/reliability.md); included by
# tests/tests.mk.
#
#   make stress    [DURATION=s] [SEED=x] [CPUS=n] [MEM=m]   shmstress in QEMU
#   make fuzz      [DURATION=s] [SEED=x] [CPUS=n] [MEM=m]   syzfuzz in QEMU
#   make fuzz-host [DURATION=s] [SEED=n]                    the libFuzzer targets, DURATION each
#
# DURATION is in seconds (default 60); without SEED every run picks a fresh
# seed and prints it first; giving it back replays the run's choices.
# VMCHECK=1 (the default) boots with the address-space invariant checker
# on (docs/reliability.md); VMCHECK=0 runs without it, faster.
# make test runs short versions of all three (tests/run_all.py).
#
# STRESS_ARGS / FUZZ_ARGS add arguments to the guest programs (comma
# separated, e.g. FUZZ_ARGS=-c,8 for 8 fuzzing children; see the usage at
# the top of user/tests/shmstress.cc and user/tests/syzfuzz.cc).

DURATION ?= 60
SEED ?=
VMCHECK ?= 1
STRESS_ARGS ?=
FUZZ_ARGS ?=

stress_comma := ,
# The kernel command line words that run one program with arguments.
guest_run = $(if $(filter 1,$(VMCHECK)),vmcheck )run=$(1) args=-t$(stress_comma)$(DURATION)$(if $(SEED),$(stress_comma)-s$(stress_comma)$(SEED))$(if $(2),$(stress_comma)$(2))
# A run may take its duration plus start-up and the final checks.
guest_timeout = $$(( $(DURATION) + 240 ))

stress: check-deps all
	$(PYTHON) tests/run_qemu.py --name stress-$(CPUS) --smp $(CPUS) --memory $(MEM) \
		--append "$(call guest_run,shmstress,$(STRESS_ARGS))" --suite shmstress \
		--timeout $(guest_timeout) --verbose

fuzz: check-deps all
	$(PYTHON) tests/run_qemu.py --name fuzz-$(CPUS) --smp $(CPUS) --memory $(MEM) \
		--append "$(call guest_run,syzfuzz,$(FUZZ_ARGS))" --suite syzfuzz \
		--timeout $(guest_timeout) --verbose

# ---- host fuzz targets (libFuzzer) -----------------------------------------------
# One binary per target, each built in one step from its harness, the
# shim (tests/fuzz/shim.cc) and the kernel sources it exercises.

FUZZ_DIR := $(B)/fuzz
FUZZ_CXX := clang++
FUZZ_CXXFLAGS := -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -DTANDEM_HOST -I. -Wall -Wextra -Wno-unused-parameter -Wno-unused-const-variable
FUZZ_TARGETS := fdt elf name_table
FUZZ_SRCS_fdt := kernel/board/fdt.cc kernel/board/board.cc kernel/lib/format.cc kernel/lib/string.cc
FUZZ_SRCS_elf := kernel/proc/elf.cc kernel/lib/string.cc
FUZZ_SRCS_name_table := kernel/shm/name_table.cc kernel/lib/string.cc
FUZZ_HEADERS := $(wildcard kernel/*.h kernel/*/*.h riscv/*.h)
FUZZ_BINS := $(foreach t,$(FUZZ_TARGETS),$(FUZZ_DIR)/$(t)_fuzz)

define FUZZ_RULE
$(FUZZ_DIR)/$(1)_fuzz: tests/fuzz/$(1)_fuzz.cc tests/fuzz/shim.cc $(FUZZ_SRCS_$(1)) $(FUZZ_HEADERS) tests/stress.mk | check-fuzz-tools
	@mkdir -p $$(dir $$@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -o $$@ tests/fuzz/$(1)_fuzz.cc tests/fuzz/shim.cc $(FUZZ_SRCS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

# The corpora start from the device trees the host tests dump and from
# the user programs, so those come first.
fuzz-host-build: $(FUZZ_BINS) $(HOST_DTBS) $(USER_PROGRAMS)

fuzz-host: check-deps fuzz-host-build
	$(PYTHON) tests/fuzz/run_host_fuzz.py --seconds $(DURATION) $(if $(SEED),--seed $(SEED))

.PHONY: stress fuzz fuzz-host fuzz-host-build
