# bench/suite.mk: the benchmark suite (issue 6), `make bench`.
#
# One program, bench/rtabench: per-operation latency distributions of
# rtalloc (pools and frame arena) against glibc, jemalloc, mimalloc and
# tcmalloc, each allocator in its own process, plus page faults and system
# calls in the measured phase.  `make check` runs it with --quick, which
# only proves it works; `make bench` does the full run into bench-results/
# (table on the terminal, results.csv, rounds.csv, CCDF PNGs):
# RTABENCH_ROUNDS rounds, each allocator once per round in its own process,
# the order rotated per round, medians and their spread (`make bench-suite
# RTABENCH_ROUNDS=1` for a single run).

check_PROGRAMS += bench/rtabench
bench_rtabench_SOURCES = \
	bench/rtabench_main.c \
	bench/rtabench_driver.h \
	bench/rtabench_peers.c \
	bench/rtabench_workloads.c \
	bench/rtabench_spawn.c \
	bench/rtabench_report.c \
	bench/rtabench_rounds.c \
	bench/rtabench_child.c \
	bench/rtabench_run.h \
	bench/rtabench_run.c \
	bench/rtabench_series.h \
	bench/rtabench_series.c \
	bench/rtabench_timer.h \
	bench/rtabench_timer.c \
	bench/rtabench_hist.h \
	bench/rtabench_hist.c \
	bench/rtabench_alloc.h \
	bench/rtabench_alloc.c \
	bench/rtabench_wl_frames.c \
	bench/rtabench_wl_churn.c \
	bench/rtabench_wl_xthread.c \
	bench/rtabench_ring.h \
	bench/rtabench_neighbour.h \
	bench/rtabench_neighbour.c
bench_rtabench_LDADD = src/librtalloc.la
# -static: libtool links the uninstalled librtalloc into the binary, so
# the program is a real executable (no libtool wrapper script) and can
# re-execute itself (/proc/PID/exe) for each allocator's child.
bench_rtabench_LDFLAGS = $(AM_LDFLAGS) -static

TESTS += bench/rtabench-quick.sh
EXTRA_DIST += bench/rtabench-quick.sh doc/PERFORMANCE.md

RTABENCH_OUT = bench-results
RTABENCH_ROUNDS = 5

bench: bench-suite
bench-suite: bench/rtabench$(EXEEXT)
	bench/rtabench$(EXEEXT) --out $(RTABENCH_OUT) --rounds $(RTABENCH_ROUNDS) \
	  --strace '$(STRACE)' --gnuplot '$(GNUPLOT)'
.PHONY: bench bench-suite
