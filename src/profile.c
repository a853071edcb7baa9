/* Capacity you can prove: exact peaks (RTA_PROFILE), the number of
 * caches claimed at once, spans out of the reserve, and the low-water
 * signal.  Input of rtalloc-plan; the argument is in doc/CAPACITY.md.
 *
 * Exact peaks need one count that every thread changes: a block is live
 * from the start of the call that allocates it to the end of the call
 * that frees it, and each class, and the pools in bytes, keep that count
 * in a shared atomic counter.  Every change is one atomic add, so the
 * changes have one order and the counter's value after each of them is
 * the live count at that point of the order; a peak is the highest of
 * those values (a compare-and-swap loop that retries only when another
 * thread raised it).  Counting an allocation before it takes its block,
 * and a free after its block is back on a list, makes the count an upper
 * bound of the blocks that are out of the allocator's hands at any
 * moment, which is what the bound of rtalloc-plan needs.  The per-thread
 * counters of the fast paths cannot give this (a read sums them at
 * different moments), so a profiled heap keeps its threads off the fast
 * paths (tcache.c remember()) and every call passes here.
 *
 * Spans out of the reserve are counted only when a profile or a low-water
 * threshold asks for it: one atomic add per span taken or given, which
 * happens on refills from the reserve, never on a cache hit. */
#include "internal.h"

static void max_store(_Atomic uint64_t *x, uint64_t v)
{
    uint64_t cur = atomic_load_explicit(x, memory_order_relaxed);
    while (v > cur && !atomic_compare_exchange_weak_explicit(x, &cur, v, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}

void rta__profile_init(struct rta_heap *h, const rta_config *cfg)
{
    struct rta__profile *p = &h->prof;
    size_t span = (size_t)1 << h->span_shift;
    p->low_water_spans = (cfg->low_water_bytes + span - 1) >> h->span_shift;
    p->track_spans = rta__profiling(h) || cfg->low_water_bytes != 0;
}

void rta__profile_alloc(struct rta_heap *h, unsigned cls)
{
    struct rta__profile *p = &h->prof;
    uint64_t live = atomic_fetch_add_explicit(&p->cls[cls].live, 1, memory_order_relaxed) + 1;
    max_store(&p->cls[cls].peak, live);
    uint64_t size = h->class_size[cls];
    uint64_t bytes = atomic_fetch_add_explicit(&p->bytes_live, size, memory_order_relaxed) + size;
    max_store(&p->bytes_peak, bytes);
}

/* The allocation counted by rta__profile_alloc failed. */
void rta__profile_unalloc(struct rta_heap *h, unsigned cls)
{
    rta__profile_free(h, cls);
}

void rta__profile_free(struct rta_heap *h, unsigned cls)
{
    struct rta__profile *p = &h->prof;
    atomic_fetch_sub_explicit(&p->cls[cls].live, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&p->bytes_live, h->class_size[cls], memory_order_relaxed);
}

void rta__profile_arena(struct rta_arena *a, size_t used)
{
    size_t cur = atomic_load_explicit(&a->peak, memory_order_relaxed);
    while (used > cur && !atomic_compare_exchange_weak_explicit(
                             &a->peak, &cur, used, memory_order_relaxed, memory_order_relaxed))
        ;
}

void rta__profile_claimed(struct rta_heap *h)
{
    struct rta__profile *p = &h->prof;
    uint32_t now = atomic_fetch_add_explicit(&p->threads_now, 1, memory_order_relaxed) + 1;
    uint32_t cur = atomic_load_explicit(&p->threads_peak, memory_order_relaxed);
    while (now > cur &&
           !atomic_compare_exchange_weak_explicit(&p->threads_peak, &cur, now, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

void rta__profile_released(struct rta_heap *h)
{
    atomic_fetch_sub_explicit(&h->prof.threads_now, 1, memory_order_relaxed);
}

/* Spans in the reserve: never used ones [low, high) plus the free stack,
 * which is every span below `low` not out: high - out. */
static uint64_t reserve_free_spans(const struct rta_heap *h)
{
    uint64_t b = atomic_load_explicit(&h->reserve_bounds, memory_order_relaxed);
    uint64_t high = b >> 32;
    uint64_t out = atomic_load_explicit(&h->prof.spans_out, memory_order_relaxed);
    return out >= high ? 0 : high - out;
}

void rta__profile_span_taken(struct rta_heap *h)
{
    struct rta__profile *p = &h->prof;
    if (!p->track_spans)
        return;
    uint64_t out = atomic_fetch_add_explicit(&p->spans_out, 1, memory_order_relaxed) + 1;
    max_store(&p->spans_peak, out);
    if (p->low_water_spans && reserve_free_spans(h) < p->low_water_spans &&
        !atomic_load_explicit(&p->low_water_hit, memory_order_relaxed))
        atomic_store_explicit(&p->low_water_hit, 1, memory_order_relaxed);
}

void rta__profile_span_given(struct rta_heap *h)
{
    if (h->prof.track_spans)
        atomic_fetch_sub_explicit(&h->prof.spans_out, 1, memory_order_relaxed);
}

RTA_API int rta_low_water(rta_heap *h)
{
    if (!h || !h->prof.low_water_spans)
        return 0;
    int hit = atomic_exchange_explicit(&h->prof.low_water_hit, 0, memory_order_relaxed) != 0;
    return hit || reserve_free_spans(h) < h->prof.low_water_spans;
}

void rta__profile_stats(const struct rta_heap *h, rta_stats *out)
{
    const struct rta__profile *p = &h->prof;
    out->threads_peak = atomic_load_explicit(&p->threads_peak, memory_order_relaxed);
    out->span_bytes = (size_t)1 << h->span_shift;
    uint64_t b = atomic_load_explicit(&h->reserve_bounds, memory_order_relaxed);
    out->arena_pool_bytes = (size_t)(h->n_spans - (uint32_t)(b >> 32)) << h->span_shift;
    if (p->track_spans)
        out->spans_peak = (size_t)atomic_load_explicit(&p->spans_peak, memory_order_relaxed);
    if (!rta__profiling(h))
        return;
    /* The shared counters are the exact figures: they replace the
     * per-thread sums and their lower-bound peaks. */
    out->profile = 1;
    out->bytes_live = 0;
    for (unsigned k = 0; k < h->n_classes; k++) {
        uint64_t live = atomic_load_explicit(&p->cls[k].live, memory_order_relaxed);
        out->classes[k].live = (size_t)live;
        out->classes[k].peak = (size_t)atomic_load_explicit(&p->cls[k].peak, memory_order_relaxed);
        out->bytes_live += (size_t)live * h->class_size[k];
    }
    out->bytes_peak = (size_t)atomic_load_explicit(&p->bytes_peak, memory_order_relaxed);
}
