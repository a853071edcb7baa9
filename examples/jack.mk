# examples/jack.mk
