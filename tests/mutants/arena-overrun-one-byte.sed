# file: src/arena.c
# bug: the arena hands out one byte past its end before it overflows
s/start > a->capacity || size > a->capacity - start)/start > a->capacity || size > a->capacity - start + 1)/
