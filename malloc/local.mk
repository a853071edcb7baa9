# librtalloc_malloc: the process heap as the process's malloc, C++ new and
# delete (issue 11).  Exports only the allocation entry points:
# -fvisibility=hidden with an explicit default visibility on each.
# -fno-builtin: the compiler must not turn code here into calls of the
# functions it defines (malloc + memset into calloc).  -fexceptions: a
# std::bad_alloc thrown by libstdc++'s operator new passes through cxx.c.
# src/options.c, src/fmt.c and src/os.c are compiled in again (hidden) to
# read RTALLOC_OPTIONS and write reports without allocating; the heap
# itself is librtalloc's, shared with every other user of
# rta_process_heap() in the process.
lib_LTLIBRARIES += malloc/librtalloc_malloc.la
pkgconfig_DATA += rtalloc-malloc.pc
malloc_librtalloc_malloc_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src -I$(top_srcdir)/rtsection $(JACK_CFLAGS)
malloc_librtalloc_malloc_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-builtin -fexceptions -fno-plt
# -shared: no static archive; its hidden copies of src/options.c, fmt.c
# and os.c would clash with librtalloc.a's in a static link.
malloc_librtalloc_malloc_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(RTA_LT_VERSION) -no-undefined -shared
malloc_librtalloc_malloc_la_LIBADD = src/librtalloc.la -ldl
malloc_librtalloc_malloc_la_SOURCES = \
	malloc/malloc.h \
	malloc/start.c \
	malloc/entry.c \
	malloc/cxx.c \
	malloc/rt.c \
	malloc/sections.c \
	src/options.c \
	src/fmt.c \
	src/os.c \
	$(RTSECTION_SOURCES)

# JACK's callbacks become RT sections through rtsection/ (the guard's
# code, compiled in with hooks of our own in malloc/sections.c).

# rtalloc-run [options] -- PROGRAM ARGS: runs PROGRAM with the library
# preloaded.  Made here rather than by configure so it gets $(libdir) as
# `make install` will use it.
bin_SCRIPTS += malloc/rtalloc-run
CLEANFILES += malloc/rtalloc-run
EXTRA_DIST += malloc/rtalloc-run.in
malloc/rtalloc-run: $(top_srcdir)/malloc/rtalloc-run.in Makefile
	$(AM_V_GEN)$(MKDIR_P) malloc && \
	$(SED) -e 's|@libdir[@]|$(libdir)|g' -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		$(top_srcdir)/malloc/rtalloc-run.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
