# file: src/stats.c
# bug: remote frees by a thread without a cache are not counted in remote_frees
/^RTA_API void rta_stats_get(/,/^}/ s/^    out->remote_frees += atomic_load_explicit(&h->orphan_remote_frees, memory_order_relaxed);$/    (void)h->orphan_remote_frees;/
