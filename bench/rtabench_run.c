/* Parts every workload shares: the random tables, the chunked pass
 * driver, and the pinning of two-thread workloads.
 *
 * xorshift64* with a fixed seed: the same requests for every allocator,
 * run after run.  Tables are written in full before measuring, so reading
 * them never faults. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtabench_run.h"

static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void *must_alloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (!p) {
        fprintf(stderr, "rtabench: out of memory for tables\n");
        exit(2);
    }
    memset(p, 0, bytes);
    return p;
}

void rb_run_make_tables(rb_run *run, uint64_t seed)
{
    uint32_t lo = 16, hi = 2048;
    if (run->workload == RB_W_CHURN || run->workload == RB_W_XTHREAD)
        hi = 4096;
    else if (run->workload == RB_W_SCRATCH)
        lo = 1024, hi = 65536;

    uint64_t s = seed ? seed : 1;
    run->sizes = must_alloc(RB_SIZES * sizeof run->sizes[0]);
    run->slots = must_alloc(RB_SIZES * sizeof run->slots[0]);
    run->perms = must_alloc(RB_PERMS * sizeof run->perms[0]);
    for (unsigned i = 0; i < RB_SIZES; i++) {
        run->sizes[i] = lo + (uint32_t)(next_random(&s) % (hi - lo + 1));
        run->slots[i] = (uint16_t)(next_random(&s) % RB_CHURN_LIVE);
    }
    for (unsigned p = 0; p < RB_PERMS; p++) {
        uint8_t *perm = run->perms[p];
        for (unsigned i = 0; i < RB_FRAME_ALLOCS; i++)
            perm[i] = (uint8_t)i;
        for (unsigned i = RB_FRAME_ALLOCS - 1; i > 0; i--) {
            unsigned j = (unsigned)(next_random(&s) % (i + 1));
            uint8_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
    }
    if (run->marker_fd < 0)
        run->marker_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
}

void rb_run_free_tables(rb_run *run)
{
    free(run->sizes);
    free(run->slots);
    free(run->perms);
    run->sizes = NULL;
    run->slots = NULL;
    run->perms = NULL;
}

void rb_pin_pair(pthread_t other)
{
    cpu_set_t allowed, one;
    int cpus[2], n = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET(c, &allowed))
            cpus[n++] = c;
    if (n < 2)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpus[0], &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    CPU_ZERO(&one);
    CPU_SET(cpus[1], &one);
    pthread_setaffinity_np(other, sizeof one, &one);
}

void rb_run_clear_figures(rb_run *run)
{
    rb_series_clear(&run->res.alloc);
    rb_series_clear(&run->res.free);
    rb_series_clear(&run->res.frame);
}

int rb_run_pass(rb_run *run, const rb_pass_desc *d, unsigned long units, rb_pass pass, int measure,
                rb_pass_time *time)
{
    rb_result *r = &run->res;
    while (units) {
        unsigned long n = units < d->units_per_chunk ? units : d->units_per_chunk;
        rb_chunk ch;
        if (measure)
            rb_chunk_begin(&ch, run->marker_fd);
        uint64_t t0 = rb_ticks_begin();
        int rc = d->chunk(run, n, pass, d->ctx);
        uint64_t t1 = rb_ticks_end();
        int clean = measure ? rb_chunk_end(&ch, &r->chunks) : 0;
        if (measure) {
            rb_series_flush(&r->alloc, clean);
            rb_series_flush(&r->frame, clean);
            if (!d->free_flushed_elsewhere)
                rb_series_flush(&r->free, clean);
        } else {
            rb_series_discard(&r->alloc);
            rb_series_discard(&r->frame);
            if (!d->free_flushed_elsewhere)
                rb_series_discard(&r->free);
        }
        if (d->after_chunk && !d->after_chunk(run, measure, d->ctx))
            clean = 0;
        if (time) {
            time->ticks += t1 - t0;
            time->units += n;
            if (clean) {
                time->clean_ticks += t1 - t0;
                time->clean_units += n;
            }
        }
        if (rc != 0)
            return -1;
        units -= n;
    }
    return 0;
}
