# file: src/heap.c
# bug: each class's run in the size table stops one entry short, so the largest size of every class keeps whatever the heap's memory held
s/^        fill_u16(h->small_cc + i, last + 1 - i,$/        fill_u16(h->small_cc + i, last - i,/
