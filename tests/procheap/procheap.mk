# tests/procheap/procheap.mk: hardening of the process heap (issue 15).
#   tests/procheap/malloc_stress  librtalloc_malloc linked: 4 threads of
#                                 cross-thread malloc/realloc/free while the
#                                 main thread forks; each child must work
#                                 (RTA_MALLOC_STRESS_SECONDS, default 5).
#                                 .ci/hardening.sh runs it under valgrind.
check_PROGRAMS += tests/procheap/malloc_stress
TESTS += tests/procheap/malloc_stress
tests_procheap_malloc_stress_SOURCES = tests/procheap/malloc_stress.c
tests_procheap_malloc_stress_LDADD = malloc/librtalloc_malloc.la src/librtalloc.la
