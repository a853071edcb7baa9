/* Threads and their caches: attach/detach, a first allocation claiming a
 * cache, every cache taken (RTA_ERR_NO_CACHE, allocation a miss, frees
 * still accepted), a detached cache and its blocks passing to the next
 * thread, threads exiting with live blocks, many more threads over time
 * than max_threads, the per-thread limit of RTA_MAX_HEAPS_PER_THREAD
 * heaps, and a heap destroyed while a thread that used it lives on.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>

#include "test_util.h"

#define POOL (1 * MiB)
#define MAXP (1 << 17)
static void *ptrs[MAXP];

/* Runs fn(arg) on a new thread and waits for it. */
static void on_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
}

static unsigned attached(const rta_heap *h)
{
    rta_stats st = tu_stats(h);
    return st.threads_attached;
}

/* Capacity of a fresh heap like h, in blocks of `size`. */
static size_t fresh_capacity(size_t pool, size_t size)
{
    rta_heap *f = tu_small_heap(pool, 0);
    size_t n = tu_fill(f, size, ptrs, MAXP);
    tu_free_all(f, ptrs, n);
    rta_heap_destroy(f);
    return n;
}

START_TEST(test_attach_detach)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    ck_assert_int_eq(rta_thread_attach(NULL), RTA_ERR_INVAL);
    ck_assert_uint_eq(attached(h), 0);
    ck_assert_int_eq(rta_thread_attach(h), 0);
    ck_assert_uint_eq(attached(h), 1);
    ck_assert_int_eq(rta_thread_attach(h), 0); /* already attached: same cache */
    ck_assert_uint_eq(attached(h), 1);
    void *p = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(attached(h), 1);
    rta_thread_detach(h);
    ck_assert_uint_eq(attached(h), 0);
    rta_thread_detach(h); /* not attached: nothing happens */
    ck_assert_uint_eq(attached(h), 0);
    /* The block stays valid and freeable. */
    memset(p, 1, 64);
    rta_free(h, p);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.frees, 1);
    rta_heap_destroy(h);
}
END_TEST

struct claim_job {
    rta_heap *h;
    unsigned before, after;
    void *p;
};

static void *alloc_one_and_report(void *arg)
{
    struct claim_job *j = arg;
    j->before = attached(j->h);
    j->p = rta_malloc(j->h, 32);
    j->after = attached(j->h);
    rta_free(j->h, j->p);
    return NULL;
}

START_TEST(test_first_alloc_claims_and_exit_returns)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    for (int i = 0; i < 5; i++) {
        struct claim_job j = {h, 99, 99, NULL};
        on_thread(alloc_one_and_report, &j);
        ck_assert_ptr_nonnull(j.p);
        ck_assert_uint_eq(j.before, 0);
        ck_assert_uint_eq(j.after, 1);     /* claimed by the first allocation */
        ck_assert_uint_eq(attached(h), 0); /* given back at exit */
    }
    rta_heap_destroy(h);
}
END_TEST

/* ---- every cache taken ----------------------------------------------------- */

struct hold {
    rta_heap *h;
    pthread_barrier_t *claimed, *release;
    int result;
};

static void *attach_and_hold(void *arg)
{
    struct hold *x = arg;
    x->result = rta_thread_attach(x->h);
    pthread_barrier_wait(x->claimed);
    pthread_barrier_wait(x->release);
    return NULL;
}

struct no_cache_job {
    rta_heap *h;
    void *to_free;
    int attach_result;
    void *got;
    int got_errno;
};

static void *try_without_cache(void *arg)
{
    struct no_cache_job *j = arg;
    j->attach_result = rta_thread_attach(j->h);
    errno = 0;
    j->got = rta_malloc(j->h, 64);
    j->got_errno = errno;
    rta_free(j->h, j->to_free); /* freeing never claims a cache */
    return NULL;
}

START_TEST(test_no_free_cache)
{
    rta_config cfg = tu_config(POOL, 0);
    cfg.max_threads = 2;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_thread_attach(h), 0);
    void *mine = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(mine);

    pthread_barrier_t claimed, release;
    pthread_barrier_init(&claimed, NULL, 2);
    pthread_barrier_init(&release, NULL, 2);
    struct hold x = {h, &claimed, &release, -99};
    pthread_t holder;
    ck_assert_int_eq(pthread_create(&holder, NULL, attach_and_hold, &x), 0);
    pthread_barrier_wait(&claimed);
    ck_assert_int_eq(x.result, 0);
    ck_assert_uint_eq(attached(h), 2);

    struct no_cache_job j = {h, mine, -99, NULL, 0};
    on_thread(try_without_cache, &j);
    ck_assert_int_eq(j.attach_result, RTA_ERR_NO_CACHE);
    ck_assert_ptr_null(j.got);
    ck_assert_int_eq(j.got_errno, ENOMEM);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 1);
    ck_assert_uint_eq(st.remote_frees, 1);
    ck_assert_uint_eq(st.frees, 1);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.threads_attached, 2);

    /* The holder detaches by exiting: now a third thread gets a cache. */
    pthread_barrier_wait(&release);
    ck_assert_int_eq(pthread_join(holder, NULL), 0);
    ck_assert_uint_eq(attached(h), 1);
    j = (struct no_cache_job){h, NULL, -99, NULL, 0};
    on_thread(try_without_cache, &j);
    ck_assert_int_eq(j.attach_result, 0);
    ck_assert_ptr_nonnull(j.got);
    rta_free(h, j.got);
    pthread_barrier_destroy(&claimed);
    pthread_barrier_destroy(&release);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_no_cache_falls_back)
{
    /* With RTA_FALLBACK_SYSTEM, a thread without a cache is served by the
     * system heap (a counted fallback), and anyone can free that block. */
    rta_config cfg = tu_config(POOL, RTA_FALLBACK_SYSTEM);
    cfg.max_threads = 1;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_thread_attach(h), 0);
    struct no_cache_job j = {h, NULL, -99, NULL, 0};
    on_thread(try_without_cache, &j);
    ck_assert_int_eq(j.attach_result, RTA_ERR_NO_CACHE);
    ck_assert_ptr_nonnull(j.got);
    ck_assert_int_eq(rta_owns(h, j.got), 0);
    memset(j.got, 0x44, 64);
    rta_free(h, j.got);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.fallbacks, 1);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    ck_assert_uint_eq(st.allocs, 0);
    rta_heap_destroy(h);
}
END_TEST

/* Four threads race for two caches: exactly two win. */
static atomic_int race_ok, race_no_cache;

static void *race_attach(void *arg)
{
    struct hold *x = arg;
    int r = rta_thread_attach(x->h);
    if (r == 0)
        atomic_fetch_add(&race_ok, 1);
    else if (r == RTA_ERR_NO_CACHE)
        atomic_fetch_add(&race_no_cache, 1);
    pthread_barrier_wait(x->claimed);
    return NULL;
}

START_TEST(test_attach_race)
{
    rta_config cfg = tu_config(POOL, 0);
    cfg.max_threads = 2;
    rta_heap *h = tu_create(&cfg);
    for (int round = 0; round < 20; round++) {
        pthread_barrier_t all;
        pthread_barrier_init(&all, NULL, 4);
        struct hold x = {h, &all, NULL, 0};
        pthread_t t[4];
        atomic_store(&race_ok, 0);
        atomic_store(&race_no_cache, 0);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, race_attach, &x), 0);
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        ck_assert_int_eq(atomic_load(&race_ok), 2);
        ck_assert_int_eq(atomic_load(&race_no_cache), 2);
        ck_assert_uint_eq(attached(h), 0);
        pthread_barrier_destroy(&all);
    }
    rta_heap_destroy(h);
}
END_TEST

/* ---- caches change hands ---------------------------------------------------- */

struct heir_job {
    rta_heap *h;
    void **p;
    size_t n;
    int attach_result;
};

static void *inherit_and_free(void *arg)
{
    struct heir_job *j = arg;
    j->attach_result = rta_thread_attach(j->h);
    for (size_t i = 0; i < j->n; i++)
        rta_free(j->h, j->p[i]);
    return NULL;
}

START_TEST(test_detached_cache_passes_on)
{
    rta_config cfg = tu_config(4 * MiB, 0); /* 100 sizes: ~50 classes */
    cfg.max_threads = 1;                    /* the next thread can only take our cache */
    rta_heap *h = tu_create(&cfg);
    for (size_t i = 0; i < 100; i++) {
        ptrs[i] = rta_malloc(h, 16 + 8 * i);
        ck_assert_ptr_nonnull(ptrs[i]);
        tu_paint(ptrs[i], 16 + 8 * i, (unsigned)i);
    }
    rta_thread_detach(h);
    for (size_t i = 0; i < 100; i++)
        ck_assert(tu_painted(ptrs[i], 16 + 8 * i, (unsigned)i));
    struct heir_job j = {h, ptrs, 100, -99};
    on_thread(inherit_and_free, &j);
    ck_assert_int_eq(j.attach_result, 0);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.frees, 100);
    /* The heir owned the blocks: its frees were local. */
    ck_assert_uint_eq(st.remote_frees, 0);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.threads_attached, 0);
    rta_heap_destroy(h);
}
END_TEST

struct leaver_job {
    rta_heap *h;
    size_t first, n;
    int failed;
};

#define LEAVER_SIZE(i) (16 + ((i)*37) % 1000)

static void *alloc_and_exit(void *arg)
{
    struct leaver_job *j = arg;
    for (size_t i = j->first; i < j->first + j->n; i++) {
        ptrs[i] = rta_malloc(j->h, LEAVER_SIZE(i));
        if (ptrs[i] == NULL) {
            j->failed = 1;
            return NULL;
        }
        tu_paint(ptrs[i], LEAVER_SIZE(i), (unsigned)i);
    }
    return NULL; /* exits with every block live */
}

START_TEST(test_thread_exits_with_live_blocks)
{
    rta_config cfg = tu_config(2 * MiB, 0);
    cfg.max_threads = 2;
    rta_heap *h = tu_create(&cfg);
    const size_t fresh = fresh_capacity(2 * MiB, 64);
    /* We hold one cache, so the leavers use the other and our frees
     * below are frees by a thread that is not the owner. */
    ck_assert_int_eq(rta_thread_attach(h), 0);
    const size_t per = 150, rounds = 4;
    for (size_t r = 0; r < rounds; r++) {
        struct leaver_job j = {h, r * per, per, 0};
        on_thread(alloc_and_exit, &j);
        ck_assert_msg(!j.failed, "round %zu: allocation failed", r);
        ck_assert_uint_eq(attached(h), 1);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, per * rounds);
    size_t live = 0;
    for (size_t i = 0; i < per * rounds; i++) {
        ck_assert_msg(tu_painted(ptrs[i], LEAVER_SIZE(i), (unsigned)i), "block %zu changed", i);
        live += rta_usable_size(h, ptrs[i]);
    }
    ck_assert_uint_eq(st.bytes_live, live);
    /* Freed by a thread that never owned them: remote frees. */
    tu_free_all(h, ptrs, per * rounds);
    st = tu_stats(h);
    ck_assert_uint_eq(st.frees, per * rounds);
    ck_assert_uint_eq(st.remote_frees, per * rounds);
    ck_assert_uint_eq(st.bytes_live, 0);
    /* All of the pool is reusable. */
    size_t n = tu_fill(h, 64, ptrs, MAXP);
    ck_assert_msg(n == fresh, "after exited threads: %zu blocks, fresh heap %zu", n, fresh);
    tu_free_all(h, ptrs, n);
    rta_heap_destroy(h);
}
END_TEST

/* ---- more threads over time than max_threads ---------------------------------- */

#define WAVE_KEEP 20
struct wave_job {
    rta_heap *h;
    void **keep; /* WAVE_KEEP blocks left live at exit */
    int ok;
};

static void *wave_worker(void *arg)
{
    struct wave_job *j = arg;
    void *tmp[40];
    j->ok = 1;
    for (int i = 0; i < 40; i++)
        if ((tmp[i] = rta_malloc(j->h, 24 + 40 * i)) == NULL)
            j->ok = 0;
    for (int i = 0; i < 40; i++) {
        if (i < WAVE_KEEP)
            j->keep[i] = tmp[i];
        else
            rta_free(j->h, tmp[i]);
    }
    return NULL;
}

START_TEST(test_more_threads_than_max)
{
    rta_config cfg = tu_config(4 * MiB, 0);
    cfg.max_threads = 2;
    rta_heap *h = tu_create(&cfg);
    const int waves = 30, width = 2; /* 60 threads, 2 caches */
    static void *kept[30 * 2 * WAVE_KEEP];
    for (int w = 0; w < waves; w++) {
        pthread_t t[2];
        struct wave_job j[2];
        for (int i = 0; i < width; i++) {
            j[i] = (struct wave_job){h, kept + (w * width + i) * WAVE_KEEP, 0};
            ck_assert_int_eq(pthread_create(&t[i], NULL, wave_worker, &j[i]), 0);
        }
        for (int i = 0; i < width; i++) {
            pthread_join(t[i], NULL);
            ck_assert_msg(j[i].ok, "wave %d thread %d: an allocation failed", w, i);
        }
        ck_assert_uint_eq(attached(h), 0);
    }
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, (uint64_t)waves * width * 40);
    ck_assert_uint_eq(st.failures, 0);
    tu_free_all(h, kept, (size_t)waves * width * WAVE_KEEP);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.frees, st.allocs);
    rta_heap_destroy(h);
}
END_TEST

/* ---- one thread, many heaps ---------------------------------------------------- */

START_TEST(test_heaps_per_thread_limit)
{
    rta_heap *hs[RTA_MAX_HEAPS_PER_THREAD + 1];
    for (int i = 0; i <= RTA_MAX_HEAPS_PER_THREAD; i++)
        hs[i] = tu_small_heap(POOL, 0);
    for (int i = 0; i < RTA_MAX_HEAPS_PER_THREAD; i++)
        ck_assert_int_eq(rta_thread_attach(hs[i]), 0);
    rta_heap *last = hs[RTA_MAX_HEAPS_PER_THREAD];
    ck_assert_int_eq(rta_thread_attach(last), RTA_ERR_NO_CACHE);
    errno = 0;
    ck_assert_ptr_null(rta_malloc(last, 64));
    ck_assert_int_eq(errno, ENOMEM);
    rta_thread_detach(hs[0]);
    ck_assert_int_eq(rta_thread_attach(last), 0);
    void *p = rta_malloc(last, 64);
    ck_assert_ptr_nonnull(p);
    rta_free(last, p);
    for (int i = 0; i <= RTA_MAX_HEAPS_PER_THREAD; i++)
        rta_heap_destroy(hs[i]);
}
END_TEST

START_TEST(test_destroyed_heaps_free_thread_slots)
{
    /* A long-lived thread using heaps that come and go (a plugin host
     * loading plugins) never runs out of per-thread slots. */
    for (int i = 0; i < 3 * RTA_MAX_HEAPS_PER_THREAD; i++) {
        rta_heap *h = tu_small_heap(POOL, 0);
        void *p = rta_malloc(h, 100);
        ck_assert_msg(p != NULL, "heap %d: no cache after %d destroyed heaps", i, i);
        rta_free(h, p);
        rta_heap_destroy(h);
    }
}
END_TEST

struct survivor {
    rta_heap *h;
    pthread_barrier_t *used, *destroyed;
};

static void *use_then_outlive(void *arg)
{
    struct survivor *s = arg;
    void *p = rta_malloc(s->h, 100);
    rta_free(s->h, p);
    pthread_barrier_wait(s->used);
    pthread_barrier_wait(s->destroyed);
    return NULL; /* exits after its heap is gone */
}

START_TEST(test_thread_outlives_heap)
{
    pthread_barrier_t used, destroyed;
    pthread_barrier_init(&used, NULL, 2);
    pthread_barrier_init(&destroyed, NULL, 2);
    rta_heap *h = tu_small_heap(POOL, 0);
    struct survivor s = {h, &used, &destroyed};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, use_then_outlive, &s), 0);
    pthread_barrier_wait(&used);
    rta_heap_destroy(h);
    /* A new heap, maybe at the same address: the old thread's exit must
     * not touch it. */
    rta_heap *h2 = tu_small_heap(POOL, 0);
    ck_assert_int_eq(rta_thread_attach(h2), 0);
    pthread_barrier_wait(&destroyed);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(attached(h2), 1);
    void *p = rta_malloc(h2, 100);
    ck_assert_ptr_nonnull(p);
    rta_free(h2, p);
    rta_heap_destroy(h2);
    pthread_barrier_destroy(&used);
    pthread_barrier_destroy(&destroyed);
}
END_TEST

static Suite *threads_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("caches");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_attach_detach);
    tcase_add_test(tc, test_first_alloc_claims_and_exit_returns);
    tcase_add_test(tc, test_no_free_cache);
    tcase_add_test(tc, test_no_cache_falls_back);
    tcase_add_test(tc, test_attach_race);
    tcase_add_test(tc, test_detached_cache_passes_on);
    tcase_add_test(tc, test_thread_exits_with_live_blocks);
    tcase_add_test(tc, test_more_threads_than_max);
    tcase_add_test(tc, test_heaps_per_thread_limit);
    tcase_add_test(tc, test_destroyed_heaps_free_thread_slots);
    tcase_add_test(tc, test_thread_outlives_heap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(threads_suite());
}
