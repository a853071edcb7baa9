# file: src/pool.c
# bug: the reclaim pass collects pending frees of the first class only, not of every class ever used
/^static int reclaim_cache(/,/^}/ s/^    for (uint64_t m = classes_used(h); m && \*budget; m &= m - 1) {$/    for (uint64_t m = classes_used(h) \& 1; m \&\& *budget; m \&= m - 1) {/
