/* The owner fast paths of issue 10, through the public API: what the
 * shortcuts they take must not change.
 *  - A parked span (the class's current span, emptied) counts as free in
 *    rta_stats (capacity, pool_bytes_free) and comes back on the next
 *    allocation (the count of spans held keeps it; readers subtract it).
 *  - A free into a full span, which may make it the current span in the
 *    place of a full one, leaves every freed block reusable: with the
 *    reserve dry, exactly the freed blocks can be allocated again.
 *  - Ownership on the free fast path is a stamp naming heap and cache:
 *    a thread whose last heap was destroyed, freeing into a new heap
 *    made in the same memory (same address, same cache index held by
 *    another thread), frees remotely, never into that thread's lists.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "test_util.h"

START_TEST(test_parked_span_counts_free)
{
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    rta_stats st = tu_stats(h);
    const size_t pool = st.pool_bytes_free;
    const int k = tu_class_of(&st, 64);
    const size_t per_span = st.span_bytes / 64;

    void *p = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(p);
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[k].capacity, per_span);
    ck_assert_uint_eq(st.pool_bytes_free, pool - st.span_bytes);

    rta_free(h, p); /* the current span empties: parked */
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[k].live, 0);
    ck_assert_uint_eq(st.classes[k].capacity, 0);
    ck_assert_uint_eq(st.pool_bytes_free, pool);

    void *q = rta_malloc(h, 64); /* taken back */
    ck_assert_ptr_eq(q, p);
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[k].capacity, per_span);
    ck_assert_uint_eq(st.pool_bytes_free, pool - st.span_bytes);
    rta_free(h, q);
    ck_assert_uint_eq(tu_stats(h).pool_bytes_free, pool);
    rta_heap_destroy(h);
}
END_TEST

#define SPANS 4

START_TEST(test_frees_into_full_spans_stay_reusable)
{
    rta_config cfg = tu_config(SPANS * 64 * KiB, 0);
    cfg.max_block = 16 * KiB; /* 64 KiB spans */
    rta_heap *h = tu_create(&cfg);
    const size_t per_span = 64 * KiB / 1024;
    static void *b[SPANS * 64 + 1];
    size_t n = tu_fill(h, 1024, b, SPANS * 64 + 1);
    ck_assert_uint_eq(n, SPANS * per_span); /* every span full, the reserve dry */

    /* The last refill found the reserve dry and left the class without
     * a current span: one free and one allocation make the first span
     * (blocks 0..per_span-1) current and full again. */
    rta_free(h, b[0]);
    ck_assert_ptr_eq(rta_malloc(h, 1024), b[0]);
    /* Half of each span's blocks, span by span from the second: the
     * first free goes into a full span while the current one is full
     * (they swap), the first span's last, into a span left full. */
    size_t freed = 0;
    for (size_t j = 0; j < n; j += 2, freed++)
        rta_free(h, b[(j + per_span) % n]);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, (n - freed) * 1024);

    /* Exactly the freed blocks come back, none twice, then the pool is dry. */
    static void *again[SPANS * 64 + 1];
    size_t m = tu_fill(h, 1024, again, SPANS * 64 + 1);
    ck_assert_uint_eq(m, freed);
    for (size_t i = 0; i < m; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j += 2)
            found += again[i] == b[j];
        ck_assert_int_eq(found, 1);
        for (size_t j = 0; j < i; j++)
            ck_assert_ptr_ne(again[i], again[j]);
    }
    tu_free_all(h, again, m);
    for (size_t i = 1; i < n; i += 2)
        rta_free(h, b[i]);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.pool_bytes_free, SPANS * 64 * KiB);
    rta_heap_destroy(h);
}
END_TEST

/* ---- a stale last heap ---------------------------------------------- */

struct stale {
    rta_heap *a, *b;
    void *p;
    _Atomic int step;
};

static void wait_step(struct stale *s, int step)
{
    while (atomic_load(&s->step) != step)
        sched_yield();
}

static void *stale_thread(void *arg)
{
    struct stale *s = arg;
    /* Cache 0 of heap a, and a is this thread's last heap. */
    ck_assert_int_eq(rta_thread_attach(s->a), 0);
    rta_free(s->a, rta_malloc(s->a, 64));
    atomic_store(&s->step, 1);
    wait_step(s, 2); /* a destroyed; b made in its memory, its cache 0 held */
    rta_free(s->b, s->p);
    atomic_store(&s->step, 3);
    return NULL;
}

START_TEST(test_stale_last_heap_frees_remotely)
{
    static char region[4 * MiB] __attribute__((aligned(64)));
    rta_config cfg = tu_config(1 * MiB, 0);
    cfg.memory = region;
    cfg.memory_bytes = sizeof region;
    cfg.max_threads = 2;
    struct stale s = {.a = tu_create(&cfg)};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, stale_thread, &s), 0);
    wait_step(&s, 1);
    rta_heap_destroy(s.a);
    s.b = tu_create(&cfg);
    ck_assert_ptr_eq((void *)s.b, (void *)s.a); /* the same address */
    ck_assert_int_eq(rta_thread_attach(s.b), 0); /* cache 0 of b */
    s.p = rta_malloc(s.b, 64);
    void *keep = rta_malloc(s.b, 64); /* the span stays in use */
    ck_assert_ptr_nonnull(s.p);
    atomic_store(&s.step, 2);
    wait_step(&s, 3);
    pthread_join(t, NULL);
    rta_stats st = tu_stats(s.b);
    ck_assert_uint_eq(st.remote_frees, 1);
    ck_assert_uint_eq(st.frees, 1);
    ck_assert_uint_eq(st.bytes_live, 64);
    /* The block is collected by its owner and served again. */
    void *blocks[2048];
    size_t n = 0, seen = 0;
    while (n < 2048 && (blocks[n] = rta_malloc(s.b, 64)) != NULL)
        seen += blocks[n++] == s.p;
    ck_assert_uint_eq(seen, 1);
    tu_free_all(s.b, blocks, n);
    rta_free(s.b, keep);
    ck_assert_uint_eq(tu_stats(s.b).bytes_live, 0);
    rta_heap_destroy(s.b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fastpath");
    TCase *tc = tcase_create("fastpath");
    tcase_add_test(tc, test_parked_span_counts_free);
    tcase_add_test(tc, test_frees_into_full_spans_stay_reusable);
    tcase_add_test(tc, test_stale_last_heap_frees_remotely);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
