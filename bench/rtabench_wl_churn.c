/* Workload 2, steady churn: 1024 blocks of 16..4096 B stay live; each
 * step frees one chosen at random and allocates a new one in its place.
 * The heap's shape stops changing after the warm-up, so this shows the
 * steady-state cost: timed per call in one pass, untimed in another. */
#include "config.h"

#include "rtabench_run.h"

static inline __attribute__((always_inline)) int
churn(rb_run *run, void **live, unsigned long steps, rb_pass pass, uint64_t *pos)
{
    rb_allocator *a = &run->alloc;
    rb_result *r = &run->res;
    uint64_t k = *pos;
    for (unsigned long i = 0; i < steps; i++, k++) {
        unsigned slot = run->slots[k & (RB_SIZES - 1)];
        size_t size = run->sizes[k & (RB_SIZES - 1)];
        void *p;
        if (pass == RB_PASS_PER_OP) {
            uint64_t t0 = rb_ticks_begin();
            rb_free(a, live[slot]);
            uint64_t t1 = rb_ticks_end();
            rb_series_add(&r->free, t1 - t0);
            t0 = rb_ticks_begin();
            p = rb_alloc(a, size);
            t1 = rb_ticks_end();
            rb_series_add(&r->alloc, t1 - t0);
        } else {
            rb_free(a, live[slot]);
            p = rb_alloc(a, size);
        }
        if (__builtin_expect(p == NULL, 0)) {
            live[slot] = NULL;
            r->failed = 1;
            return -1;
        }
        *(volatile uint64_t *)p = size;
        live[slot] = p;
    }
    *pos = k;
    return 0;
}

typedef struct churn_ctx {
    void **live;
    uint64_t pos;
} churn_ctx;

static int churn_chunk(rb_run *run, unsigned long n, rb_pass pass, void *ctx)
{
    churn_ctx *c = ctx;
    if (pass == RB_PASS_PER_OP)
        return churn(run, c->live, n, RB_PASS_PER_OP, &c->pos);
    return churn(run, c->live, n, RB_PASS_UNTIMED, &c->pos);
}

int rb_workload_churn(rb_run *run)
{
    void *live[RB_CHURN_LIVE];
    churn_ctx c = {.live = live, .pos = 0};
    rb_pass_desc d = {.chunk = churn_chunk, .ctx = &c, .units_per_chunk = RB_CHUNK_SAMPLES};
    int rc = 0;

    for (unsigned i = 0; i < RB_CHURN_LIVE; i++) {
        live[i] = rb_alloc(&run->alloc, run->sizes[(RB_SIZES - 1) - i]);
        if (!live[i]) {
            run->res.failed = 1;
            rc = -1;
        }
    }
    if (rc == 0) {
        /* warm-up through both passes' code (first runs of code fault) */
        rc |= rb_run_pass(run, &d, run->warmup / 2 + 1, RB_PASS_PER_OP, 0, NULL);
        rc |= rb_run_pass(run, &d, run->warmup / 2 + 1, RB_PASS_UNTIMED, 0, NULL);
        rb_run_clear_figures(run);
        rc |= rb_run_pass(run, &d, run->count, RB_PASS_PER_OP, 1, NULL);
        rc |= rb_run_pass(run, &d, run->count, RB_PASS_UNTIMED, 1, &run->res.untimed);
        run->res.allocs_per_unit = 1;
    }
    for (unsigned i = 0; i < RB_CHURN_LIVE; i++)
        rb_free(&run->alloc, live[i]);
    return rc;
}
