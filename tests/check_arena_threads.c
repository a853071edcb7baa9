/* Frame arenas under concurrent allocation: rta_arena_alloc is an atomic
 * bump, so several threads allocating from one arena at once must get
 * disjoint blocks, fill it up to (almost) the last byte between them, and
 * each see exactly one overflow when it stops fitting.
 *
 * Each thread fills every block it gets with a byte pattern of its own
 * (thread and block number); after the threads are joined the blocks are
 * checked two ways: every pattern is intact (a block handed out twice
 * would have been overwritten by its second owner), and the blocks sorted
 * by address do not overlap and all lie inside the arena. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

enum {
    THREADS = 4,
    ROUNDS = 100,
    ARENA_BYTES = 256u << 10,
    MIN_SIZE = 8,
    MAX_SIZE = 200,
    MAX_ALIGN = 64,
    /* every block takes at least MIN_SIZE bytes of the arena */
    MAX_BLOCKS = ARENA_BYTES / MIN_SIZE + 1
};

struct block {
    unsigned char *p;
    size_t size;
    unsigned char fill;
};

struct worker {
    pthread_t thread;
    rta_arena *arena;
    pthread_barrier_t *start;
    unsigned id;
    uint64_t rng;
    size_t n;
    size_t failed_size, failed_align; /* the request that did not fit */
    struct block *blocks;
};

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: deterministic per thread, no libc state shared */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

static unsigned char fill_byte(unsigned id, size_t index)
{
    /* never 0, different for neighbouring blocks and threads */
    return (unsigned char)(1 + (id * 61 + index * 7) % 255);
}

static void *allocate_until_full(void *arg)
{
    static const size_t aligns[] = {0, 1, 2, 8, 16, 32, 64};
    struct worker *w = arg;
    /* Each thread holds one block before any races on: so every thread
     * gets blocks even where the threads run one at a time (valgrind). */
    int first = 1;
    for (;;) {
        if (first && w->n == 1) {
            pthread_barrier_wait(w->start);
            first = 0;
        }
        uint64_t r = next_random(&w->rng);
        size_t size = MIN_SIZE + r % (MAX_SIZE - MIN_SIZE + 1);
        size_t align = aligns[(r >> 32) % (sizeof aligns / sizeof aligns[0])];
        unsigned char *p = rta_arena_alloc(w->arena, size, align);
        if (p == NULL) {
            if (first)
                pthread_barrier_wait(w->start); /* no first block: fails below */
            w->failed_size = size;
            w->failed_align = align ? align : 16;
            return NULL;
        }
        if (w->n == MAX_BLOCKS)
            return NULL; /* impossible if the arena is bounded; caught below */
        unsigned char fill = fill_byte(w->id, w->n);
        memset(p, fill, size);
        w->blocks[w->n++] = (struct block){p, size, fill};
    }
}

static int by_address(const void *a, const void *b)
{
    const struct block *x = a, *y = b;
    return (x->p > y->p) - (x->p < y->p);
}

/* One round: THREADS threads fill `a` from empty; returns the blocks. */
static size_t run_round(rta_arena *a, struct worker *w, struct block *all, uint64_t seed)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (unsigned t = 0; t < THREADS; t++) {
        w[t].arena = a;
        w[t].start = &start;
        w[t].id = t;
        w[t].rng = seed * 0x9E3779B97F4A7C15ull + t + 1;
        w[t].n = 0;
        ck_assert_int_eq(pthread_create(&w[t].thread, NULL, allocate_until_full, &w[t]), 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_join(w[t].thread, NULL), 0);
    pthread_barrier_destroy(&start);

    size_t n = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        ck_assert_msg(w[t].n < MAX_BLOCKS, "thread %u got more blocks than fit", t);
        memcpy(all + n, w[t].blocks, w[t].n * sizeof *all);
        n += w[t].n;
    }
    return n;
}

static void check_round(rta_arena *a, const unsigned char *base, struct worker *w,
                        struct block *all, size_t n)
{
    size_t cap = rta_arena_capacity(a);
    size_t used = rta_arena_used(a);
    size_t sum = 0;

    /* Patterns intact: no block was handed to two owners.  (Check's
     * ck_assert writes to its runner on every call, even when it passes,
     * so the loops below test first and only call Check on a failure.) */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < all[i].size; k++)
            if (all[i].p[k] != all[i].fill)
                ck_abort_msg("block %p+%zu: byte %zu is %#x, expected %#x", (void *)all[i].p,
                             all[i].size, k, all[i].p[k], all[i].fill);
        sum += all[i].size;
    }
    /* Sorted, the blocks do not overlap and stay inside the arena. */
    qsort(all, n, sizeof *all, by_address);
    for (size_t i = 0; i < n; i++) {
        if (all[i].p < base || all[i].p + all[i].size > base + cap)
            ck_abort_msg("block %p+%zu outside the arena [%p, +%zu)", (void *)all[i].p, all[i].size,
                         (const void *)base, cap);
        if (i + 1 < n && all[i].p + all[i].size > all[i + 1].p)
            ck_abort_msg("blocks %p+%zu and %p overlap", (void *)all[i].p, all[i].size,
                         (void *)all[i + 1].p);
    }
    ck_assert_uint_le(sum, used);
    ck_assert_uint_le(used, cap);
    /* Each thread stopped on a request that did not fit in what was left:
     * so what is left now is less than that request plus its alignment
     * padding (plus 15, should the arena round sizes up to 16). */
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_msg(cap - used < w[t].failed_size + w[t].failed_align + 15,
                      "thread %u: %zu+%zu did not fit but %zu bytes are free", t, w[t].failed_size,
                      w[t].failed_align, cap - used);
}

START_TEST(test_concurrent_alloc_disjoint)
{
    rta_config cfg;
    rta_heap *h;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = ARENA_BYTES;
    cfg.flags = 0;
    ck_assert_int_eq(rta_heap_create(&h, &cfg), 0);
    rta_arena *created;
    ck_assert_int_eq(rta_arena_create(h, ARENA_BYTES, &created), 0);

    struct worker w[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        w[t].blocks = malloc(MAX_BLOCKS * sizeof *w[t].blocks);
        ck_assert_ptr_nonnull(w[t].blocks);
    }
    struct block *all = malloc(THREADS * (size_t)MAX_BLOCKS * sizeof *all);
    ck_assert_ptr_nonnull(all);

    rta_arena *arenas[2] = {rta_heap_arena(h), created};
    for (int which = 0; which < 2; which++) {
        rta_arena *a = arenas[which];
        ck_assert_ptr_nonnull(a);
        size_t peak = 0;
        for (int round = 0; round < ROUNDS; round++) {
            rta_arena_reset(a);
            /* Where the arena starts: the first block after a reset. */
            size_t m = rta_arena_mark(a);
            const unsigned char *base = rta_arena_alloc(a, 1, 1);
            ck_assert_ptr_nonnull(base);
            rta_arena_rewind(a, m);

            size_t n = run_round(a, w, all, (uint64_t)round * 2 + (uint64_t)which);
            /* Every thread got blocks, and all of them raced for the rest. */
            for (unsigned t = 0; t < THREADS; t++)
                ck_assert_msg(w[t].n >= 1, "round %d: thread %u got no block", round, t);
            ck_assert_uint_gt(n, THREADS);
            check_round(a, base, w, all, n);
            if (rta_arena_used(a) > peak)
                peak = rta_arena_used(a);

            rta_arena_stats st;
            rta_arena_stats_get(a, &st);
            ck_assert_uint_eq(st.overflows, (uint64_t)(round + 1) * THREADS);
            ck_assert_uint_eq(st.resets, (uint64_t)round + 1);
            ck_assert_uint_eq(st.used, rta_arena_used(a));
            ck_assert_uint_ge(st.peak, peak);
            ck_assert_uint_le(st.peak, st.capacity);
        }
    }
    for (unsigned t = 0; t < THREADS; t++)
        free(w[t].blocks);
    free(all);
    rta_heap_destroy(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arena_threads");
    TCase *tc = tcase_create("concurrent");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_concurrent_alloc_disjoint);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
