# bench/micro.mk: micro benchmark of arena and pool operations (issues 2, 3).
#   make bench-micro        full run (bench/micro), figures on stdout
#   bench/micro_quick       the same program in quick mode: run by `make
#                           check` to prove it works and that the heap's
#                           counters agree; its figures are rough.
noinst_PROGRAMS += bench/micro
bench_micro_SOURCES = bench/micro_bench.c
bench_micro_LDADD = src/librtalloc.la

check_PROGRAMS += bench/micro_quick
bench_micro_quick_SOURCES = bench/micro_bench.c
bench_micro_quick_CPPFLAGS = $(AM_CPPFLAGS) -DMICRO_QUICK_DEFAULT=1
bench_micro_quick_LDADD = src/librtalloc.la
TESTS += bench/micro_quick

bench-micro: bench/micro$(EXEEXT)
	./bench/micro$(EXEEXT)
.PHONY: bench-micro
# `make bench` runs this one too (bench/suite.mk has the rest).
bench: bench-micro
