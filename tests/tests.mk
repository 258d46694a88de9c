# Test targets, included by the top-level Makefile (which defines B, QEMU,
# PYTHON, all and check-deps).
#
#   make test         host unit tests, then every in-guest run in
#                     tests/run_all.py's table; last line "N passed, N failed"
#   make host-tests   only the host unit tests (doctest's own output)
#   make ktest        only the in-kernel self-test runs
#   make grade        the lab grader: points per suite, "Score: X/Y"
#   make stress, make fuzz, make fuzz-host: long runs (tests/stress.mk)
#
# Options for the python scripts go in TEST_ARGS, e.g.
#   make test TEST_ARGS="--only ktest-virt-4 --verbose"
# (tests/run_all.py --help lists them).

include tests/host/host.mk
include tests/stress.mk

TEST_ARGS ?=

# check-deps first (it may install the compilers), then build (build/Image
# too: the U-Boot runs boot it), then run.
# The recursive makes keep that order under -j. A part that fails to build
# is reported by run_all.py as a failed case (and its stale outputs are not
# run), so the output still ends with "N passed, N failed".
test: check-deps
	@failed=; \
	$(MAKE) --no-print-directory all image || failed="$$failed --build-failed=kernel"; \
	$(MAKE) --no-print-directory host-tests-build || failed="$$failed --build-failed=host"; \
	$(MAKE) --no-print-directory fuzz-host-build || echo "(the fuzz-host run will report the failed build)"; \
	$(PYTHON) tests/run_all.py $$failed $(TEST_ARGS)

ktest: check-deps
	@failed=; \
	$(MAKE) --no-print-directory $(B)/kernel.elf || failed="--build-failed=kernel"; \
	$(PYTHON) tests/run_all.py --no-host --group ktest --group panic $$failed $(TEST_ARGS)

# In a lab's starter, or with LAB=<lab>, make grade scores that lab only
# (and needs no host unit tests); otherwise the whole grading table.
grade: check-deps
	@failed=; \
	$(MAKE) --no-print-directory all image || failed="$$failed --build-failed=kernel"; \
	if [ -z "$(LAB)" ] && [ ! -f .lab ]; then \
		$(MAKE) --no-print-directory host-tests-build || failed="$$failed --build-failed=host"; fi; \
	$(PYTHON) tests/grade.py $$failed $(if $(LAB),--lab $(LAB)) $(TEST_ARGS)

# ---- the labs (docs/labs/README.md) --------------------------------------------
#   make lab LAB=<lab> DEST=<dir>     write a lab's starter (a one-commit git repository)
#   make handin                       in a starter: pack the changes and the write-up
#   make grade-class LAB=<lab> HANDINS=<dir> [STARTER=<dir>]   grade a class's hand-ins
lab:
	@if [ -z "$(LAB)" ] || [ -z "$(DEST)" ]; then \
		echo "usage: make lab LAB=<lab> DEST=<dir>; the labs:"; $(PYTHON) tests/labs/make_starter.py --list; exit 2; fi
	@if [ ! -f tests/labs/make_starter.py ]; then echo "make lab: starters are made from the main tree"; exit 2; fi
	@$(PYTHON) tests/labs/make_starter.py $(LAB) $(DEST)

handin:
	@$(PYTHON) tests/labs/handin.py

grade-class: check-deps
	@if [ -z "$(LAB)" ] || [ -z "$(HANDINS)" ]; then \
		echo "usage: make grade-class LAB=<lab> HANDINS=<dir> [STARTER=<dir>]"; exit 2; fi
	@if [ ! -f tests/labs/grade_class.py ]; then echo "make grade-class: run it in the main tree"; exit 2; fi
	@$(PYTHON) tests/labs/grade_class.py --lab $(LAB) $(if $(STARTER),--starter $(STARTER)) $(HANDINS)

.PHONY: test ktest grade lab handin grade-class
