# tests/process.mk: the process heap and librtalloc_malloc (issue 11).
#
# process_options.sh  rta_process_heap: RTALLOC_OPTIONS defaults, keys,
#                     bad items, a heap that cannot be made, stats=
check_PROGRAMS += tests/process_heap_print
TESTS += tests/process_options.sh
EXTRA_DIST += tests/process_options.sh
tests_process_heap_print_SOURCES = tests/process_heap_print.c
tests_process_heap_print_LDADD = src/librtalloc.la
