/* micro: what the basic operations of rtalloc cost, in nanoseconds.
 *
 * Measured in one run, each as the median over many repetitions of a
 * timed batch (so a preempted repetition on a shared machine does not
 * move the figure):
 *
 *   arena     rta_arena_alloc against a plain inline pointer bump over the
 *             same sizes and alignments (the floor any arena can reach),
 *             and their ratio; rta_arena_reset of an empty arena, and an
 *             alloc+reset pair (reset alone = pair - alloc).
 *   pools     rta_malloc + rta_free of the same block on the owner thread;
 *             a batch of 64 allocations then 64 frees (per pair); a
 *             cross-thread rta_free: blocks allocated by one thread, freed
 *             by another (per free).
 *   system    the same pool patterns with the C library's malloc/free,
 *             for scale only.
 *
 * Nothing here is a pass/fail bound.  `--quick` (the check-time variant,
 * bench/micro_quick) runs a few repetitions to prove the program works and
 * checks the heap's counters afterwards; it exits 1 only if those are
 * wrong.  Usage: bench/micro [--quick] [--reps N] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtalloc.h"

#ifndef MICRO_QUICK_DEFAULT
#define MICRO_QUICK_DEFAULT 0
#endif

enum {
    ARENA_BATCH = 16384, /* allocations per timed arena batch */
    PAIR_BATCH = 16384,  /* alloc+free pairs per timed pool batch */
    CROSS_BLOCKS = 4096, /* blocks freed per timed cross-thread batch */
    GROUP = 64,          /* blocks per alloc-then-free group */
    BLOCK = 64,          /* pool block size used throughout */
    MAX_REPS = 1001
};

/* The same request sequence for the arena and for the inline bump. */
static const size_t req_size[8] = {32, 16, 48, 24, 64, 8, 40, 32};
static const size_t req_align[8] = {0, 0, 16, 8, 64, 0, 16, 0};

static volatile uintptr_t sink; /* keeps results alive without a memory write per op */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct figure {
    double median, min;
};

static struct figure summarise(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return (struct figure){v[n / 2], v[0]};
}

/* ---- arena --------------------------------------------------------------- */

struct bump {
    unsigned char *base;
    size_t pos, cap;
};

/* The baseline: a non-atomic bump, inlined, with the same checks an arena
 * needs (alignment and capacity). */
static inline void *bump_alloc(struct bump *b, size_t size, size_t align)
{
    if (align == 0)
        align = 16;
    uintptr_t start = ((uintptr_t)b->base + b->pos + align - 1) & ~(uintptr_t)(align - 1);
    size_t end = (size_t)(start - (uintptr_t)b->base) + size;
    if (end > b->cap)
        return NULL;
    b->pos = end;
    return (void *)start;
}

static double time_bump_batch(struct bump *b)
{
    uintptr_t acc = 0;
    b->pos = 0;
    double t0 = now_ns();
    for (unsigned i = 0; i < ARENA_BATCH; i++)
        acc ^= (uintptr_t)bump_alloc(b, req_size[i & 7], req_align[i & 7]);
    double t1 = now_ns();
    sink = acc;
    return (t1 - t0) / ARENA_BATCH;
}

static double time_arena_batch(rta_arena *a)
{
    uintptr_t acc = 0;
    rta_arena_reset(a);
    double t0 = now_ns();
    for (unsigned i = 0; i < ARENA_BATCH; i++)
        acc ^= (uintptr_t)rta_arena_alloc(a, req_size[i & 7], req_align[i & 7]);
    double t1 = now_ns();
    sink = acc;
    return (t1 - t0) / ARENA_BATCH;
}

static double time_reset_empty(rta_arena *a)
{
    rta_arena_reset(a);
    double t0 = now_ns();
    for (unsigned i = 0; i < ARENA_BATCH; i++)
        rta_arena_reset(a);
    return (now_ns() - t0) / ARENA_BATCH;
}

static double time_alloc_reset_pair(rta_arena *a)
{
    uintptr_t acc = 0;
    double t0 = now_ns();
    for (unsigned i = 0; i < ARENA_BATCH; i++) {
        acc ^= (uintptr_t)rta_arena_alloc(a, req_size[i & 7], req_align[i & 7]);
        rta_arena_reset(a);
    }
    double t1 = now_ns();
    sink = acc;
    return (t1 - t0) / ARENA_BATCH;
}

/* ---- pools --------------------------------------------------------------- */

struct allocator {
    rta_heap *heap; /* NULL: the C library */
};

static void *any_alloc(const struct allocator *al, size_t size)
{
    return al->heap ? rta_malloc(al->heap, size) : malloc(size);
}

static void any_free(const struct allocator *al, void *p)
{
    if (al->heap)
        rta_free(al->heap, p);
    else
        free(p);
}

static int failures; /* allocations that returned NULL (quick-mode check) */

static double time_pairs(const struct allocator *al)
{
    uintptr_t acc = 0;
    double t0 = now_ns();
    for (unsigned i = 0; i < PAIR_BATCH; i++) {
        void *p = any_alloc(al, BLOCK);
        acc ^= (uintptr_t)p;
        failures += p == NULL;
        any_free(al, p);
    }
    double t1 = now_ns();
    sink = acc;
    return (t1 - t0) / PAIR_BATCH;
}

static double time_groups(const struct allocator *al)
{
    void *ptr[GROUP];
    double t0 = now_ns();
    for (unsigned g = 0; g < PAIR_BATCH / GROUP; g++) {
        for (unsigned i = 0; i < GROUP; i++)
            ptr[i] = any_alloc(al, BLOCK);
        for (unsigned i = 0; i < GROUP; i++)
            any_free(al, ptr[i]);
    }
    double t1 = now_ns();
    for (unsigned i = 0; i < GROUP; i++)
        failures += ptr[i] == NULL;
    return (t1 - t0) / PAIR_BATCH;
}

/* Cross-thread free: the main thread allocates CROSS_BLOCKS blocks, the
 * freer thread frees them all (timed), reps times over. */
struct cross {
    const struct allocator *al;
    void **blocks;
    int reps;
    double *per_free;
    pthread_barrier_t ready, done;
};

static void *freer_thread(void *arg)
{
    struct cross *c = arg;
    for (int r = 0; r < c->reps; r++) {
        pthread_barrier_wait(&c->ready);
        double t0 = now_ns();
        for (unsigned i = 0; i < CROSS_BLOCKS; i++)
            any_free(c->al, c->blocks[i]);
        c->per_free[r] = (now_ns() - t0) / CROSS_BLOCKS;
        pthread_barrier_wait(&c->done);
    }
    return NULL;
}

static struct figure time_cross_free(const struct allocator *al, int reps)
{
    static void *blocks[CROSS_BLOCKS];
    static double per_free[MAX_REPS];
    struct cross c = {al, blocks, reps, per_free, {{0}}, {{0}}};
    pthread_t t;
    pthread_barrier_init(&c.ready, NULL, 2);
    pthread_barrier_init(&c.done, NULL, 2);
    if (pthread_create(&t, NULL, freer_thread, &c) != 0) {
        perror("pthread_create");
        exit(1);
    }
    for (int r = 0; r < reps; r++) {
        for (unsigned i = 0; i < CROSS_BLOCKS; i++) {
            blocks[i] = any_alloc(al, BLOCK);
            failures += blocks[i] == NULL;
        }
        pthread_barrier_wait(&c.ready);
        pthread_barrier_wait(&c.done);
    }
    pthread_join(t, NULL);
    pthread_barrier_destroy(&c.ready);
    pthread_barrier_destroy(&c.done);
    return summarise(per_free, reps);
}

/* ---- main ---------------------------------------------------------------- */

typedef double (*arena_timer)(rta_arena *);
typedef double (*pool_timer)(const struct allocator *);

static struct figure repeat_arena(arena_timer fn, rta_arena *a, int reps)
{
    static double v[MAX_REPS];
    for (int r = 0; r < reps; r++)
        v[r] = fn(a);
    return summarise(v, reps);
}

static struct figure repeat_pool(pool_timer fn, const struct allocator *al, int reps)
{
    static double v[MAX_REPS];
    for (int r = 0; r < reps; r++)
        v[r] = fn(al);
    return summarise(v, reps);
}

static struct figure repeat_bump(struct bump *b, int reps)
{
    static double v[MAX_REPS];
    for (int r = 0; r < reps; r++)
        v[r] = time_bump_batch(b);
    return summarise(v, reps);
}

static void line(const char *what, struct figure f)
{
    printf("  %-44s %8.2f ns   (min %.2f)\n", what, f.median, f.min);
}

int main(int argc, char **argv)
{
    int quick = MICRO_QUICK_DEFAULT;
    int reps = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--reps N]\n", argv[0]);
            return 2;
        }
    }
    if (reps <= 0)
        reps = quick ? 5 : 201;
    if (reps > MAX_REPS)
        reps = MAX_REPS;

    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 16u << 20;
    cfg.arena_bytes = 1u << 20;        /* > ARENA_BATCH * (largest request + padding) */
    cfg.flags &= ~(unsigned)RTA_DEBUG; /* measure the release behaviour */
    rta_heap *h;
    int rc = rta_heap_create(&h, &cfg);
    if (rc != 0) {
        fprintf(stderr, "micro: rta_heap_create: %s\n", rta_strerror(rc));
        return 1;
    }
    rta_arena *a = rta_heap_arena(h);
    if (rta_thread_attach(h) != 0 || a == NULL) {
        fprintf(stderr, "micro: no thread cache or no frame arena\n");
        return 1;
    }
    struct bump b = {malloc(cfg.arena_bytes), 0, cfg.arena_bytes};
    if (b.base == NULL)
        return 1;
    memset(b.base, 0, b.cap);

    printf("rtalloc %s micro benchmark: median of %d repetitions%s, ns per operation\n",
           rta_version(), reps, quick ? " (quick mode: figures are rough)" : "");

    /* Warm-up: caches, branch predictors, the thread cache's spans. */
    repeat_arena(time_arena_batch, a, reps < 5 ? reps : 5);
    repeat_bump(&b, reps < 5 ? reps : 5);

    struct figure f_arena = repeat_arena(time_arena_batch, a, reps);
    struct figure f_bump = repeat_bump(&b, reps);
    struct figure f_reset = repeat_arena(time_reset_empty, a, reps);
    struct figure f_pair = repeat_arena(time_alloc_reset_pair, a, reps);
    printf("arena (%d allocations per batch, sizes 8-64 B, alignments 1-64)\n", ARENA_BATCH);
    line("rta_arena_alloc", f_arena);
    line("inline pointer bump (baseline)", f_bump);
    printf("  %-44s %8.2f x\n", "ratio rta_arena_alloc / inline bump",
           f_bump.median > 0 ? f_arena.median / f_bump.median : 0.0);
    line("rta_arena_reset (empty arena)", f_reset);
    line("rta_arena_alloc + rta_arena_reset pair", f_pair);
    printf("  %-44s %8.2f ns\n", "rta_arena_reset alone (pair - alloc)",
           f_pair.median - f_arena.median);

    struct allocator rta = {h}, libc = {NULL};
    repeat_pool(time_pairs, &rta, reps < 5 ? reps : 5);
    struct figure f_rta_pair = repeat_pool(time_pairs, &rta, reps);
    struct figure f_rta_group = repeat_pool(time_groups, &rta, reps);
    struct figure f_rta_cross = time_cross_free(&rta, reps);
    struct figure f_libc_pair = repeat_pool(time_pairs, &libc, reps);
    struct figure f_libc_group = repeat_pool(time_groups, &libc, reps);
    struct figure f_libc_cross = time_cross_free(&libc, reps);
    printf("pools (%d B blocks)\n", BLOCK);
    line("rta_malloc + rta_free pair, owner thread", f_rta_pair);
    line("64 rta_malloc then 64 rta_free, per pair", f_rta_group);
    line("cross-thread rta_free, per free", f_rta_cross);
    printf("system heap, same patterns (for scale)\n");
    line("malloc + free pair", f_libc_pair);
    line("64 malloc then 64 free, per pair", f_libc_group);
    line("cross-thread free, per free", f_libc_cross);

    /* The counters must agree with what was done (the quick mode's test). */
    rta_stats st;
    rta_stats_get(h, &st);
    rta_arena_stats ast;
    rta_arena_stats_get(a, &ast);
    uint64_t cross_frees = (uint64_t)reps * CROSS_BLOCKS;
    int bad = failures != 0 || st.bytes_live != 0 || st.allocs != st.frees ||
              st.remote_frees < cross_frees || st.failures != 0 || ast.overflows != 0;
    if (bad)
        fprintf(stderr,
                "micro: counters disagree: %d NULLs, live %zu B, allocs %llu, frees %llu, "
                "remote frees %llu (expected >= %llu), failures %llu, arena overflows %llu\n",
                failures, st.bytes_live, (unsigned long long)st.allocs,
                (unsigned long long)st.frees, (unsigned long long)st.remote_frees,
                (unsigned long long)cross_frees, (unsigned long long)st.failures,
                (unsigned long long)ast.overflows);
    free(b.base);
    rta_heap_destroy(h);
    return bad ? 1 : 0;
}
