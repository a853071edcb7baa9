/* Workload 3, cross-thread: the measuring thread allocates blocks of
 * 16..4096 B and hands them through a lock-free ring to a consumer thread
 * that frees them, as when an audio thread passes buffers to a worker.
 * Every free is remote.  Reported: the producer's allocation latency, the
 * consumer's free latency, and blocks per second in the untimed pass.
 *
 * The consumer is started before measuring and follows the producer's
 * chunks through atomics, so no thread is created, joined or woken by a
 * system call inside a chunk: both sides spin, each pinned to its own CPU
 * (two spinning threads sharing one CPU would measure the scheduler's
 * time slice, not the allocator).  After each chunk's closing bracket the
 * consumer checks its own preemptions and files its free latencies. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtabench_ring.h"
#include "rtabench_run.h"

#define RB_QUIT UINT_MAX

/* Passed instead of a block when an allocation failed. */
static char failed_item;

typedef struct xthread {
    rb_ring ring;
    rb_run *run;
    unsigned seq;                       /* producer's chunk number */
    unsigned long n;                    /* items in the current chunk */
    rb_pass how;                        /* and how it is timed */
    int measured;                       /* chunk counts (not warm-up) */
    int consumer_clean;                 /* consumer not preempted in it */
    _Alignas(64) atomic_uint go;        /* chunk the consumer should run */
    _Alignas(64) atomic_uint done;      /* last chunk it consumed */
    _Alignas(64) atomic_uint acct;      /* last chunk closed by the producer */
    _Alignas(64) atomic_uint acct_done; /* last chunk the consumer filed */
} xthread;

static void wait_until(atomic_uint *v, unsigned at_least)
{
    while (atomic_load_explicit(v, memory_order_acquire) < at_least)
        rb_cpu_relax();
}

static void *consumer_main(void *arg)
{
    xthread *x = arg;
    rb_run *run = x->run;
    rb_allocator *a = &run->alloc;
    rb_series *s = &run->res.free;
    rb_chunk_stats *st = &run->res.helper;
    unsigned last = 0;

    rb_allocator_attach_thread(a);
    rb_thread_preemptions(); /* baseline */
    for (;;) {
        unsigned seq;
        while ((seq = atomic_load_explicit(&x->go, memory_order_acquire)) == last)
            rb_cpu_relax();
        if (seq == RB_QUIT)
            break;
        for (unsigned long i = 0; i < x->n; i++) {
            void *p;
            while (!(p = rb_ring_pop(&x->ring)))
                rb_cpu_relax();
            if (p == &failed_item)
                continue;
            if (x->how == RB_PASS_PER_OP) {
                uint64_t t0 = rb_ticks_begin();
                rb_free_general(a, p);
                uint64_t t1 = rb_ticks_end();
                rb_series_add(s, t1 - t0);
            } else {
                rb_free_general(a, p);
            }
        }
        atomic_store_explicit(&x->done, seq, memory_order_release);
        wait_until(&x->acct, seq); /* the producer's closing marker is written */
        long pre = rb_thread_preemptions();
        x->consumer_clean = pre == 0;
        if (x->measured) {
            rb_series_flush(s, pre == 0);
            st->preemptions += pre;
            st->chunks++;
            st->clean_chunks += pre == 0;
        } else {
            rb_series_discard(s);
        }
        atomic_store_explicit(&x->acct_done, seq, memory_order_release);
        last = seq;
    }
    rb_allocator_detach_thread(a);
    return NULL;
}

static int produce_chunk(rb_run *run, unsigned long n, rb_pass pass, void *ctx)
{
    xthread *x = ctx;
    rb_allocator *a = &run->alloc;
    int rc = 0;
    unsigned seq = ++x->seq;
    uint64_t pos = (uint64_t)seq * RB_CHUNK_SAMPLES;

    x->n = n;
    x->how = pass;
    atomic_store_explicit(&x->go, seq, memory_order_release);
    for (unsigned long i = 0; i < n; i++, pos++) {
        size_t size = run->sizes[pos & (RB_SIZES - 1)];
        void *p;
        if (pass == RB_PASS_PER_OP) {
            uint64_t t0 = rb_ticks_begin();
            p = rb_alloc_general(a, size);
            uint64_t t1 = rb_ticks_end();
            rb_series_add(&run->res.alloc, t1 - t0);
        } else {
            p = rb_alloc_general(a, size);
        }
        if (__builtin_expect(p == NULL, 0)) {
            /* keep the consumer's count right: it skips the stand-in */
            run->res.failed = 1;
            rc = -1;
            p = &failed_item;
        } else {
            *(volatile uint64_t *)p = size;
        }
        while (!rb_ring_push(&x->ring, p))
            rb_cpu_relax();
    }
    wait_until(&x->done, seq);
    return rc;
}

static int close_chunk(rb_run *run, int measured, void *ctx)
{
    xthread *x = ctx;
    (void)run;
    x->measured = measured;
    atomic_store_explicit(&x->acct, x->seq, memory_order_release);
    wait_until(&x->acct_done, x->seq);
    return x->consumer_clean;
}

int rb_workload_xthread(rb_run *run)
{
    xthread *x = aligned_alloc(64, sizeof *x);
    pthread_t consumer;
    int rc = 0;

    if (!x)
        return -1;
    memset(x, 0, sizeof *x);
    x->run = run;
    atomic_init(&x->go, 0);
    atomic_init(&x->done, 0);
    atomic_init(&x->acct, 0);
    atomic_init(&x->acct_done, 0);
    if (pthread_create(&consumer, NULL, consumer_main, x) != 0) {
        fprintf(stderr, "rtabench: cannot start the consumer thread\n");
        free(x);
        return -1;
    }
    rb_pin_pair(consumer);

    rb_pass_desc d = {.chunk = produce_chunk,
                      .after_chunk = close_chunk,
                      .ctx = x,
                      .units_per_chunk = RB_CHUNK_SAMPLES,
                      .free_flushed_elsewhere = 1};
    rc |= rb_run_pass(run, &d, run->warmup / 2 + 1, RB_PASS_PER_OP, 0, NULL);
    rc |= rb_run_pass(run, &d, run->warmup / 2 + 1, RB_PASS_UNTIMED, 0, NULL);
    rb_run_clear_figures(run); /* the consumer is idle between chunks */
    rc |= rb_run_pass(run, &d, run->count, RB_PASS_PER_OP, 1, NULL);
    rc |= rb_run_pass(run, &d, run->count, RB_PASS_UNTIMED, 1, &run->res.untimed);
    atomic_store_explicit(&x->go, RB_QUIT, memory_order_release);
    pthread_join(consumer, NULL);

    run->res.allocs_per_unit = 1;
    free(x);
    return rc;
}
