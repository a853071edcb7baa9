/* rtalloc-plan: turns profiles (rta_stats_write_json of heaps made with
 * RTA_PROFILE) into a configuration with which no allocation can fail, and
 * shows, class by class, why.  The bound and its argument are in
 * doc/CAPACITY.md; this file only does the arithmetic:
 *
 *   spans(k)   = N * ceil(P_k / B_k)      P_k: highest peak of class k in
 *                                          the profiles; B_k = S / size_k
 *   pool_bytes = S * (sum_k spans(k) + (N - 1) + arena spans)
 *
 * where S is the span size the planned heap will have and N the threads
 * that may hold caches (--threads, or the profiles' highest threads_peak).
 * The configuration is checked by creating the heap (without touching its
 * pages), which also gives the region size for a caller-owned memory.
 *
 * The JSON reader knows only what rta_stats_write_json writes: objects,
 * arrays, numbers, strings without escapes, true and false. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

#define MAX_FILE (1u << 20)
#define MIN_SPAN ((uint64_t)64 << 10) /* heap.c: spans of a pool of 64 KiB or more */

struct profile {
    const char *path;
    int profile; /* -1 absent, 0 false, 1 true */
    uint64_t max_block, span_bytes, threads_peak, arena_peak, arena_capacity;
    uint64_t arena_pool_bytes, failures;
    unsigned n_classes;
    uint64_t block_size[RTA_MAX_CLASSES], peak[RTA_MAX_CLASSES];
};

struct reader {
    const char *s;
    size_t i, n;
    int err;
    struct profile *p;
};

static void ws(struct reader *r)
{
    while (r->i < r->n && strchr(" \t\r\n", r->s[r->i]))
        r->i++;
}

static int eat(struct reader *r, char c)
{
    ws(r);
    if (r->i < r->n && r->s[r->i] == c) {
        r->i++;
        return 1;
    }
    return 0;
}

static size_t string(struct reader *r, char *out, size_t cap)
{
    size_t len = 0;
    if (!eat(r, '"')) {
        r->err = 1;
        return 0;
    }
    while (r->i < r->n && r->s[r->i] != '"') {
        if (len + 1 < cap)
            out[len++] = r->s[r->i];
        r->i++;
    }
    out[len] = '\0';
    if (!eat(r, '"'))
        r->err = 1;
    return len;
}

/* A value; numbers and booleans are returned in *num (true: 1). */
static void value(struct reader *r, const char *ctx, uint64_t *num);

static void member(struct reader *r, const char *ctx, const char *k, uint64_t v)
{
    struct profile *p = r->p;
    if (strcmp(ctx, "top") == 0) {
        if (!strcmp(k, "profile"))
            p->profile = (int)v;
        else if (!strcmp(k, "max_block"))
            p->max_block = v;
        else if (!strcmp(k, "span_bytes"))
            p->span_bytes = v;
        else if (!strcmp(k, "threads_peak"))
            p->threads_peak = v;
        else if (!strcmp(k, "arena_pool_bytes"))
            p->arena_pool_bytes = v;
        else if (!strcmp(k, "failures"))
            p->failures = v;
    } else if (strcmp(ctx, "frame_arena") == 0) {
        if (!strcmp(k, "peak"))
            p->arena_peak = v;
        else if (!strcmp(k, "capacity"))
            p->arena_capacity = v;
    } else if (strcmp(ctx, "class") == 0 && p->n_classes > 0) {
        if (!strcmp(k, "block_size"))
            p->block_size[p->n_classes - 1] = v;
        else if (!strcmp(k, "peak"))
            p->peak[p->n_classes - 1] = v;
    }
}

static void object(struct reader *r, const char *ctx)
{
    if (eat(r, '}'))
        return;
    do {
        char k[64];
        string(r, k, sizeof k);
        if (r->err || !eat(r, ':')) {
            r->err = 1;
            return;
        }
        const char *sub = "skip";
        if (!strcmp(ctx, "top") && !strcmp(k, "frame_arena"))
            sub = "frame_arena";
        else if (!strcmp(ctx, "top") && !strcmp(k, "classes"))
            sub = "classes";
        uint64_t v = UINT64_MAX;
        value(r, sub, &v);
        if (v != UINT64_MAX)
            member(r, ctx, k, v);
    } while (!r->err && eat(r, ','));
    if (!eat(r, '}'))
        r->err = 1;
}

static void array(struct reader *r, const char *ctx)
{
    if (eat(r, ']'))
        return;
    do {
        const char *sub = "skip";
        if (!strcmp(ctx, "classes")) {
            if (r->p->n_classes == RTA_MAX_CLASSES) {
                r->err = 1;
                return;
            }
            r->p->n_classes++;
            sub = "class";
        }
        uint64_t v;
        value(r, sub, &v);
    } while (!r->err && eat(r, ','));
    if (!eat(r, ']'))
        r->err = 1;
}

static void value(struct reader *r, const char *ctx, uint64_t *num)
{
    ws(r);
    if (r->i >= r->n) {
        r->err = 1;
        return;
    }
    char c = r->s[r->i];
    if (c == '{') {
        r->i++;
        object(r, ctx);
    } else if (c == '[') {
        r->i++;
        array(r, ctx);
    } else if (c == '"') {
        char junk[8];
        string(r, junk, sizeof junk);
    } else if (!strncmp(r->s + r->i, "true", 4)) {
        r->i += 4;
        *num = 1;
    } else if (!strncmp(r->s + r->i, "false", 5)) {
        r->i += 5;
        *num = 0;
    } else if (c >= '0' && c <= '9') {
        uint64_t v = 0;
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
            v = v * 10 + (uint64_t)(r->s[r->i++] - '0');
        *num = v;
    } else {
        r->err = 1;
    }
}

static int load(struct profile *p, const char *path)
{
    memset(p, 0, sizeof *p);
    p->path = path;
    p->profile = -1;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "rtalloc-plan: %s: %s\n", path, strerror(errno));
        return -1;
    }
    static char buf[MAX_FILE];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct reader r = {.s = buf, .i = 0, .n = n, .err = 0, .p = p};
    ws(&r);
    if (r.i < r.n && buf[r.i] == '{') {
        r.i++;
        object(&r, "top");
    } else {
        r.err = 1;
    }
    if (r.err || n == sizeof buf) {
        fprintf(stderr,
                "rtalloc-plan: %s: not a profile (rta_stats_write_json output) near byte %zu\n",
                path, r.i);
        return -1;
    }
    if (p->profile != 1) {
        fprintf(stderr,
                "rtalloc-plan: %s: refused: its peaks are not exact (\"profile\": %s); make the "
                "profile with RTA_PROFILE (or RTALLOC_OPTIONS=profile=1)\n",
                path, p->profile == 0 ? "false" : "missing");
        return -1;
    }
    if (p->failures) {
        fprintf(stderr,
                "rtalloc-plan: %s: refused: %llu allocations failed during the profile, so its "
                "peaks are below the program's demand; profile again with a larger pool\n",
                path, (unsigned long long)p->failures);
        return -1;
    }
    if (!p->max_block || !p->span_bytes || !p->n_classes) {
        fprintf(stderr,
                "rtalloc-plan: %s: not a profile: max_block, span_bytes or classes missing\n",
                path);
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: rtalloc-plan [--threads N] PROFILE.json...\n"
               "Prints an rta_config and an RTALLOC_OPTIONS string with which no allocation fails\n"
               "while every class stays within the profiles' peaks, the frame arena within its\n"
               "peak and at most N threads (default: the profiles' threads_peak) hold caches.\n"
               "Profiles: rta_stats_write_json of heaps made with RTA_PROFILE.\n");
}

int main(int argc, char **argv)
{
    uint64_t threads = 0;
    int first = 1;
    while (first < argc && argv[first][0] == '-' && argv[first][1] == '-') {
        if (!strcmp(argv[first], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[first], "--threads") && first + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[first + 1], &end, 10);
            if (*end || v == 0 || v > 4096) {
                fprintf(stderr, "rtalloc-plan: --threads wants 1 to 4096, not '%s'\n",
                        argv[first + 1]);
                return 2;
            }
            threads = v;
            first += 2;
            continue;
        }
        usage(stderr);
        return 2;
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }

    int n_prof = argc - first;
    struct profile *prof = calloc((size_t)n_prof, sizeof *prof);
    if (!prof)
        return 1;
    /* The plan: per block size, the highest peak of any profile. */
    uint64_t size[RTA_MAX_CLASSES] = {0}, peak[RTA_MAX_CLASSES] = {0};
    unsigned n_sizes = 0;
    uint64_t max_block = 0, span = MIN_SPAN, arena = 0, arena_cap = 0, arena_pool = 0,
             threads_peak = 0;
    for (int i = 0; i < n_prof; i++) {
        struct profile *p = &prof[i];
        if (load(p, argv[first + i]) != 0)
            return 2;
        if (p->max_block > max_block)
            max_block = p->max_block;
        if (p->span_bytes > span)
            span = p->span_bytes;
        if (p->arena_peak > arena)
            arena = p->arena_peak;
        if (p->arena_capacity > arena_cap)
            arena_cap = p->arena_capacity;
        if (p->arena_pool_bytes > arena_pool)
            arena_pool = p->arena_pool_bytes;
        if (p->threads_peak > threads_peak)
            threads_peak = p->threads_peak;
        for (unsigned k = 0; k < p->n_classes; k++) {
            unsigned j = 0;
            while (j < n_sizes && size[j] != p->block_size[k])
                j++;
            if (j == n_sizes) {
                if (n_sizes == RTA_MAX_CLASSES)
                    return 2;
                size[n_sizes++] = p->block_size[k];
            }
            if (p->peak[k] > peak[j])
                peak[j] = p->peak[k];
        }
    }
    uint64_t n = threads ? threads : threads_peak ? threads_peak : 1;
    if (threads && threads < threads_peak)
        fprintf(stderr,
                "rtalloc-plan: warning: --threads %llu is below the %llu threads the profiles "
                "saw: the promise holds only while at most %llu hold caches\n",
                (unsigned long long)threads, (unsigned long long)threads_peak,
                (unsigned long long)threads);

    printf("Derivation (the argument: doc/CAPACITY.md)\n");
    printf("  profiles: %d; threads holding caches N = %llu (%s); span S = %llu B\n", n_prof,
           (unsigned long long)n, threads ? "--threads" : "the profiles' threads_peak",
           (unsigned long long)span);
    printf("  A cache takes a span of class k only when every block of its spans of k is live,\n"
           "  so it holds at most ceil(P/B) of them, parked span included; N caches hold\n"
           "  at most N * ceil(P/B).\n");
    printf("  %10s %10s %8s %10s %8s %10s %14s\n", "block_size", "peak P", "B = S/sz", "ceil(P/B)",
           "threads", "spans", "bytes");
    uint64_t class_spans = 0;
    for (unsigned j = 0; j < n_sizes; j++) {
        if (!peak[j] || !size[j])
            continue;
        uint64_t b = span / size[j];
        uint64_t per = (peak[j] + b - 1) / b;
        uint64_t spans = n * per;
        class_spans += spans;
        printf("  %10llu %10llu %8llu %10llu %8llu %10llu %14llu\n", (unsigned long long)size[j],
               (unsigned long long)peak[j], (unsigned long long)b, (unsigned long long)per,
               (unsigned long long)n, (unsigned long long)spans,
               (unsigned long long)(spans * span));
    }
    uint64_t transit = n - 1;
    uint64_t arena_spans = (arena_pool + span - 1) / span;
    uint64_t total = class_spans + transit + arena_spans;
    if (total == 0)
        total = 1; /* a heap needs one span */
    printf("  classes: %llu spans\n", (unsigned long long)class_spans);
    printf("  + spans other threads are giving back at that moment, N - 1: %llu\n",
           (unsigned long long)transit);
    printf("  + spans carved by rta_arena_create (arena_pool_bytes %llu B): %llu\n",
           (unsigned long long)arena_pool, (unsigned long long)arena_spans);
    printf("  = %llu spans; pool_bytes = %llu * %llu = %llu B\n", (unsigned long long)total,
           (unsigned long long)total, (unsigned long long)span, (unsigned long long)(total * span));
    /* A frame arena the program had but never used keeps a minimal one, so
     * rta_heap_arena does not turn NULL under it. */
    uint64_t arena_bytes = arena ? arena : arena_cap ? 64 : 0;
    printf("  frame arena: peak %llu B -> arena_bytes %llu (its own slice, not from the pools)\n",
           (unsigned long long)arena, (unsigned long long)arena_bytes);

    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = (size_t)(total * span);
    cfg.arena_bytes = (size_t)arena_bytes;
    cfg.max_block = (size_t)max_block;
    cfg.max_threads = (unsigned)n;
    cfg.flags = RTA_NO_PREFAULT;
    rta_heap *h;
    int rc = rta_heap_create(&h, &cfg);
    if (rc != 0) {
        fprintf(stderr, "rtalloc-plan: the planned heap cannot be made: %s\n", rta_strerror(rc));
        return 1;
    }
    rta_stats st;
    rta_stats_get(h, &st);
    rta_heap_destroy(h);
    if (st.span_bytes != span) {
        fprintf(stderr, "rtalloc-plan: the planned heap has spans of %zu B, not %llu: refusing\n",
                st.span_bytes, (unsigned long long)span);
        return 1;
    }

    printf("\n/* rtalloc-plan: no allocation fails while each class stays within its peak,\n"
           " * the frame arena within %llu B and at most %llu thread(s) hold caches. */\n",
           (unsigned long long)arena, (unsigned long long)n);
    printf("rta_config cfg;\nrta_config_defaults(&cfg);\n");
    printf("cfg.pool_bytes = %zu; /* %llu spans of %llu B */\n", cfg.pool_bytes,
           (unsigned long long)total, (unsigned long long)span);
    printf("cfg.arena_bytes = %zu;\n", cfg.arena_bytes);
    printf("cfg.max_block = %zu;\n", cfg.max_block);
    printf("cfg.max_threads = %u;\n", cfg.max_threads);
    printf("/* with cfg.memory, cfg.memory_bytes >= %zu (metadata and span alignment) */\n",
           st.bytes_reserved + 63);
    printf("RTALLOC_OPTIONS=pool=%zu,arena=%zu,max_block=%zu,threads=%u\n", cfg.pool_bytes,
           cfg.arena_bytes, cfg.max_block, cfg.max_threads);
    free(prof);
    return 0;
}
