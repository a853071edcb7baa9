# examples/pools.mk
