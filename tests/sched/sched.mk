# tests/sched/sched.mk: interleavings of the cross-thread paths (issue 15).
#   tests/sched/sched_fuzz          deterministic schedules of whole API calls
#                                   on 3 threads against a reference model
#                                   (RTA_SCHED_SEEDS schedules, default 1000)
#   tests/sched/run_yield_stress.sh TSan build with a random yield before
#                                   every atomic operation (RTA_TEST_YIELDS),
#                                   RTA_YIELD_SECONDS (default 10)
#   make sched-long SCHED_SEEDS=N   N schedules (CI: 10000)

check_PROGRAMS += tests/sched/sched_fuzz
TESTS += tests/sched/sched_fuzz tests/sched/run_yield_stress.sh
tests_sched_sched_fuzz_SOURCES = tests/sched/sched_fuzz.c
tests_sched_sched_fuzz_LDADD = src/librtalloc.la

SCHED_SEEDS = 20000
sched-long: tests/sched/sched_fuzz$(EXEEXT)
	./tests/sched/sched_fuzz$(EXEEXT) --seeds $(SCHED_SEEDS)
.PHONY: sched-long

EXTRA_DIST += tests/sched/run_yield_stress.sh tests/sched/yield_stress.c
CLEANFILES += tests/sched/yield_stress
