/* Fixed-bucket callback time histogram (see latency.h).
 *
 * A quantile is read as the upper edge of its bucket, so p50 and p99 are
 * rounded up by less than 100 ns; the maximum is exact. */
#include "latency.h"

#include <string.h>

void latency_init(struct latency_histogram *h)
{
    memset(h, 0, sizeof *h);
}

void latency_record(struct latency_histogram *h, uint64_t ns)
{
    uint64_t bucket = ns / LATENCY_BUCKET_NS;

    if (bucket > LATENCY_BUCKETS)
        bucket = LATENCY_BUCKETS;
    h->counts[bucket]++;
    h->samples++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

uint64_t latency_quantile_ns(const struct latency_histogram *h, double q)
{
    uint64_t rank, seen = 0;
    unsigned i;

    if (h->samples == 0)
        return 0;
    /* The smallest value with at least q of the samples at or below it. */
    rank = (uint64_t)(q * (double)h->samples);
    if ((double)rank < q * (double)h->samples)
        rank++; /* ceiling */
    if (rank == 0)
        rank = 1;
    for (i = 0; i <= LATENCY_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            break;
    }
    if (i >= LATENCY_BUCKETS)
        return h->max_ns;
    {
        uint64_t edge = (uint64_t)(i + 1) * LATENCY_BUCKET_NS;
        return edge < h->max_ns ? edge : h->max_ns;
    }
}
