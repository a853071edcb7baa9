# file: src/internal.h
# bug: rta_malloc(h, 0) is served from the 32-byte class, not the smallest (issue 18)
s/return size == 0 ? 0 : /return size == 0 ? 1 : /
