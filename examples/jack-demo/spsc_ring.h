/* A lock-free single-producer/single-consumer ring of fixed-size elements.
 *
 * One thread pushes, one other thread pops; neither ever waits, locks or
 * allocates, so either side may be a real-time thread.  The storage is
 * given by the caller (here: carved from the rtalloc heap at set-up). */
#ifndef JACK_DEMO_SPSC_RING_H
#define JACK_DEMO_SPSC_RING_H

#include <stdatomic.h>
#include <stddef.h>

struct spsc_ring {
    /* Producer and consumer indexes on their own cache lines, so the two
     * threads do not bounce one line between cores on every operation. */
    _Alignas(64) _Atomic size_t head; /* next slot to write (producer) */
    _Alignas(64) _Atomic size_t tail; /* next slot to read (consumer) */
    _Alignas(64) unsigned char *slots;
    size_t elem_size;
    size_t mask; /* capacity - 1; capacity is a power of two */
};

/* Bytes of storage a ring of `capacity` elements needs (capacity must be
 * a power of two). */
size_t spsc_ring_storage_bytes(size_t capacity, size_t elem_size);

/* 0, or -1 when capacity is not a power of two or elem_size is 0. */
int spsc_ring_init(struct spsc_ring *r, void *storage, size_t capacity, size_t elem_size);

/* Producer side.  Copies up to n elements in; returns how many fitted.
 * O(n), wait-free. */
size_t spsc_ring_push(struct spsc_ring *r, const void *elems, size_t n);

/* Consumer side.  Copies up to n elements out; returns how many there
 * were.  O(n), wait-free. */
size_t spsc_ring_pop(struct spsc_ring *r, void *elems, size_t n);

/* Elements waiting now (exact for the consumer, a lower bound otherwise). */
size_t spsc_ring_count(struct spsc_ring *r);

#endif
