# Doc tests (docs/testing.md, "Examples in the docs are tests"); included
# by the top-level Makefile after user/user.mk and before mkfs/mkfs.mk.
#
# tests/doctests/extract.py takes every example out of DOC_SOURCES into
# $(B)/doc: a program per C/C++ block (src/<name>.cc, built into
# $(B)/doc/bin/<name>, installed in fs.img as /doc/<name>) and the
# in-guest suite that runs them all (doctests.cc, linked with
# user/tests/doctests/*.cc into /bin/doctests, a run of make test).
# programs.mk, also generated, names the programs; make re-reads it.

DOC_SOURCES := README.md $(wildcard docs/*.md docs/*/*.md)
DOC_DIR := $(B)/doc
DOC_EXTRACT := tests/doctests/extract.py
# Examples are read by students: no warnings, but a fragment may leave a
# variable unused (it would be used by the code around it).
DOC_CXXFLAGS := $(U_CXXFLAGS) -Iuser/tests -Werror -Wno-unused-variable -Wno-unused-but-set-variable

# Without python3 (a fresh machine, before check-deps has installed it)
# the extraction waits for the next make; the rule for doctests.cc below
# makes it then.
$(DOC_DIR)/programs.mk: $(DOC_SOURCES) $(DOC_EXTRACT)
	@command -v $(PYTHON) >/dev/null 2>&1 || exit 0; mkdir -p $(DOC_DIR); \
	echo "$(PYTHON) $(DOC_EXTRACT) --out $(DOC_DIR) ..."; $(PYTHON) $(DOC_EXTRACT) --out $(DOC_DIR) $(DOC_SOURCES)

$(DOC_DIR)/doctests.cc: $(DOC_SOURCES) $(DOC_EXTRACT)
	@mkdir -p $(DOC_DIR)
	$(PYTHON) $(DOC_EXTRACT) --out $(DOC_DIR) $(DOC_SOURCES)

# The sources and doctests.cc are written with programs.mk (only those
# whose text changed), and make re-reads programs.mk before building
# anything else, so they are current by the time the rules below run.
# Goals that build nothing leave it alone: `make deps` must work on a
# machine that has no python3 yet.
DOC_QUIET_GOALS := deps check-deps clean figures check-toolchain check-host-tools check-fuzz-tools
ifneq ($(filter-out $(DOC_QUIET_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(DOC_DIR)/programs.mk
endif

DOC_PROGRAMS := $(addprefix $(DOC_DIR)/bin/,$(DOC_PROGRAM_NAMES))
DOC_OBJS := $(patsubst %,$(DOC_DIR)/obj/%.o,$(DOC_PROGRAM_NAMES))
DOC_RUNNER_OBJS := $(patsubst %,$(B)/u/%.o,$(wildcard user/tests/doctests/*.cc))

# Static patterns: no implicit rule may take these for other files.
$(DOC_OBJS): $(DOC_DIR)/obj/%.o: $(DOC_DIR)/src/%.cc | check-toolchain
	@mkdir -p $(dir $@)
	$(UCXX) $(DOC_CXXFLAGS) -c $< -o $@

$(DOC_PROGRAMS): $(DOC_DIR)/bin/%: $(DOC_DIR)/obj/%.o $(U_START) $(U_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(UCXX) $(U_LDFLAGS) -o $@ $(U_START) $< $(U_LIB) -lgcc

$(B)/u/doc/doctests.o: $(DOC_DIR)/doctests.cc | check-toolchain
	@mkdir -p $(dir $@)
	$(UCXX) $(U_CXXFLAGS) -c $< -o $@

$(B)/u/bin/doctests: $(B)/u/doc/doctests.o $(DOC_RUNNER_OBJS) $(U_START) $(U_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(UCXX) $(U_LDFLAGS) -o $@ $(U_START) $(B)/u/doc/doctests.o $(DOC_RUNNER_OBJS) $(U_LIB) -lgcc

USER_PROGRAMS += $(B)/u/bin/doctests
# mkfs/mkfs.mk puts these in fs.img.
FS_EXTRA_FILES += $(foreach p,$(DOC_PROGRAMS),/doc/$(notdir $(p))=$(p))
FS_EXTRA_DIRS += /doc

# The ```sh blocks: host commands, checked (not run) by a run of make test.
doc-check-host:
	$(PYTHON) $(DOC_EXTRACT) --check-host $(DOC_SOURCES)

.PHONY: doc-check-host
