/* Frees from a thread that does not own the block's span (or of a block
 * whose cache no thread holds: the same push), and the owner picking
 * them up.
 *
 * The freeing thread pushes the block onto the span's `remote` stack: the
 * head (block index + 1) and the number of blocks share one 64-bit word,
 * so one compare-and-swap loop both links the block and counts it.  The
 * push that finds the stack empty is the only one that also publishes the
 * span: it records the block as the stack's tail and pushes the span onto
 * the owner cache's `pending` stack for the class.  A span is therefore
 * on at most one pending list at a time, and only while its remote stack
 * is non-empty.
 *
 * The owner takes the whole pending stack with one exchange, then takes
 * one span from it per refill, and that span's remote stack with one more
 * exchange; head, count and tail splice it onto the span's free list in
 * O(1).  The tail is read before the exchange: after the exchange the
 * next remote free may overwrite it. */
#include "internal.h"

#define HEAD(w) ((uint32_t)((w)&0xFFFFFFFFu))
#define COUNT(w) ((uint32_t)((w) >> 32))

void rta__remote_free(struct rta_heap *h, struct rta__span *s, unsigned cls, void *p,
                      uint32_t index)
{
    char *base = rta__span_base(h, s);
    size_t size = h->class_size[cls];
    uint64_t old = atomic_load_explicit(&s->remote, memory_order_relaxed);
    uint64_t want;
    do {
        uint32_t head = HEAD(old);
        *(void **)p = head ? base + (size_t)(head - 1) * size : NULL;
        want = (uint64_t)(index + 1) | ((uint64_t)(COUNT(old) + 1) << 32);
    } while (!atomic_compare_exchange_weak_explicit(&s->remote, &old, want, memory_order_acq_rel,
                                                    memory_order_relaxed));
    if (HEAD(old) != 0)
        return;

    atomic_store_explicit(&s->remote_tail, p, memory_order_relaxed);
    uint32_t owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
    struct rta__cache *oc = rta__cache_at(h, owner);
    struct rta__class_cache *cc = &oc->cls[cls];
    if (!atomic_load_explicit(&cc->remote_seen, memory_order_relaxed)) {
        atomic_store_explicit(&cc->remote_seen, 1, memory_order_relaxed);
        atomic_store_explicit(&oc->remote_seen, 1, memory_order_relaxed);
    }
    struct rta__span *top = atomic_load_explicit(&cc->pending, memory_order_relaxed);
    do {
        atomic_store_explicit(&s->pending_next, top, memory_order_relaxed);
    } while (!atomic_compare_exchange_weak_explicit(&cc->pending, &top, s, memory_order_release,
                                                    memory_order_relaxed));
}

struct rta__span *rta__remote_collect(struct rta_heap *h, struct rta__class_cache *cc, unsigned cls)
{
    struct rta__span *s = cc->pending_private;
    if (!s) {
        if (!atomic_load_explicit(&cc->pending, memory_order_relaxed))
            return NULL;
        s = atomic_exchange_explicit(&cc->pending, NULL, memory_order_acquire);
        if (!s)
            return NULL;
    }
    cc->pending_private = atomic_load_explicit(&s->pending_next, memory_order_relaxed);

    void *tail = atomic_load_explicit(&s->remote_tail, memory_order_relaxed);
    uint64_t got = atomic_exchange_explicit(&s->remote, 0, memory_order_acq_rel);
    uint32_t head = HEAD(got), count = COUNT(got);
    if (head == 0)
        return s; /* cannot happen: a pending span has remote frees */

    size_t size = h->class_size[cls];
    *(void **)tail = s->free;
    s->free = rta__span_base(h, s) + (size_t)(head - 1) * size;
    s->used -= count;

    struct rta__cache *c =
        (struct rta__cache *)((char *)(cc - cls) - offsetof(struct rta__cache, cls));
    RTA__STORE(c->bytes_headroom, RTA__LOAD(c->bytes_headroom) + (uint64_t)count * size);
    return s;
}
