# bench/icount.mk: instructions per operation under callgrind (issue 10).
#   make bench-icount      rtalloc and every installed peer on the three
#                          patterns of bench/icount.c, with ratios to the
#                          leanest peer (bench/icount.sh)
#   tests/icount_check.sh  (make check) fails when rtalloc's figure on a
#                          pattern rises more than 10% above the one
#                          recorded in bench/icount-record.tsv
# -no-install: a real executable (no libtool wrapper) that still calls
# the shared librtalloc through its PLT, as the peers' malloc is called.
check_PROGRAMS += bench/icount
bench_icount_SOURCES = bench/icount.c
bench_icount_LDADD = src/librtalloc.la
bench_icount_LDFLAGS = $(AM_LDFLAGS) -no-install

TESTS += tests/icount_check.sh
EXTRA_DIST += bench/icount.sh bench/icount-record.tsv tests/icount_check.sh

bench-icount: bench/icount$(EXEEXT)
	$(SHELL) $(srcdir)/bench/icount.sh --program ./bench/icount$(EXEEXT)
.PHONY: bench-icount
bench: bench-icount

# Refills after scattered remote frees, by max_threads (issue 17, defect
# 3): the command is in the program's opening comment.
noinst_PROGRAMS += bench/icount_scatter
bench_icount_scatter_SOURCES = bench/icount_scatter.c
bench_icount_scatter_LDADD = src/librtalloc.la
bench_icount_scatter_LDFLAGS = $(AM_LDFLAGS) -no-install

# Statistics reads, by max_threads (issue 15): the command is in the
# program's opening comment.
noinst_PROGRAMS += bench/icount_stats
bench_icount_stats_SOURCES = bench/icount_stats.c
bench_icount_stats_LDADD = src/librtalloc.la
bench_icount_stats_LDFLAGS = $(AM_LDFLAGS) -no-install
