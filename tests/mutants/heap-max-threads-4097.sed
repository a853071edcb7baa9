# file: src/heap.c
# bug: max_threads 4097 is accepted (the limit is 4096, doc/BAD-INPUT.md)
s/cfg->max_threads > RTA__MAX_THREADS_LIMIT/cfg->max_threads > RTA__MAX_THREADS_LIMIT + 1/
