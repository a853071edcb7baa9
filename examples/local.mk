# Example programs.
include examples/pools.mk
include examples/game.mk
include examples/jack.mk
