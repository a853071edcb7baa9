# bench/procmalloc.mk: rtalloc as the process's malloc (issue 11).
#
# make bench-whole-program   bench/whole_program.sh: wall times of larson-
#                            like churn, producer/consumer, python3, gcc and
#                            g++ with glibc, jemalloc, mimalloc, tcmalloc
#                            and rtalloc each as malloc (about 3 minutes)
# make bench-malloc-rtabench  see below
# make bench-malloc-icount   bench/procmalloc_icount.sh: callgrind
#                            instructions per malloc/free of bench/icount's
#                            patterns, every allocator entered through malloc
noinst_PROGRAMS += bench/procmalloc_larson bench/procmalloc_xthread
bench_procmalloc_larson_SOURCES = bench/procmalloc_larson.c
bench_procmalloc_xthread_SOURCES = bench/procmalloc_xthread.c
bench_procmalloc_larson_LDADD = $(PTHREAD_CFLAGS)
bench_procmalloc_xthread_LDADD = $(PTHREAD_CFLAGS)
EXTRA_DIST += bench/whole_program.sh bench/procmalloc_icount.sh doc/PERFORMANCE-malloc.md

WHOLE_PROGRAM_FLAGS =
bench-whole-program: bench/procmalloc_larson$(EXEEXT) bench/procmalloc_xthread$(EXEEXT) \
		malloc/librtalloc_malloc.la
	srcdir=$(abs_top_srcdir) $(SHELL) $(top_srcdir)/bench/whole_program.sh $(WHOLE_PROGRAM_FLAGS)
.PHONY: bench-whole-program

bench-malloc-icount: bench/icount$(EXEEXT) malloc/librtalloc_malloc.la
	$(SHELL) $(top_srcdir)/bench/procmalloc_icount.sh
.PHONY: bench-malloc-icount

# make bench-malloc-rtabench: rtabench's workloads (latency distributions)
# with rtalloc entering through malloc (the rtalloc-malloc peer, this
# build's librtalloc_malloc preloaded) beside glibc, jemalloc, mimalloc,
# tcmalloc and rtalloc's own API, into bench-results-malloc/.
bench-malloc-rtabench: bench/rtabench$(EXEEXT) malloc/librtalloc_malloc.la
	./bench/rtabench$(EXEEXT) --out bench-results-malloc \
		--only glibc,jemalloc,mimalloc,tcmalloc,rtalloc-malloc,rtalloc \
		--lib rtalloc-malloc=$(abs_builddir)/malloc/.libs/librtalloc_malloc.so $(RTABENCH_FLAGS)
.PHONY: bench-malloc-rtabench
