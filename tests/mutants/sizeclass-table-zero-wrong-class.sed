# file: src/sizeclass.c
# bug: the small-size table serves rta_malloc(h, 0) from the 32-byte class, not the smallest
s/^\(  *\)0,\(  *\)0,\(  *\)1,/\11,\20,\31,/
