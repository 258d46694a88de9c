# Test targets, included by the top-level Makefile (which defines B, QEMU,
# PYTHON, all and check-deps).
#
#   make test         host unit tests, then every in-guest run in
#                     tests/run_all.py's table; last line "N passed, N failed"
#   make host-tests   only the host unit tests (doctest's own output)
#   make ktest        only the in-kernel self-test runs
#   make grade        the lab grader: points per suite, "Score: X/Y"
#
# Options for the python scripts go in TEST_ARGS, e.g.
#   make test TEST_ARGS="--only ktest-virt-4 --verbose"
# (tests/run_all.py --help lists them).

include tests/host/host.mk

TEST_ARGS ?=

# check-deps first (it may install the compilers), then build everything
# the runs need, then run. The recursive make keeps that order under -j.
test: check-deps
	@$(MAKE) --no-print-directory all host-tests-build
	@$(PYTHON) tests/run_all.py $(TEST_ARGS)

ktest: check-deps
	@$(MAKE) --no-print-directory $(B)/kernel.elf
	@$(PYTHON) tests/run_all.py --no-host --group ktest $(TEST_ARGS)

grade: check-deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/grade.py $(TEST_ARGS)

.PHONY: test ktest grade
