# file: src/stats.c
# bug: rta_stats_get(NULL, &st) zeroes only two fields (issue 18)
/^RTA_API void rta_stats_get(/,/^}/ s/^        memset(out, 0, sizeof \*out);$/        out->allocs = out->n_classes = 0;/
