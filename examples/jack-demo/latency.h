/* Callback time histogram: filled inside the process callback without
 * allocating, summarised (p50/p99/max) after the run.
 *
 * Fixed 100 ns buckets up to 4 ms, one overflow bucket and the exact
 * maximum.  The histogram lives in memory carved from the locked heap at
 * set-up, so recording a time is an index computation and an increment. */
#ifndef JACK_DEMO_LATENCY_H
#define JACK_DEMO_LATENCY_H

#include <stdint.h>

#define LATENCY_BUCKET_NS 100u
#define LATENCY_BUCKETS 40000u /* 4 ms: three 64-frame periods at 48 kHz */

struct latency_histogram {
    uint64_t samples;
    uint64_t max_ns;
    uint32_t counts[LATENCY_BUCKETS + 1]; /* last: overflow */
};

/* Clears every bucket (which also touches every page).  Not RT. */
void latency_init(struct latency_histogram *h);

/* RT-safe: O(1).  One writer thread. */
void latency_record(struct latency_histogram *h, uint64_t ns);

/* Upper edge of the bucket holding the q-quantile (0 < q <= 1), in ns;
 * the exact maximum when that falls in the overflow bucket; 0 when empty. */
uint64_t latency_quantile_ns(const struct latency_histogram *h, double q);

#endif
