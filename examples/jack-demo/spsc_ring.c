/* Lock-free single-producer/single-consumer ring (see spsc_ring.h).
 *
 * head and tail only grow (wrapping at SIZE_MAX, which is harmless because
 * the capacity is a power of two); a slot index is the counter masked.
 * The producer publishes the copied elements with a release store of
 * head, the consumer reads head with acquire before copying them out, and
 * the same pair on tail hands free slots back.  Each side is a bounded
 * copy plus two atomic loads and one store: no loop that waits. */
#include "spsc_ring.h"

#include <string.h>

size_t spsc_ring_storage_bytes(size_t capacity, size_t elem_size)
{
    return capacity * elem_size;
}

int spsc_ring_init(struct spsc_ring *r, void *storage, size_t capacity, size_t elem_size)
{
    if (capacity == 0 || (capacity & (capacity - 1)) != 0 || elem_size == 0 || storage == NULL)
        return -1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->slots = storage;
    r->elem_size = elem_size;
    r->mask = capacity - 1;
    return 0;
}

/* Slots before the wrap, starting at counter `index`, of a run of n. */
static size_t run_before_wrap(const struct spsc_ring *r, size_t index, size_t n)
{
    size_t run = r->mask + 1 - (index & r->mask);
    return run < n ? run : n;
}

static void copy_in(struct spsc_ring *r, size_t index, const unsigned char *src, size_t n)
{
    size_t run = run_before_wrap(r, index, n);

    memcpy(r->slots + (index & r->mask) * r->elem_size, src, run * r->elem_size);
    memcpy(r->slots, src + run * r->elem_size, (n - run) * r->elem_size);
}

static void copy_out(const struct spsc_ring *r, size_t index, unsigned char *dst, size_t n)
{
    size_t run = run_before_wrap(r, index, n);

    memcpy(dst, r->slots + (index & r->mask) * r->elem_size, run * r->elem_size);
    memcpy(dst + run * r->elem_size, r->slots, (n - run) * r->elem_size);
}

size_t spsc_ring_push(struct spsc_ring *r, const void *elems, size_t n)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t space = r->mask + 1 - (head - tail);

    if (n > space)
        n = space;
    if (n == 0)
        return 0;
    copy_in(r, head, elems, n);
    atomic_store_explicit(&r->head, head + n, memory_order_release);
    return n;
}

size_t spsc_ring_pop(struct spsc_ring *r, void *elems, size_t n)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t avail = head - tail;

    if (n > avail)
        n = avail;
    if (n == 0)
        return 0;
    copy_out(r, tail, elems, n);
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}

size_t spsc_ring_count(struct spsc_ring *r)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return head - tail;
}
