# examples/game.mk
