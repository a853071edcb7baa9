# Example programs.
include examples/pools.mk
include examples/game.mk
include examples/jack.mk
include examples/lv2/local.mk
