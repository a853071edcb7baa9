# librtalloc_guard: counts or traps system-heap calls in RT sections
# (issue 4).  Exports only the interposed names and rta_guard_*:
# -fvisibility=hidden, with an explicit default visibility on each.
# -fno-builtin: the compiler must not turn our malloc/strdup code into
# calls of the functions we define.  -fexceptions: a C++ exception thrown
# by operator new passes through cxx.c and runs its cleanup.
lib_LTLIBRARIES += guard/librtalloc_guard.la
include_HEADERS += include/rtalloc_guard.h
guard_librtalloc_guard_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/rtsection -DRTA_GUARD_BUILDING \
	$(JACK_CFLAGS)
guard_librtalloc_guard_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-builtin -fexceptions -fno-plt
guard_librtalloc_guard_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(RTA_LT_VERSION) -no-undefined
guard_librtalloc_guard_la_LIBADD = src/librtalloc.la
guard_librtalloc_guard_la_SOURCES = \
	guard/guard.h \
	guard/state.c \
	guard/alloc.c \
	guard/cxx.c \
	guard/strict.c \
	guard/report.c \
	guard/log.c \
	guard/blocking.c \
	guard/sections.c \
	guard/sites.c \
	guard/symbols.c \
	guard/suppress.c \
	guard/summary.c \
	$(RTSECTION_SOURCES)

# rtalloc-guard [--count] -- PROGRAM ARGS: runs PROGRAM with the guard
# preloaded.  Made here rather than by configure so it gets $(libdir) as
# `make install` will use it.
bin_SCRIPTS += guard/rtalloc-guard
CLEANFILES += guard/rtalloc-guard
EXTRA_DIST += guard/rtalloc-guard.in
guard/rtalloc-guard: $(top_srcdir)/guard/rtalloc-guard.in Makefile
	$(AM_V_GEN)$(MKDIR_P) guard && \
	$(SED) -e 's|@libdir[@]|$(libdir)|g' -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		$(top_srcdir)/guard/rtalloc-guard.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# Log mode against count mode on a 300-malloc-a-cycle JACK callback, as a
# ratio in the same run (not part of make check).
EXTRA_DIST += bench/guard_log_overhead.sh

# rtalloc-guard(1); tests/guard_man.sh checks that man -l renders it.
dist_man1_MANS = guard/rtalloc-guard.1

# Overhead of the guard on a malloc/free pair outside RT sections, as a
# ratio to glibc's own entry points measured in the same run.
noinst_PROGRAMS += guard/guard-overhead
guard_guard_overhead_SOURCES = guard/overhead.c
guard_guard_overhead_LDADD = guard/librtalloc_guard.la src/librtalloc.la
