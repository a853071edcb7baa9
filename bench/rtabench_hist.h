/* Latency histogram: every sample of a run, in constant memory.
 *
 * Values below 2048 ticks (about 0.8 us at 2.5 GHz) have a bucket each,
 * so the body of the distribution is exact; above, each power of two is
 * cut into 1024 buckets (0.1 % wide), so a tail of millions of samples
 * costs no more memory than a short one and recording a sample is a few
 * instructions with no allocation.  The exact maximum is kept beside. */
#ifndef RTABENCH_HIST_H
#define RTABENCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#include "rtabench_timer.h"

#define RB_HIST_EXACT 2048u  /* values below have their own bucket */
#define RB_HIST_SUB_BITS 10u /* 1024 buckets per power of two above */
#define RB_HIST_BUCKETS (RB_HIST_EXACT + (64u - 11u) * (1u << RB_HIST_SUB_BITS))

typedef struct rb_hist {
    uint64_t n, max;
    uint64_t count[RB_HIST_BUCKETS];
} rb_hist;

/* Allocates a histogram and writes every page, so recording never takes
 * a page fault.  Set-up only; exits on failure. */
rb_hist *rb_hist_new(void);
void rb_hist_free(rb_hist *h);
/* Forgets every sample (after a warm-up). */
void rb_hist_clear(rb_hist *h);

static inline unsigned rb_hist_index(uint64_t v)
{
    if (v < RB_HIST_EXACT)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 11 */
    unsigned sub = (unsigned)(v >> (e - RB_HIST_SUB_BITS)) & ((1u << RB_HIST_SUB_BITS) - 1u);
    return RB_HIST_EXACT + (e - 11u) * (1u << RB_HIST_SUB_BITS) + sub;
}

static inline void rb_hist_add(rb_hist *h, uint64_t ticks)
{
    h->count[rb_hist_index(ticks)]++;
    h->n++;
    if (ticks > h->max)
        h->max = ticks;
}

/* Middle of a bucket, in ticks. */
double rb_hist_bucket_value(unsigned idx);
/* Latency in ns at quantile q (0..1]: the timer's overhead is taken off
 * and the result clamped at 0.  q = 1 gives the exact maximum. */
double rb_hist_quantile_ns(const rb_hist *h, double q, const rb_timer *t);
/* Writes "ns fraction_at_or_above" lines: the complementary cumulative
 * distribution, for a log-log plot.  0, or -1 if the file can't be made. */
int rb_hist_write_ccdf(const rb_hist *h, const rb_timer *t, const char *path);

#endif
