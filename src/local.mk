# librtalloc: the allocator.  Only rta_* symbols are exported
# (-fvisibility=hidden plus RTA_API on the public functions).
lib_LTLIBRARIES += src/librtalloc.la
src_librtalloc_la_CPPFLAGS = $(AM_CPPFLAGS) -DRTA_BUILDING_LIBRARY
src_librtalloc_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
src_librtalloc_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(RTA_LT_VERSION) -no-undefined
src_librtalloc_la_LIBADD =
src_librtalloc_la_SOURCES = \
	src/internal.h \
	src/alloc.c \
	src/arena.c \
	src/debug.c \
	src/fallback.c \
	src/fmt.c \
	src/heap.c \
	src/options.c \
	src/os.c \
	src/pool.c \
	src/process.c \
	src/remote.c \
	src/reserve.c \
	src/rt.c \
	src/sizeclass.c \
	src/stats.c \
	src/tcache.c \
	src/trap.c
