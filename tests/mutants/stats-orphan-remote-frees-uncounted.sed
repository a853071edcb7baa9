# file: src/stats.c
# bug: remote frees by a thread without a cache are not counted in remote_frees
/^RTA_API void rta_stats_get(/,/^}/ s/^    uint64_t remote = atomic_load_explicit(&h->orphan_remote_frees, memory_order_relaxed);$/    uint64_t remote = 0;/
