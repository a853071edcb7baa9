# file: src/alloc.c
# bug: rta_aligned_alloc fails every alignment above 4096 (issue 18)
s/^    if (need > h->max_block)$/    if (need > h->max_block || align > 4096)/
