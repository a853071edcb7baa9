# tests/process.mk: the process heap and librtalloc_malloc (issue 11).
#
# process_options.sh  rta_process_heap: RTALLOC_OPTIONS defaults, keys,
#                     bad items, a heap that cannot be made, stats=
check_PROGRAMS += tests/process_heap_print
TESTS += tests/process_options.sh
EXTRA_DIST += tests/process_options.sh
tests_process_heap_print_SOURCES = tests/process_heap_print.c
tests_process_heap_print_LDADD = src/librtalloc.la

# malloc_symbols.sh   librtalloc_malloc exports every entry point, nothing else
# check_malloc        librtalloc_malloc linked: every C entry point,
#                     foreign pointers, realloc across paths, alignment to
#                     2 MiB, ENOMEM, threads beyond threads=, fork from a
#                     multi-threaded parent, dlopen/dlclose, RT sections
check_PROGRAMS += tests/check_malloc
TESTS += tests/check_malloc tests/malloc_symbols.sh
EXTRA_DIST += tests/malloc_symbols.sh
tests_check_malloc_SOURCES = tests/check_malloc.c
tests_check_malloc_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMODULE_PATH='"$(abs_builddir)/tests/.libs/libmalloc_module.so"'
tests_check_malloc_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
tests_check_malloc_LDADD = malloc/librtalloc_malloc.la src/librtalloc.la @CHECK_LIBS@ -ldl
# Opened by check_malloc: -rpath makes it shared though never installed.
check_LTLIBRARIES += tests/libmalloc_module.la
tests_libmalloc_module_la_SOURCES = tests/malloc_module.c
tests_libmalloc_module_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere

# malloc_jack.sh      rtalloc-run on a plain libjack client on a real
#                     jackd -d dummy: pooled mallocs in the process
#                     callback not reported, a 1 MiB one counted / trapped
EXTRA_DIST += tests/malloc_jack.sh
if HAVE_JACK
check_PROGRAMS += tests/malloc_jack_client
TESTS += tests/malloc_jack.sh
tests_malloc_jack_client_SOURCES = tests/malloc_jack_client.c tests/jack_test_open.h
tests_malloc_jack_client_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_malloc_jack_client_LDADD = $(JACK_LIBS)
endif

# malloc_programs.sh  real Debian programs under rtalloc-run against a plain
#                     run: python3 with threads, g++ and a C++ program with
#                     containers, gcc, git, sort, a forking pipeline
TESTS += tests/malloc_programs.sh
EXTRA_DIST += tests/malloc_programs.sh tests/malloc_churn.py tests/malloc_fork.py \
	tests/malloc_containers.cpp

# man_pages.sh        rtalloc(3), rtalloc_malloc(3), rtalloc-run(1): man -l
#                     without warnings; every option and entry point named
TESTS += tests/man_pages.sh
EXTRA_DIST += tests/man_pages.sh
check_SCRIPTS += $(man_MANS)

# malloc_early.sh     blocks allocated before the process heap exists (a
#                     constructor that runs first) kept, resized, freed
TESTS += tests/malloc_early.sh
EXTRA_DIST += tests/malloc_early.sh
check_LTLIBRARIES += tests/libmalloc_early.la
tests_libmalloc_early_la_SOURCES = tests/malloc_early_lib.c
tests_libmalloc_early_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere
tests_libmalloc_early_la_LIBADD = src/librtalloc.la
