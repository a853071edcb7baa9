/* The four defects of issue 17 (a concurrency review of the lock-free
 * core), one test each, plus the size-class table of the fast path.
 * Each defect test failed on the code before its fix.
 *
 *   stats_never_over_report  a producer hands one block at a time to a
 *       consumer that frees it (never more than 3 live) while this thread
 *       reads the statistics: no read may see more than 3 live, and the
 *       class and byte peaks must stay <= 3 blocks (before: reads went
 *       cache by cache, saw a free's cache before its allocation's, and
 *       kept the inflated count as a peak)
 *   free_never_blocks_claim  with max_threads = 1, one thread frees an
 *       exited thread's blocks while another attaches and detaches in a
 *       loop: no attach may fail (before: the free borrowed the cache and
 *       the claimer found it taken)
 *   refill_reads_no_other_cache  with the pages of every cache but the two
 *       in use made inaccessible, an owner refills many times after remote
 *       frees (before: each such refill sampled the class by reading every
 *       cache, O(max_threads) per allocation: here a segmentation fault)
 *   refill_fails_only_when_empty  the pool is dry; one thread frees the
 *       owner's blocks one at a time while the owner allocates: whenever
 *       an allocation returns NULL, the owner's cache holds no free block
 *       of the class (before: a free landing between the refill's look at
 *       its pending frees and the reclaim pass was collected by the pass
 *       onto the partial list, and the refill returned NULL anyway)
 *   parked_current_span_stolen  a thread steals another's parked current
 *       span when the reserve runs dry; the owner must notice and leave it
 *       alone (the parking protocol of pool.c)
 *
 * White box: the last two look into the heap through src/internal.h. */
#include "internal.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "test_util.h"

/* Fewer rounds where every step is slow (valgrind serialises threads). */
static unsigned scaled(unsigned n)
{
    return RUNNING_ON_VALGRIND ? n / 10 : n;
}

/* ---- defect 1 ------------------------------------------------------------ */

struct handoff {
    rta_heap *h;
    _Atomic(void *) slot;
    _Atomic int consumer_ready, stop, producer_done;
    unsigned long handed;
    _Atomic unsigned long handed_pub;
};

static void *consumer(void *arg)
{
    struct handoff *x = arg;
    ck_assert_int_eq(rta_thread_attach(x->h), 0); /* cache 0: read first */
    atomic_store(&x->consumer_ready, 1);
    for (;;) {
        void *p = atomic_exchange(&x->slot, NULL);
        if (p) {
            rta_free(x->h, p);
            continue;
        }
        if (atomic_load(&x->producer_done)) {
            p = atomic_exchange(&x->slot, NULL);
            if (p)
                rta_free(x->h, p);
            return NULL;
        }
        sched_yield();
    }
}

static void *producer(void *arg)
{
    struct handoff *x = arg;
    while (!atomic_load(&x->stop)) {
        void *p = rta_malloc(x->h, 64);
        ck_assert_ptr_nonnull(p);
        while (atomic_load(&x->slot) != NULL) {
            if (atomic_load(&x->stop)) {
                rta_free(x->h, p);
                goto out;
            }
            sched_yield();
        }
        atomic_store(&x->slot, p);
        x->handed++;
        atomic_store_explicit(&x->handed_pub, x->handed, memory_order_relaxed);
    }
out:
    atomic_store(&x->producer_done, 1);
    return NULL;
}

START_TEST(stats_never_over_report)
{
    rta_config cfg = tu_config(4 * MiB, 0);
    cfg.max_threads = 4;
    rta_heap *h = tu_create(&cfg);
    struct handoff x = {.h = h};
    pthread_t tc, tp;
    ck_assert_int_eq(pthread_create(&tc, NULL, consumer, &x), 0);
    while (!atomic_load(&x.consumer_ready))
        sched_yield();
    ck_assert_int_eq(pthread_create(&tp, NULL, producer, &x), 0);
    int cls = -1;
    size_t max_live = 0;
    /* Until that many blocks went over, or that many reads on a machine
     * too busy for the pair to get far: either bounds the test's time. */
    const unsigned long handoffs = scaled(100000);
    const unsigned reads = scaled(1000000);
    for (unsigned i = 0; i < reads; i++) {
        rta_stats st = tu_stats(h);
        if (cls < 0)
            cls = tu_class_of(&st, 64);
        if (st.classes[cls].live > max_live)
            max_live = st.classes[cls].live;
        if (atomic_load(&x.handed_pub) >= handoffs)
            break;
    }
    atomic_store(&x.stop, 1);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    rta_stats st = tu_stats(h);
    ck_assert_int_ge(cls, 0);
    /* Live at once: the producer's next block, the one in the slot, the
     * one being freed. */
    ck_assert_msg(max_live <= 3, "a read saw %zu blocks live (at most 3 ever were), %lu handed",
                  max_live, x.handed);
    ck_assert_msg(st.classes[cls].peak <= 3, "class peak %zu blocks (at most 3 were live)",
                  st.classes[cls].peak);
    ck_assert_msg(st.bytes_peak <= 3 * 64, "bytes_peak %zu (at most 192 B were live)",
                  st.bytes_peak);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

/* ---- defect 2 ------------------------------------------------------------ */

#define ORPHANS 65536
static void *orphan_blocks[ORPHANS];

struct claim_race {
    rta_heap *h;
    _Atomic int freeing_done;
    unsigned attempts, failures;
};

static void *alloc_and_leave(void *arg)
{
    rta_heap *h = arg;
    for (unsigned i = 0; i < ORPHANS; i++) {
        orphan_blocks[i] = rta_malloc(h, 16 + (i % 16) * 16);
        ck_assert_ptr_nonnull(orphan_blocks[i]);
    }
    return NULL; /* exits: the only cache is free again, its blocks live */
}

static void *free_orphans(void *arg)
{
    struct claim_race *r = arg;
    for (unsigned i = 0; i < ORPHANS; i++) {
        rta_free(r->h, orphan_blocks[i]);
        if (i % 16 == 0)
            sched_yield(); /* let the claimer run between frees */
    }
    atomic_store(&r->freeing_done, 1);
    return NULL;
}

static void *attach_detach(void *arg)
{
    struct claim_race *r = arg;
    while (!atomic_load(&r->freeing_done)) {
        r->attempts++;
        if (rta_thread_attach(r->h) != 0)
            r->failures++;
        else
            rta_thread_detach(r->h);
    }
    return NULL;
}

START_TEST(free_never_blocks_claim)
{
    rta_config cfg = tu_config(16 * MiB, 0);
    cfg.max_threads = 1;
    rta_heap *h = tu_create(&cfg);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, alloc_and_leave, h), 0);
    pthread_join(t, NULL);

    struct claim_race r = {.h = h};
    pthread_t tf, ta;
    ck_assert_int_eq(pthread_create(&ta, NULL, attach_detach, &r), 0);
    ck_assert_int_eq(pthread_create(&tf, NULL, free_orphans, &r), 0);
    pthread_join(tf, NULL);
    pthread_join(ta, NULL);
    ck_assert_msg(r.failures == 0, "%u of %u attaches failed while a free ran", r.failures,
                  r.attempts);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.frees, ORPHANS);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.threads_attached, 0);
    rta_heap_destroy(h);
}
END_TEST

/* ---- defect 3 ------------------------------------------------------------ */

#define SCATTER 8192
static void *scatter[SCATTER];

static void *free_every_other(void *arg)
{
    rta_heap *h = arg;
    ck_assert_int_eq(rta_thread_attach(h), 0); /* cache 1 */
    for (unsigned i = 0; i < SCATTER; i += 2)
        rta_free(h, scatter[i]);
    return NULL;
}

START_TEST(refill_reads_no_other_cache)
{
    rta_config cfg = tu_config(16 * MiB, RTA_NO_PREFAULT);
    cfg.max_threads = 256;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_thread_attach(h), 0); /* cache 0 */
    for (unsigned i = 0; i < SCATTER; i++) {
        scatter[i] = rta_malloc(h, 64);
        ck_assert_ptr_nonnull(scatter[i]);
    }
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_every_other, h), 0);
    pthread_join(t, NULL); /* remote frees scattered over every span */

    /* Caches 2 .. max_threads - 1 become untouchable. */
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)rta__cache_at(h, 2), hi = (uintptr_t)rta__cache_at(h, 255);
    lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    hi &= ~((uintptr_t)page - 1);
    ck_assert_uint_gt(hi, lo);
    ck_assert_int_eq(mprotect((void *)lo, hi - lo, PROT_NONE), 0);
    /* Every allocation after the current span is a refill that collects
     * one span's remote frees. */
    for (unsigned i = 0; i < SCATTER; i += 2) {
        scatter[i] = rta_malloc(h, 64);
        ck_assert_ptr_nonnull(scatter[i]);
    }
    ck_assert_int_eq(mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE), 0);
    tu_free_all(h, scatter, SCATTER);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.allocs, SCATTER + SCATTER / 2);
    rta_heap_destroy(h);
}
END_TEST

/* ---- defect 4 ------------------------------------------------------------ */

#define DRY_MAX 4096
static void *dry[DRY_MAX];

struct dry_race {
    rta_heap *h;
    size_t n;
    _Atomic int ready, go, done;
};

static void *free_one_at_a_time(void *arg)
{
    struct dry_race *r = arg;
    /* Attached before the pool runs dry: a reclaim pass may borrow a
     * free cache, and this test is not about claims. */
    ck_assert_int_eq(rta_thread_attach(r->h), 0); /* cache 1 */
    atomic_store(&r->ready, 1);
    while (!atomic_load(&r->go))
        sched_yield();
    for (size_t i = 0; i < r->n; i += 2) {
        rta_free(r->h, dry[i]);
        for (int k = 0; k < 5; k++)
            sched_yield(); /* the owner retries meanwhile */
    }
    atomic_store(&r->done, 1);
    return NULL;
}

START_TEST(refill_fails_only_when_empty)
{
    rta_config cfg = tu_config(1 * MiB, 0);
    cfg.max_threads = 2;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_thread_attach(h), 0); /* cache 0 */
    struct dry_race r = {.h = h};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_one_at_a_time, &r), 0);
    while (!atomic_load(&r.ready))
        sched_yield();
    r.n = tu_fill(h, 1024, dry, DRY_MAX); /* the reserve is dry */
    ck_assert_uint_gt(r.n, 100);
    rta_stats st = tu_stats(h);
    int cls = tu_class_of(&st, 1024);
    struct rta__class_cache *cc = &rta__cache_at(h, 0)->cls[cls];
    atomic_store(&r.go, 1);
    static void *got[DRY_MAX];
    size_t n_got = 0, nulls = 0, bad = 0;
    while (!atomic_load(&r.done)) {
        void *p = rta_malloc(h, 1024);
        if (p) {
            ck_assert_uint_lt(n_got, DRY_MAX);
            got[n_got++] = p; /* kept: the pool stays dry */
            continue;
        }
        nulls++;
        /* NULL: nothing of the class may be at hand in this cache. */
        if (cc->partial != NULL || cc->current->free != NULL)
            bad++;
    }
    pthread_join(t, NULL);
    ck_assert_msg(bad == 0, "%zu of %zu NULL returns left free blocks in the cache", bad, nulls);
    for (size_t i = 1; i < r.n; i += 2)
        rta_free(h, dry[i]);
    tu_free_all(h, got, n_got);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

/* ---- a parked current span, stolen ------------------------------------ */

#define STEAL_MAX 1024
static void *stolen_into[STEAL_MAX];

struct steal_job {
    rta_heap *h;
    size_t n;
};

static void *fill_until_dry(void *arg)
{
    struct steal_job *j = arg;
    ck_assert_int_eq(rta_thread_attach(j->h), 0);
    while (j->n < STEAL_MAX && (stolen_into[j->n] = rta_malloc(j->h, 1024)) != NULL) {
        memset(stolen_into[j->n], (int)(j->n & 0xff), 1024);
        j->n++;
    }
    /* One free block in each span (of this thread's class): a thread that
     * wrongly took one of these spans for its own would now get a block. */
    for (size_t i = 63; i < j->n; i += 64) {
        rta_free(j->h, stolen_into[i]);
        stolen_into[i] = NULL;
    }
    return NULL;
}

static void *free_filled(void *arg)
{
    struct steal_job *j = arg;
    for (size_t i = 0; i < j->n; i++)
        rta_free(j->h, stolen_into[i]); /* NULL: freed already */
    return NULL;
}

START_TEST(parked_current_span_stolen)
{
    /* Four spans.  This thread's 64 B class empties: its current span is
     * parked in place.  Another thread fills the pool with 1 KiB blocks,
     * stealing the parked span when the reserve runs dry.  This thread's
     * next allocation must find its span gone and leave it alone. */
    rta_config cfg = tu_config(256 * KiB, 0);
    cfg.max_threads = 2;
    cfg.max_block = 1024;
    rta_heap *h = tu_create(&cfg);
    void *p = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(p);
    rta_free(h, p);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.pool_bytes_free, 256 * KiB); /* parked counts as free */

    struct steal_job j = {.h = h};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fill_until_dry, &j), 0);
    pthread_join(t, NULL);
    ck_assert_uint_eq(j.n, 4 * 64); /* all four spans, the stolen one too */

    errno = 0;
    p = rta_malloc(h, 64);
    ck_assert_msg(p == NULL, "got %p from a span this thread no longer owns", p);
    ck_assert_int_eq(errno, ENOMEM);
    for (size_t i = 0; i < j.n; i++) {
        const unsigned char *b = stolen_into[i];
        for (size_t k = 0; b && k < 1024; k++)
            ck_assert_msg(b[k] == (i & 0xff), "block %zu byte %zu changed", i, k);
    }
    ck_assert_int_eq(pthread_create(&t, NULL, free_filled, &j), 0);
    pthread_join(t, NULL);
    p = rta_malloc(h, 64); /* the other thread's spans came back */
    ck_assert_ptr_nonnull(p);
    rta_free(h, p);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.allocs, j.n + 2);
    ck_assert_uint_eq(st.failures, 2); /* the other thread's last try, and ours */
    rta_heap_destroy(h);
}
END_TEST

/* ---- the size-class table ---------------------------------------------- */

/* The contract's classes: 16..128 by 16, then four per doubling. */
static size_t class_size_for(size_t n)
{
    if (n <= 128)
        return n == 0 ? 16 : (n + 15) / 16 * 16;
    size_t p = 128;
    while (p * 2 < n)
        p *= 2;
    size_t step = p / 4;
    return (n + step - 1) / step * step;
}

START_TEST(fast_path_classes)
{
    rta_heap *h = tu_small_heap(16 * MiB, 0);
    for (size_t n = 0; n <= 4200; n++) {
        void *p = rta_malloc(h, n);
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(rta_usable_size(h, p) == class_size_for(n), "%zu B: block of %zu, want %zu",
                      n, rta_usable_size(h, p), class_size_for(n));
        rta_free(h, p);
    }
    rta_heap_destroy(h);
}
END_TEST

static Suite *races_suite(void)
{
    Suite *s = suite_create("core races");
    TCase *tc = tcase_create("races");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stats_never_over_report);
    tcase_add_test(tc, free_never_blocks_claim);
    tcase_add_test(tc, refill_reads_no_other_cache);
    tcase_add_test(tc, refill_fails_only_when_empty);
    tcase_add_test(tc, parked_current_span_stolen);
    tcase_add_test(tc, fast_path_classes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(races_suite());
}
