/* Histogram set-up, quantiles and the CCDF file; see rtabench_hist.h. */
#include "config.h"

#include "rtabench_hist.h"

#include <stdlib.h>
#include <string.h>

rb_hist *rb_hist_new(void)
{
    rb_hist *h = malloc(sizeof *h);
    if (!h) {
        fprintf(stderr, "rtabench: out of memory for a histogram\n");
        exit(2);
    }
    /* memset writes every page: no first touch during the measured phase */
    memset(h, 0, sizeof *h);
    return h;
}

void rb_hist_free(rb_hist *h)
{
    free(h);
}

void rb_hist_clear(rb_hist *h)
{
    memset(h, 0, sizeof *h);
}

double rb_hist_bucket_value(unsigned idx)
{
    if (idx < RB_HIST_EXACT)
        return (double)idx;
    unsigned rel = idx - RB_HIST_EXACT;
    unsigned e = 11u + rel / (1u << RB_HIST_SUB_BITS);
    unsigned sub = rel % (1u << RB_HIST_SUB_BITS);
    double width = (double)(1ull << (e - RB_HIST_SUB_BITS));
    return ((double)(1u << RB_HIST_SUB_BITS) + sub) * width + width / 2.0;
}

static double ticks_to_latency_ns(double ticks, const rb_timer *t)
{
    double v = ticks - (double)t->overhead_ticks;
    return v < 0 ? 0.0 : rb_ticks_to_ns(t, v);
}

double rb_hist_quantile_ns(const rb_hist *h, double q, const rb_timer *t)
{
    if (h->n == 0)
        return 0.0;
    if (q >= 1.0)
        return ticks_to_latency_ns((double)h->max, t);
    uint64_t rank = (uint64_t)(q * (double)h->n);
    if ((double)rank < q * (double)h->n)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < RB_HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            double v = rb_hist_bucket_value(i);
            if (v > (double)h->max)
                v = (double)h->max;
            return ticks_to_latency_ns(v, t);
        }
    }
    return ticks_to_latency_ns((double)h->max, t);
}

int rb_hist_write_ccdf(const rb_hist *h, const rb_timer *t, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    uint64_t above = h->n; /* samples at or above the current bucket */
    for (unsigned i = 0; i < RB_HIST_BUCKETS && h->n; i++) {
        if (!h->count[i])
            continue;
        double v = rb_hist_bucket_value(i);
        if (v > (double)h->max)
            v = (double)h->max;
        /* log axes: below the timer's step (0 after the overhead) shows at 1 ns */
        double ns = ticks_to_latency_ns(v, t);
        fprintf(f, "%.2f %.9g\n", ns < 1.0 ? 1.0 : ns, (double)above / (double)h->n);
        above -= h->count[i];
    }
    return fclose(f) == 0 ? 0 : -1;
}
