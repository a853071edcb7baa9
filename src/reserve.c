/* The shared reserve of spans.  Spans never used since create sit between
 * two bounds [low, high) packed in one word: classes take them from the
 * bottom, arenas carve contiguous runs from the top.  A span whose blocks
 * are all free again goes onto a free stack (Treiber stack of indices
 * with an ABA tag in the high half of the head word) and can serve any
 * class.  Every operation is one compare-and-swap loop: lock-free; a
 * retry means another thread's operation succeeded, or, on machines whose
 * compare-and-swap is load-linked/store-conditional, a spurious failure
 * of the weak compare-and-swap. */
#include "internal.h"

#define IDX(w) ((uint32_t)((w)&0xFFFFFFFFu))
#define TAG(w) ((uint32_t)((w) >> 32))
#define PACK(lo, hi) ((uint64_t)(lo) | ((uint64_t)(hi) << 32))

void rta__reserve_init(struct rta_heap *h)
{
    atomic_init(&h->reserve_head, 0);
    atomic_init(&h->reserve_bounds, PACK(0, h->n_spans));
}

/* Empty is reported only when it was true at one moment: the free stack
 * is read empty, then the never-used range, then the stack's head again;
 * every push and pop changes the head's tag, so an unchanged head was
 * empty all along, and the range never grows back.  Otherwise a span
 * given back between the two reads while another thread took the last
 * never-used one would make a refill fail with a span in the reserve,
 * which the capacity bound (doc/CAPACITY.md) does not allow.  A retry
 * means another thread's take or give succeeded: lock-free. */
struct rta__span *rta__reserve_take(struct rta_heap *h)
{
    for (;;) {
        uint64_t head = atomic_load_explicit(&h->reserve_head, memory_order_acquire);
        while (IDX(head) != 0) {
            struct rta__span *s = &h->spans[IDX(head) - 1];
            uint32_t next = atomic_load_explicit(&s->reserve_next, memory_order_relaxed);
            uint64_t want = PACK(next, TAG(head) + 1);
            if (atomic_compare_exchange_weak_explicit(&h->reserve_head, &head, want,
                                                      memory_order_acquire, memory_order_acquire)) {
                rta__profile_span_taken(h);
                return s;
            }
        }
        uint64_t b = atomic_load_explicit(&h->reserve_bounds, memory_order_acquire);
        while (IDX(b) < TAG(b)) {
            if (atomic_compare_exchange_weak_explicit(&h->reserve_bounds, &b,
                                                      PACK(IDX(b) + 1, TAG(b)),
                                                      memory_order_relaxed, memory_order_relaxed)) {
                rta__profile_span_taken(h);
                return &h->spans[IDX(b)];
            }
        }
        if (atomic_load_explicit(&h->reserve_head, memory_order_acquire) == head)
            return NULL;
    }
}

void rta__reserve_give(struct rta_heap *h, struct rta__span *s)
{
    uint32_t idx = rta__span_index(h, s) + 1;
    uint64_t head = atomic_load_explicit(&h->reserve_head, memory_order_relaxed);
    for (;;) {
        atomic_store_explicit(&s->reserve_next, IDX(head), memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&h->reserve_head, &head, PACK(idx, TAG(head) + 1),
                                                  memory_order_release, memory_order_relaxed))
            break;
    }
    rta__profile_span_given(h);
}

char *rta__reserve_carve(struct rta_heap *h, size_t bytes, size_t *got)
{
    size_t span = (size_t)1 << h->span_shift;
    if (bytes > (size_t)h->n_spans << h->span_shift)
        return NULL;
    uint32_t k = (uint32_t)((bytes + span - 1) >> h->span_shift);
    uint64_t b = atomic_load_explicit(&h->reserve_bounds, memory_order_relaxed);
    while (TAG(b) - IDX(b) >= k) {
        if (atomic_compare_exchange_weak_explicit(&h->reserve_bounds, &b, PACK(IDX(b), TAG(b) - k),
                                                  memory_order_relaxed, memory_order_relaxed)) {
            *got = (size_t)k << h->span_shift;
            return h->pool_base + ((size_t)(TAG(b) - k) << h->span_shift);
        }
    }
    return NULL;
}

size_t rta__reserve_free_bytes(const struct rta_heap *h)
{
    /* Walking the free stack would be unbounded; count spans held by
     * caches instead (parked spans are free: anyone may steal them). */
    uint64_t b = atomic_load_explicit(&h->reserve_bounds, memory_order_relaxed);
    size_t carved = (size_t)(h->n_spans - TAG(b));
    size_t held = 0;
    for (unsigned i = 0; i < h->max_threads; i++) {
        struct rta__cache *c = rta__cache_at(h, i);
        for (unsigned k = 0; k < h->n_classes; k++)
            held += RTA__LOAD(c->cls[k].spans) -
                    (atomic_load_explicit(&c->cls[k].parked, memory_order_relaxed) != NULL);
    }
    size_t busy = carved + held;
    return busy >= h->n_spans ? 0 : (size_t)(h->n_spans - busy) << h->span_shift;
}
