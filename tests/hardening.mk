# tests/hardening.mk: the tests that hunt for memory corruption.
#   tests/check_bad_input   every row of doc/BAD-INPUT.md (Check)
#   tests/soak_short        the soak for 20 s (tests/soak.c)
#   tests/fuzz/run_fuzz.sh  libFuzzer against a reference model, 30 s
#                           (RTA_FUZZ_SECONDS), skipped without clang
#   make fuzz-long          the same as long as asked, on every core:
#                           make fuzz-long FUZZ_SECONDS=3600 [FUZZ_RUNS=N]
#                           [FUZZ_JOBS=2] [FUZZ_MIN_RUNS=N]
#   make soak               the full soak: 10 minutes, 2 x cores threads
#                           (make soak SOAK_FLAGS='--seconds 60 --threads 2')
# .ci/hardening.sh runs all of it under ASan+UBSan, TSan and valgrind.

check_PROGRAMS += tests/check_bad_input tests/soak_short
noinst_PROGRAMS += tests/soak
TESTS += tests/check_bad_input tests/soak_short tests/fuzz/run_fuzz.sh

tests_check_bad_input_SOURCES = tests/check_bad_input.c tests/test_util.h
tests_check_bad_input_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_bad_input_LDADD = src/librtalloc.la $(CHECK_LIBS)

tests_soak_SOURCES = tests/soak.c
tests_soak_LDADD = src/librtalloc.la

tests_soak_short_SOURCES = tests/soak.c
tests_soak_short_CPPFLAGS = $(AM_CPPFLAGS) -DSOAK_DEFAULT_SECONDS=20
tests_soak_short_LDADD = src/librtalloc.la

SOAK_FLAGS =
soak: tests/soak$(EXEEXT)
	./tests/soak$(EXEEXT) $(SOAK_FLAGS)
.PHONY: soak

FUZZ_SECONDS = 600
FUZZ_RUNS = -1
FUZZ_JOBS = 2
FUZZ_MIN_RUNS = 0
fuzz-long:
	srcdir=$(srcdir) RTA_FUZZ_SECONDS=$(FUZZ_SECONDS) RTA_FUZZ_RUNS=$(FUZZ_RUNS) \
	    RTA_FUZZ_JOBS=$(FUZZ_JOBS) RTA_FUZZ_MIN_RUNS=$(FUZZ_MIN_RUNS) \
	    $(srcdir)/tests/fuzz/run_fuzz.sh
.PHONY: fuzz-long

EXTRA_DIST += \
	doc/BAD-INPUT.md \
	.ci/hardening.sh \
	tests/fuzz/run_fuzz.sh \
	tests/fuzz/fuzz_heap.c \
	tests/fuzz/heap_model.c \
	tests/fuzz/heap_model.h \
	tests/fuzz/coverage-ignore.txt \
	tests/fuzz/corpus
CLEANFILES += tests/fuzz/fuzz_heap tests/fuzz/heap_model.o tests/fuzz/stats.o tests/fuzz/fuzz.log* \
	tests/fuzz/fuzz.cpu tests/fuzz/fuzz.status
