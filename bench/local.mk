# Benchmarks (`make bench`): each area keeps its own fragment.
include bench/suite.mk
include bench/micro.mk
include bench/icount.mk
