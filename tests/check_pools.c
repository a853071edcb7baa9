/* Pools on one heap: malloc/calloc/free/free_sized basics, zero size,
 * calloc overflow, exhaustion (NULL + ENOMEM, counted) and the same
 * capacity coming back after frees (also frees from another thread),
 * spans going back to the reserve and serving another class, fallback to
 * the system heap on and off, and bad frees counted without RTA_DEBUG.
 *
 * "Capacity" is measured, never assumed: fill the pool with one size
 * until rta_malloc says no, and count.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "test_util.h"

#define POOL (1 * MiB)
#define MAXP (1 << 17) /* 1 MiB of 16 B blocks is 65536: room to spare */
static void *ptrs[MAXP];
static void *ptrs2[MAXP];

/* ---- basics ---------------------------------------------------------------- */

START_TEST(test_malloc_basic)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    /* Sizes across the classes, all live at once, painted and checked:
     * no two blocks overlap. */
    size_t sizes[] = {1, 15, 16, 17, 31, 48, 100, 128, 129, 500, 1000, 4096, 5000, 20000, 65536};
    const size_t n = sizeof sizes / sizeof sizes[0];
    void *p[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < n; i++) {
        p[i] = rta_malloc(h, sizes[i]);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
        ck_assert_uint_ge(rta_usable_size(h, p[i]), sizes[i]);
        ck_assert_int_eq(rta_owns(h, p[i]), 1);
        tu_paint(p[i], rta_usable_size(h, p[i]), (unsigned)i);
    }
    for (size_t i = 0; i < n; i++)
        ck_assert(tu_painted(p[i], rta_usable_size(h, p[i]), (unsigned)i));
    for (size_t i = 0; i < n; i++)
        rta_free(h, p[i]);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, n);
    ck_assert_uint_eq(st.frees, n);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_null)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_free(h, NULL);
    rta_free_sized(h, NULL, 0);
    rta_free_sized(h, NULL, 100);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_sized)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st = tu_stats(h);
    for (unsigned i = 0; i < st.n_classes; i++) {
        size_t b = st.classes[i].block_size;
        void *p = rta_malloc(h, b);
        ck_assert_ptr_nonnull(p);
        rta_free_sized(h, p, b);
        /* Any size within the class is "the size as allocated". */
        p = rta_malloc(h, b - 1);
        ck_assert_ptr_nonnull(p);
        rta_free_sized(h, p, b - 1);
    }
    st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 2 * st.n_classes);
    ck_assert_uint_eq(st.frees, 2 * st.n_classes);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_zero_size)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    /* Unique, non-NULL, freeable. */
    for (int i = 0; i < 100; i++) {
        ptrs[i] = rta_malloc(h, 0);
        ck_assert_ptr_nonnull(ptrs[i]);
        ck_assert_int_eq(rta_owns(h, ptrs[i]), 1);
        for (int j = 0; j < i; j++)
            ck_assert_ptr_ne(ptrs[i], ptrs[j]);
    }
    void *c = rta_calloc(h, 0, 10);
    void *d = rta_calloc(h, 10, 0);
    void *a = rta_aligned_alloc(h, 64, 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(c, d);
    ck_assert_uint_eq((uintptr_t)a % 64, 0);
    tu_free_all(h, ptrs, 100);
    rta_free(h, c);
    rta_free(h, d);
    rta_free(h, a);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 103);
    ck_assert_uint_eq(st.frees, 103);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_calloc_zeroes)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st = tu_stats(h);
    for (unsigned i = 0; i < st.n_classes; i++) {
        size_t b = st.classes[i].block_size;
        /* Dirty a block, free it, calloc the class: whatever block
         * comes back must read as zeros. */
        unsigned char *p = rta_malloc(h, b);
        ck_assert_ptr_nonnull(p);
        memset(p, 0xff, b);
        rta_free(h, p);
        unsigned char *q = rta_calloc(h, b / 16, 16);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_ge(rta_usable_size(h, q), b);
        for (size_t k = 0; k < b; k++)
            ck_assert_msg(q[k] == 0, "calloc(%zu) byte %zu is %#x", b, k, q[k]);
        rta_free(h, q);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_calloc_overflow)
{
    rta_heap *h = tu_small_heap(POOL, RTA_FALLBACK_SYSTEM);
    const size_t half = (SIZE_MAX >> 1) + 1;
    struct {
        size_t n, size;
    } bad[] = {{half, 2},
               {2, half},
               {SIZE_MAX, SIZE_MAX},
               {(size_t)1 << 33, (size_t)1 << 33},
               {SIZE_MAX, 16}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ck_assert_ptr_null(rta_calloc(h, bad[i].n, bad[i].size));
        ck_assert_int_eq(errno, ENOMEM);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 0);
    ck_assert_uint_eq(st.fallbacks, 0); /* an overflow is never a fallback */
    ck_assert_uint_eq(st.failures, sizeof bad / sizeof bad[0]);
    ck_assert_uint_eq(st.bytes_live, 0);
    /* A product that fits is still fine (pool, not fallback). */
    void *p = rta_calloc(h, 1000, 64);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(rta_owns(h, p), 1);
    rta_free(h, p);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_malloc_too_big)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    size_t sizes[] = {64 * KiB + 1, 1 * MiB, SIZE_MAX, SIZE_MAX - 15};
    for (size_t i = 0; i < 4; i++) {
        errno = 0;
        ck_assert_ptr_null(rta_malloc(h, sizes[i]));
        ck_assert_int_eq(errno, ENOMEM);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 4);
    ck_assert_uint_eq(st.allocs, 0);
    ck_assert_uint_eq(st.fallbacks, 0);
    rta_heap_destroy(h);
}
END_TEST

/* ---- exhaustion and capacity -------------------------------------------------- */

static void check_exhaustion_size(size_t size)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    size_t n1 = tu_fill(h, size, ptrs, MAXP);
    size_t usable = rta_usable_size(h, ptrs[0]);
    /* The pool is a real pool: it holds a good part of its bytes. */
    ck_assert_msg(n1 * usable >= POOL / 2, "only %zu blocks of %zu B from %zu B", n1, usable,
                  (size_t)POOL);
    ck_assert_msg(n1 * usable <= POOL, "%zu blocks of %zu B from %zu B", n1, usable, (size_t)POOL);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 1);
    ck_assert_uint_eq(st.allocs, n1);
    ck_assert_uint_eq(st.bytes_live, n1 * usable);
    int c = tu_class_of(&st, size);
    ck_assert_uint_eq(st.classes[c].live, n1);
    ck_assert_uint_le(st.classes[c].live, st.classes[c].capacity);

    /* Still failing, and each failure counted; nothing else moved. */
    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, size));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(rta_calloc(h, 1, size));
    ck_assert_int_eq(errno, ENOMEM);
    st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 3);
    ck_assert_uint_eq(st.allocs, n1);

    tu_free_all(h, ptrs, n1);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.classes[c].live, 0);
    ck_assert_uint_eq(st.frees, n1);

    /* The same capacity comes back, three times over. */
    for (int round = 0; round < 3; round++) {
        size_t n2 = tu_fill(h, size, ptrs, MAXP);
        ck_assert_msg(n2 == n1, "round %d: %zu blocks of %zu B, first fill gave %zu", round, n2,
                      size, n1);
        tu_free_all(h, ptrs, n2);
    }
    rta_heap_destroy(h);
}

START_TEST(test_exhaustion_small)
{
    check_exhaustion_size(16);
}
END_TEST

START_TEST(test_exhaustion_medium)
{
    check_exhaustion_size(1000);
}
END_TEST

START_TEST(test_exhaustion_max_block)
{
    check_exhaustion_size(64 * KiB);
}
END_TEST

START_TEST(test_exhaustion_free_in_other_order)
{
    /* Frees in reverse and interleaved orders give the capacity back too. */
    rta_heap *h = tu_small_heap(POOL, 0);
    size_t n1 = tu_fill(h, 200, ptrs, MAXP);
    for (size_t i = n1; i-- > 0;)
        rta_free(h, ptrs[i]);
    size_t n2 = tu_fill(h, 200, ptrs, MAXP);
    ck_assert_uint_eq(n2, n1);
    for (size_t i = 0; i < n2; i += 2)
        rta_free(h, ptrs[i]);
    for (size_t i = 1; i < n2; i += 2)
        rta_free(h, ptrs[i]);
    ck_assert_uint_eq(tu_fill(h, 200, ptrs, MAXP), n1);
    tu_free_all(h, ptrs, n1);
    rta_heap_destroy(h);
}
END_TEST

struct free_job {
    rta_heap *h;
    void **ptrs;
    size_t n;
};

static void *free_all_thread(void *arg)
{
    struct free_job *j = arg;
    for (size_t i = 0; i < j->n; i++)
        rta_free(j->h, j->ptrs[i]);
    return NULL;
}

static void free_from_other_thread(rta_heap *h, void **p, size_t n)
{
    pthread_t t;
    struct free_job j = {h, p, n};
    ck_assert_int_eq(pthread_create(&t, NULL, free_all_thread, &j), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
}

START_TEST(test_exhaustion_remote_frees)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    size_t n1 = tu_fill(h, 100, ptrs, MAXP);
    free_from_other_thread(h, ptrs, n1);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.remote_frees, n1);
    ck_assert_uint_eq(st.frees, n1);
    ck_assert_uint_eq(st.bytes_live, 0);
    /* The owner gets every block back. */
    size_t n2 = tu_fill(h, 100, ptrs, MAXP);
    ck_assert_uint_eq(n2, n1);
    /* Half freed here, half remotely, then the owner fills again. */
    tu_free_all(h, ptrs, n2 / 2);
    free_from_other_thread(h, ptrs + n2 / 2, n2 - n2 / 2);
    ck_assert_uint_eq(tu_fill(h, 100, ptrs, MAXP), n1);
    tu_free_all(h, ptrs, n1);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_exhaustion_remote_frees_other_class)
{
    /* Blocks freed from another thread go back to the reserve and serve
     * another class for the owner. */
    rta_heap *h = tu_small_heap(POOL, 0);
    size_t n64 = tu_fill(h, 64, ptrs, MAXP);
    tu_free_all(h, ptrs, n64);
    size_t n4k = tu_fill(h, 4096, ptrs2, MAXP);
    tu_free_all(h, ptrs2, n4k);

    ck_assert_uint_eq(tu_fill(h, 64, ptrs, MAXP), n64);
    free_from_other_thread(h, ptrs, n64);
    ck_assert_uint_eq(tu_fill(h, 4096, ptrs2, MAXP), n4k);
    free_from_other_thread(h, ptrs2, n4k);
    ck_assert_uint_eq(tu_fill(h, 64, ptrs, MAXP), n64);
    tu_free_all(h, ptrs, n64);
    rta_heap_destroy(h);
}
END_TEST

/* ---- cross-class reuse of spans -------------------------------------------------- */

START_TEST(test_cross_class_reuse)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st;
    /* Capacities of a few classes on a fresh pool... */
    size_t sizes[] = {16, 48, 256, 1000, 4096, 10000, 64 * KiB};
    const size_t ns = sizeof sizes / sizeof sizes[0];
    size_t fresh[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < ns; i++) {
        rta_heap *f = tu_small_heap(POOL, 0);
        fresh[i] = tu_fill(f, sizes[i], ptrs, MAXP);
        rta_heap_destroy(f);
    }
    /* ...are all reached on one pool filled by each class in turn, so
     * every span went back to the reserve and was taken by the next. */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < ns; i++) {
            size_t n = tu_fill(h, sizes[i], ptrs, MAXP);
            ck_assert_msg(n == fresh[i], "%zu B after other classes: %zu blocks, fresh pool %zu",
                          sizes[i], n, fresh[i]);
            st = tu_stats(h);
            int c = tu_class_of(&st, sizes[i]);
            ck_assert_uint_eq(st.classes[c].live, n);
            tu_free_all(h, ptrs, n);
        }
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_empty_spans_return_to_reserve)
{
    /* "Once every block of a span is free again, the span goes back to
     * the reserve": visible in the statistics at once. */
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st = tu_stats(h);
    const size_t free0 = st.pool_bytes_free;
    size_t sizes[] = {16, 256, 4096, 64 * KiB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = tu_fill(h, sizes[i], ptrs, MAXP);
        st = tu_stats(h);
        int c = tu_class_of(&st, sizes[i]);
        ck_assert_uint_lt(st.pool_bytes_free, free0);
        tu_free_all(h, ptrs, n);
        st = tu_stats(h);
        ck_assert_msg(st.pool_bytes_free == free0 && st.classes[c].capacity == 0,
                      "%zu B blocks all freed: reserve %zu of %zu, class still holds %zu blocks",
                      sizes[i], st.pool_bytes_free, free0, st.classes[c].capacity);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_span_returns_after_mixed_use)
{
    /* Two classes share the pool; freeing one class entirely lets the
     * other grow into its spans. */
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_heap *f = tu_small_heap(POOL, 0);
    size_t fresh = tu_fill(f, 512, ptrs, MAXP);
    rta_heap_destroy(f);

    size_t a = 0, b = 0;
    for (;;) { /* alternate 128 B and 512 B blocks until full */
        void *p = rta_malloc(h, 128);
        void *q = rta_malloc(h, 512);
        if (p)
            ptrs[a++] = p;
        if (q)
            ptrs2[b++] = q;
        if (!p && !q)
            break;
    }
    ck_assert_uint_gt(a, 0);
    ck_assert_uint_gt(b, 0);
    ck_assert_uint_lt(b, fresh);
    tu_free_all(h, ptrs, a);
    size_t more = tu_fill(h, 512, ptrs, MAXP);
    ck_assert_uint_eq(b + more, fresh);
    tu_free_all(h, ptrs, more);
    tu_free_all(h, ptrs2, b);
    rta_heap_destroy(h);
}
END_TEST

struct idle_job {
    rta_heap *h;
    pthread_barrier_t *done, *release;
    int failed;
};

/* One block of every class, freed again at once: this thread's cache now
 * holds nothing live.  It stays alive (and attached) until released. */
static void *touch_every_class_and_wait(void *arg)
{
    struct idle_job *j = arg;
    rta_stats st = tu_stats(j->h);
    for (unsigned c = 0; c < st.n_classes; c++) {
        void *p = rta_malloc(j->h, st.classes[c].block_size);
        if (p == NULL)
            j->failed = 1;
        rta_free(j->h, p);
    }
    pthread_barrier_wait(j->done);
    pthread_barrier_wait(j->release);
    return NULL;
}

START_TEST(test_idle_spans_serve_other_threads)
{
    /* Spans with no live block are the reserve's, whichever thread used
     * them last: another thread can fill the whole pool meanwhile. */
    rta_heap *f = tu_small_heap(POOL, 0);
    size_t fresh = tu_fill(f, 64, ptrs, MAXP);
    tu_free_all(f, ptrs, fresh);
    rta_heap_destroy(f);

    rta_heap *h = tu_small_heap(POOL, 0);
    pthread_barrier_t done, release;
    pthread_barrier_init(&done, NULL, 2);
    pthread_barrier_init(&release, NULL, 2);
    struct idle_job j = {h, &done, &release, 0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, touch_every_class_and_wait, &j), 0);
    pthread_barrier_wait(&done);
    ck_assert(!j.failed);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    size_t n = tu_fill(h, 64, ptrs, MAXP);
    pthread_barrier_wait(&release);
    pthread_join(t, NULL);
    ck_assert_msg(n == fresh, "%zu blocks of 64 B while another thread idles, fresh pool %zu", n,
                  fresh);
    tu_free_all(h, ptrs, n);
    pthread_barrier_destroy(&done);
    pthread_barrier_destroy(&release);
    rta_heap_destroy(h);
}
END_TEST

/* ---- fallback on and off -------------------------------------------------- */

START_TEST(test_fallback_off)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, 64 * KiB + 1));
    ck_assert_int_eq(errno, ENOMEM);
    size_t n = tu_fill(h, 64 * KiB, ptrs, MAXP);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 2);
    ck_assert_uint_eq(st.fallbacks, 0);
    ck_assert_uint_eq(st.allocs, n);
    tu_free_all(h, ptrs, n);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_fallback_on_big)
{
    rta_heap *h = tu_small_heap(POOL, RTA_FALLBACK_SYSTEM);
    size_t sizes[] = {64 * KiB + 1, 200 * KiB, 4 * MiB};
    void *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = rta_malloc(h, sizes[i]);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
        ck_assert_int_eq(rta_owns(h, p[i]), 0); /* not a pool block */
        memset(p[i], 0x33, sizes[i]);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.fallbacks, 3);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bytes_live, 0); /* pools only */
    for (int i = 0; i < 3; i++)
        rta_free(h, p[i]);
    /* calloc and aligned fallbacks work too. */
    unsigned char *c = rta_calloc(h, 100 * KiB, 1);
    ck_assert_ptr_nonnull(c);
    for (size_t k = 0; k < 100 * KiB; k += 511)
        ck_assert_uint_eq(c[k], 0);
    rta_free(h, c);
    void *a = rta_aligned_alloc(h, 4096, 100 * KiB);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq((uintptr_t)a % 4096, 0);
    rta_free(h, a);
    st = tu_stats(h);
    ck_assert_uint_eq(st.fallbacks, 5);
    ck_assert_uint_eq(st.bad_frees, 0);
    ck_assert_uint_eq(st.allocs, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_fallback_on_exhausted)
{
    rta_heap *h = tu_small_heap(POOL, RTA_FALLBACK_SYSTEM);
    rta_heap *f = tu_small_heap(POOL, 0);
    size_t n = tu_fill(f, 64 * KiB, ptrs, MAXP);
    tu_free_all(f, ptrs, n);
    rta_heap_destroy(f);
    /* The pool serves n blocks, then each miss goes to the system heap. */
    for (size_t i = 0; i < n + 5; i++) {
        ptrs[i] = rta_malloc(h, 64 * KiB);
        ck_assert_ptr_nonnull(ptrs[i]);
        ck_assert_int_eq(rta_owns(h, ptrs[i]), i < n);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, n);
    ck_assert_uint_eq(st.fallbacks, 5);
    ck_assert_uint_eq(st.failures, 0);
    tu_free_all(h, ptrs, n + 5);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    /* Fallback blocks freed, pool capacity whole again. */
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = rta_malloc(h, 64 * KiB);
        ck_assert_int_eq(rta_owns(h, ptrs[i]), 1);
    }
    tu_free_all(h, ptrs, n);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_fallback_freed_by_other_thread)
{
    rta_heap *h = tu_small_heap(POOL, RTA_FALLBACK_SYSTEM);
    for (int i = 0; i < 10; i++)
        ptrs[i] = rta_malloc(h, 100 * KiB);
    free_from_other_thread(h, ptrs, 10);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.fallbacks, 10);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

/* ---- bad frees without RTA_DEBUG -------------------------------------------------- */

START_TEST(test_bad_free_foreign)
{
    rta_heap *h = tu_small_heap(POOL, 0); /* tu_no_trap: nothing may trap */
    rta_heap *other = tu_small_heap(POOL, 0);
    int on_stack[4];
    static char in_data[64];
    void *sys = malloc(48);
    ck_assert_ptr_nonnull(sys);
    void *q = rta_malloc(other, 48);

    rta_free(h, on_stack);
    rta_free(h, in_data);
    rta_free(h, sys); /* must not be handed to free(): we free it below */
    rta_free(h, q);   /* another heap's block */
    rta_free_sized(h, on_stack, 16);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 5);
    ck_assert_uint_eq(st.frees, 0);
    free(sys);
    /* q is untouched: still a live block of `other`. */
    st = tu_stats(other);
    ck_assert_uint_eq(st.bytes_live, rta_usable_size(other, q));
    rta_free(other, q);
    rta_heap_destroy(other);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_bad_free_foreign_with_fallback)
{
    /* With RTA_FALLBACK_SYSTEM, a malloc'ed pointer the heap did not hand
     * out is still a bad free, never passed to free(). */
    rta_heap *h = tu_small_heap(POOL, RTA_FALLBACK_SYSTEM);
    void *sys = malloc(100 * KiB);
    ck_assert_ptr_nonnull(sys);
    rta_free(h, sys);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 1);
    free(sys); /* a double free here if the heap freed it */
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_bad_free_interior)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    char *p = rta_malloc(h, 256);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, 256, 9);
    rta_free(h, p + 16);
    rta_free(h, p + 1);
    rta_free(h, p + 255);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 3);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.bytes_live, rta_usable_size(h, p));
    /* The block is still live and whole; the next allocations are other
     * blocks. */
    ck_assert(tu_painted(p, 256, 9));
    for (int i = 0; i < 8; i++) {
        ptrs[i] = rta_malloc(h, 256);
        ck_assert_ptr_nonnull(ptrs[i]);
        ck_assert((char *)ptrs[i] + 256 <= p || (char *)ptrs[i] >= p + 256);
    }
    tu_free_all(h, ptrs, 8);
    rta_free(h, p);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.frees, 9);
    rta_heap_destroy(h);
}
END_TEST

static Suite *pools_suite(void)
{
    Suite *s = suite_create("pools");
    TCase *tc = tcase_create("basics");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_malloc_basic);
    tcase_add_test(tc, test_free_null);
    tcase_add_test(tc, test_free_sized);
    tcase_add_test(tc, test_zero_size);
    tcase_add_test(tc, test_calloc_zeroes);
    tcase_add_test(tc, test_calloc_overflow);
    tcase_add_test(tc, test_malloc_too_big);
    suite_add_tcase(s, tc);

    tc = tcase_create("exhaustion");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_exhaustion_small);
    tcase_add_test(tc, test_exhaustion_medium);
    tcase_add_test(tc, test_exhaustion_max_block);
    tcase_add_test(tc, test_exhaustion_free_in_other_order);
    tcase_add_test(tc, test_exhaustion_remote_frees);
    tcase_add_test(tc, test_exhaustion_remote_frees_other_class);
    tcase_add_test(tc, test_cross_class_reuse);
    tcase_add_test(tc, test_empty_spans_return_to_reserve);
    tcase_add_test(tc, test_span_returns_after_mixed_use);
    tcase_add_test(tc, test_idle_spans_serve_other_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("fallback");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_fallback_off);
    tcase_add_test(tc, test_fallback_on_big);
    tcase_add_test(tc, test_fallback_on_exhausted);
    tcase_add_test(tc, test_fallback_freed_by_other_thread);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_frees");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_bad_free_foreign);
    tcase_add_test(tc, test_bad_free_foreign_with_fallback);
    tcase_add_test(tc, test_bad_free_interior);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(pools_suite());
}
