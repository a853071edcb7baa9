# tests/arena.mk: frame arena tests (issue 3), Check programs.
#   check_arena          contract, single thread: alignment, reset, mark/rewind,
#                        overflow at the capacity boundary, stats, rta_arena_create
#   check_arena_threads  concurrent allocation yields disjoint blocks
#   check_arena_debug    RTA_DEBUG: overflow trap, poison on reset/rewind
#   check_arena_rt       steady state: no page fault (getrusage), no system
#                        call (seccomp filter) over a million frames
ARENA_CHECKS = \
	tests/check_arena \
	tests/check_arena_threads \
	tests/check_arena_debug \
	tests/check_arena_rt
check_PROGRAMS += $(ARENA_CHECKS)
TESTS += $(ARENA_CHECKS)

ARENA_CHECK_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
ARENA_CHECK_LDADD = src/librtalloc.la @CHECK_LIBS@

tests_check_arena_SOURCES = tests/check_arena.c
tests_check_arena_CFLAGS = $(ARENA_CHECK_CFLAGS)
tests_check_arena_LDADD = $(ARENA_CHECK_LDADD)

tests_check_arena_threads_SOURCES = tests/check_arena_threads.c
tests_check_arena_threads_CFLAGS = $(ARENA_CHECK_CFLAGS)
tests_check_arena_threads_LDADD = $(ARENA_CHECK_LDADD)

tests_check_arena_debug_SOURCES = tests/check_arena_debug.c
tests_check_arena_debug_CFLAGS = $(ARENA_CHECK_CFLAGS)
tests_check_arena_debug_LDADD = $(ARENA_CHECK_LDADD)

tests_check_arena_rt_SOURCES = tests/check_arena_rt.c
tests_check_arena_rt_CFLAGS = $(ARENA_CHECK_CFLAGS)
tests_check_arena_rt_LDADD = $(ARENA_CHECK_LDADD)
