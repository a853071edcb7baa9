# file: src/sizeclass.c
# bug: the small-size table serves rta_malloc(h, 0) from the 32-byte class, not the smallest
s/^    0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 11,$/    1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 11,/
