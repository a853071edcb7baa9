/* Single-producer single-consumer ring of pointers, lock-free.
 *
 * The producer owns tail, the consumer head; each reads the other's with
 * acquire and publishes its own with release, so a slot's contents are
 * visible before its index.  Both indices live on their own cache line
 * so the two threads do not bounce one line for every item. */
#ifndef RTABENCH_RING_H
#define RTABENCH_RING_H

#include <stdatomic.h>
#include <stddef.h>

#define RB_RING_SLOTS 1024u /* a power of two */

typedef struct rb_ring {
    _Alignas(64) atomic_size_t head; /* next slot to read */
    _Alignas(64) atomic_size_t tail; /* next slot to write */
    _Alignas(64) void *slot[RB_RING_SLOTS];
} rb_ring;

static inline int rb_ring_push(rb_ring *r, void *p)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&r->head, memory_order_acquire) == RB_RING_SLOTS)
        return 0;
    r->slot[t & (RB_RING_SLOTS - 1)] = p;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 1;
}

static inline void *rb_ring_pop(rb_ring *r)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
        return NULL;
    void *p = r->slot[h & (RB_RING_SLOTS - 1)];
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return p;
}

#endif
