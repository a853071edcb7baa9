# Capacity you can prove (issue 14): exact peaks, the JSON profile, the
# low-water signal (check_profile), and rtalloc-plan's promise against an
# adversary (capacity.sh driving capacity_adversary).
check_PROGRAMS += tests/check_profile tests/capacity_adversary
TESTS += tests/check_profile tests/capacity.sh
EXTRA_DIST += tests/capacity.sh

tests_check_profile_SOURCES = tests/check_profile.c tests/test_util.h
tests_check_profile_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
tests_check_profile_LDADD = src/librtalloc.la @CHECK_LIBS@
tests_capacity_adversary_SOURCES = tests/capacity_adversary.c
tests_capacity_adversary_LDADD = src/librtalloc.la
CLEANFILES += tests/jack_demo_profile.json tests/jack_demo_profile.out.plan
