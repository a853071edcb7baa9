# make mutants: plants each deliberate bug of tests/mutants/*.sed in a
# scratch copy of the tree, runs the tests there and prints which test
# killed it, or SURVIVED (exit 1).  Slow (a build and part of the suite
# per mutant), so not part of `make check`: run it before closing an issue
# that touches code a mutant breaks.
#   make mutants RTA_MUTANTS='alloc-* stats-null-heap-two-fields'
# tests/mutants/run.sh lists its other knobs.

EXTRA_DIST += tests/mutants/run.sh $(wildcard $(srcdir)/tests/mutants/*.sed)

mutants:
	$(SHELL) $(srcdir)/tests/mutants/run.sh $(srcdir)

# The test list, in the order of `make check`, for tests/mutants/run.sh.
mutants-list-tests:
	@echo $(TESTS)

.PHONY: mutants mutants-list-tests
