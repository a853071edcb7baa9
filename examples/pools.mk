# examples/pools.mk: pool_stats, the small program the README's first
# command runs: pools across classes from two threads, then their
# statistics.  Built by `make`, run by `make check` (exit 0 = it all
# added up).
noinst_PROGRAMS += examples/pool_stats
examples_pool_stats_SOURCES = examples/pool_stats.c
examples_pool_stats_LDADD = src/librtalloc.la
TESTS += examples/pool_stats
