/* RTA_FALLBACK_SYSTEM: misses served by the system heap, and the record
 * that lets rta_free tell such a block from a foreign pointer without
 * reading memory in front of it.  The record is a fixed open-addressing
 * table (RTA__FALLBACK_SLOTS pointers, at most RTA__FALLBACK_PROBES probes,
 * compare-and-swap inserts, tombstones on removal): no allocation, no lock,
 * bounded.  When no slot is found in the probe window the fallback is
 * refused (NULL, counted as a failure) rather than lost track of. */
#include "internal.h"

static uint32_t slot_of(uintptr_t p)
{
    uint64_t x = (uint64_t)(p >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(x >> 54) % RTA__FALLBACK_SLOTS; /* 10 bits: 1024 slots */
}

static void *system_call(size_t align, size_t size, void *to_free)
{
    /* Marked so librtalloc_guard leaves these to the heap's own count. */
    struct rta__rt_state *rt = rta__rt_self();
    void *p = NULL;
    rt->in_fallback++;
    if (to_free)
        rta__os_system_free(to_free);
    else if (align > 16)
        p = rta__os_system_aligned(align, size ? size : 1);
    else
        p = rta__os_system_malloc(size ? size : 1);
    rt->in_fallback--;
    return p;
}

void *rta__fallback_alloc(struct rta_heap *h, size_t align, size_t size)
{
    void *p = system_call(align, size, NULL);
    if (!p)
        return NULL;
    uint32_t start = slot_of((uintptr_t)p);
    for (uint32_t i = 0; i < RTA__FALLBACK_PROBES; i++) {
        struct rta__fallback_slot *s = &h->fallback[(start + i) % RTA__FALLBACK_SLOTS];
        uintptr_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
        if (k > 1)
            continue;
        /* The size is stored after the slot is won: only the holder of p,
         * which gets it after we return, reads it. */
        if (atomic_compare_exchange_strong_explicit(&s->key, &k, (uintptr_t)p, memory_order_release,
                                                    memory_order_relaxed)) {
            atomic_store_explicit(&s->size, size, memory_order_relaxed);
            return p;
        }
    }
    system_call(0, 0, p);
    return NULL;
}

static struct rta__fallback_slot *find(const struct rta_heap *h, const void *p)
{
    uint32_t start = slot_of((uintptr_t)p);
    for (uint32_t i = 0; i < RTA__FALLBACK_PROBES; i++) {
        struct rta__fallback_slot *s = &h->fallback[(start + i) % RTA__FALLBACK_SLOTS];
        uintptr_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k == (uintptr_t)p)
            return s;
    }
    return NULL;
}

int rta__fallback_free(struct rta_heap *h, void *p)
{
    struct rta__fallback_slot *s = find(h, p);
    uintptr_t k = (uintptr_t)p;
    if (!s || !atomic_compare_exchange_strong_explicit(&s->key, &k, 1, memory_order_acq_rel,
                                                       memory_order_relaxed))
        return 0;
    system_call(0, 0, p);
    return 1;
}

/* 1 and *size if p is a live fallback block (its size may be 0), else 0. */
int rta__fallback_lookup(const struct rta_heap *h, const void *p, size_t *size)
{
    struct rta__fallback_slot *s = find(h, p);
    if (!s)
        return 0;
    *size = atomic_load_explicit(&s->size, memory_order_relaxed);
    return 1;
}
