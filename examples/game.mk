# examples/game.mk: the game-loop example (issue 3), the double-buffered
# frame pattern with two arenas and pool-allocated entities.  It checks
# its own bookkeeping, so `make check` runs it as a test.
noinst_PROGRAMS += examples/game_loop
examples_game_loop_SOURCES = examples/game_loop.c
examples_game_loop_LDADD = src/librtalloc.la -lm
TESTS += examples/game_loop
# The guide the README links to: when to use the arena, when the pools.
EXTRA_DIST += doc/ARENAS.md
