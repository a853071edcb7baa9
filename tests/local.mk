# Tests run by `make check`; each area keeps its own fragment.
include tests/core.mk
include tests/arena.mk
include tests/guard.mk
include tests/demo.mk
include tests/hardening.mk
include tests/capacity.mk
include tests/process.mk
include tests/lv2.mk
include tests/mutants.mk
include tests/sched/sched.mk
include tests/faults/faults.mk
include tests/procheap/procheap.mk
