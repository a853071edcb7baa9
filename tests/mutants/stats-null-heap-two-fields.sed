# file: src/stats.c
# bug: rta_stats_get(NULL, &st) zeroes only two fields (issue 18)
/^RTA_API void rta_stats_get(/,/^}/ s/^    memset(out, 0, sizeof \*out);$/    if (h)\n        memset(out, 0, sizeof *out);\n    else\n        out->allocs = out->n_classes = 0;/
