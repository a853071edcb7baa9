# tests/core.mk: Check tests of the pools and heap set-up (issue 2), and
# the exported-symbol check.  Each program is one area; check_debug_traps
# needs fork mode (SIGABRT tests) and skips itself under CK_FORK=no.
CORE_CHECKS = \
	tests/check_heap \
	tests/check_pools \
	tests/check_align \
	tests/check_realloc \
	tests/check_threads \
	tests/check_traps \
	tests/check_stats \
	tests/check_stress \
	tests/check_steady_state \
	tests/check_debug_traps \
	tests/check_fastpath

check_PROGRAMS += $(CORE_CHECKS)
TESTS += $(CORE_CHECKS) tests/check_exports.sh
EXTRA_DIST += tests/check_exports.sh

CORE_CHECK_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
CORE_CHECK_LDADD = src/librtalloc.la @CHECK_LIBS@

tests_check_heap_SOURCES = tests/check_heap.c tests/test_util.h
tests_check_heap_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_heap_LDADD = $(CORE_CHECK_LDADD)
tests_check_pools_SOURCES = tests/check_pools.c tests/test_util.h
tests_check_pools_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_pools_LDADD = $(CORE_CHECK_LDADD)
tests_check_align_SOURCES = tests/check_align.c tests/test_util.h
tests_check_align_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_align_LDADD = $(CORE_CHECK_LDADD)
tests_check_realloc_SOURCES = tests/check_realloc.c tests/test_util.h
tests_check_realloc_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_realloc_LDADD = $(CORE_CHECK_LDADD)
tests_check_threads_SOURCES = tests/check_threads.c tests/test_util.h
tests_check_threads_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_threads_LDADD = $(CORE_CHECK_LDADD)
tests_check_traps_SOURCES = tests/check_traps.c tests/test_util.h
tests_check_traps_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_traps_LDADD = $(CORE_CHECK_LDADD)
tests_check_stats_SOURCES = tests/check_stats.c tests/test_util.h
tests_check_stats_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_stats_LDADD = $(CORE_CHECK_LDADD)
tests_check_stress_SOURCES = tests/check_stress.c tests/test_util.h
tests_check_stress_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_stress_LDADD = $(CORE_CHECK_LDADD)
tests_check_steady_state_SOURCES = tests/check_steady_state.c tests/test_util.h
tests_check_steady_state_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_steady_state_LDADD = $(CORE_CHECK_LDADD)
tests_check_fastpath_SOURCES = tests/check_fastpath.c tests/test_util.h
tests_check_fastpath_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_fastpath_LDADD = $(CORE_CHECK_LDADD)
tests_check_debug_traps_SOURCES = tests/check_debug_traps.c tests/test_util.h
tests_check_debug_traps_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_debug_traps_LDADD = $(CORE_CHECK_LDADD)

# The defects of issue 17, white box (src/internal.h): see the file's head.
check_PROGRAMS += tests/check_core_races
TESTS += tests/check_core_races
tests_check_core_races_SOURCES = tests/check_core_races.c tests/test_util.h
tests_check_core_races_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src
tests_check_core_races_CFLAGS = $(CORE_CHECK_CFLAGS)
tests_check_core_races_LDADD = $(CORE_CHECK_LDADD)
