/* Frame arenas: bump allocation over a fixed slice of the heap's region.
 *
 * `used` is the only shared state; an allocation is one compare-and-swap
 * loop on it (alignment padding depends on the current position, so a
 * plain fetch-add would not do), which is lock-free: with no other thread
 * allocating it succeeds first time on x86-64 and on AArch64 with LSE;
 * where compare-and-swap is load-linked/store-conditional it may retry
 * spuriously (a weak compare-and-swap), still without waiting on anyone.
 * Reset and rewind are one store.  The peak across resets is folded in at
 * each reset/rewind, so the allocation path does not pay for it. */
#include "internal.h"

#include <errno.h>

void rta__arena_init(struct rta_arena *a, struct rta_heap *h, char *base, size_t capacity)
{
    a->base = base;
    a->capacity = capacity;
    a->heap = h;
    atomic_init(&a->used, 0);
    atomic_init(&a->peak, 0);
    atomic_init(&a->resets, 0);
    atomic_init(&a->overflows, 0);
}

RTA_API rta_arena *rta_heap_arena(rta_heap *h)
{
    return h && h->has_frame_arena ? &h->frame_arena : NULL;
}

RTA_API int rta_arena_create(rta_heap *h, size_t bytes, rta_arena **out)
{
    if (!h || !out)
        return RTA_ERR_INVAL;
    if (bytes == 0)
        return RTA_ERR_CONFIG;
    size_t header = (sizeof(struct rta_arena) + RTA__CACHELINE - 1) & ~(size_t)(RTA__CACHELINE - 1);
    if (bytes > SIZE_MAX / 2)
        return RTA_ERR_RESERVE;
    size_t got = 0;
    char *mem = rta__reserve_carve(h, bytes + header, &got);
    if (!mem)
        return RTA_ERR_RESERVE;
    struct rta_arena *a = (struct rta_arena *)mem;
    rta__arena_init(a, h, mem + header, got - header);
    *out = a;
    return 0;
}

static void overflow(rta_arena *a, size_t size)
{
    atomic_fetch_add_explicit(&a->overflows, 1, memory_order_relaxed);
    if (rta__debug(a->heap))
        rta__trap(a->heap, RTA_TRAP_ARENA_OVERFLOW, size, NULL);
    errno = ENOMEM;
}

RTA_API void *rta_arena_alloc(rta_arena *a, size_t size, size_t align)
{
    if (RTA__UNLIKELY(a == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (align == 0)
        align = 16;
    if (RTA__UNLIKELY((align & (align - 1)) != 0)) {
        errno = EINVAL;
        return NULL;
    }
    uintptr_t base = (uintptr_t)a->base;
    size_t cur = atomic_load_explicit(&a->used, memory_order_relaxed);
    size_t start, end;
    do {
        /* Align the address, not the offset: the base need not be aligned
         * to `align`. */
        start = (size_t)(((base + cur + align - 1) & ~(uintptr_t)(align - 1)) - base);
        if (start < cur || start > a->capacity || size > a->capacity - start) {
            overflow(a, size);
            return NULL;
        }
        end = start + size;
    } while (!atomic_compare_exchange_weak_explicit(&a->used, &cur, end, memory_order_relaxed,
                                                    memory_order_relaxed));
    return a->base + start;
}

static void drop_to(rta_arena *a, size_t mark)
{
    size_t used = atomic_load_explicit(&a->used, memory_order_relaxed);
    if (mark > used)
        return; /* a mark from before the last reset: nothing to drop */
    if (used > atomic_load_explicit(&a->peak, memory_order_relaxed))
        atomic_store_explicit(&a->peak, used, memory_order_relaxed);
    if (rta__debug(a->heap))
        rta__debug_poison(a->base + mark, used - mark, RTA__POISON_ARENA);
    atomic_store_explicit(&a->used, mark, memory_order_relaxed);
}

RTA_API void rta_arena_reset(rta_arena *a)
{
    if (!a)
        return;
    drop_to(a, 0);
    atomic_store_explicit(&a->resets, atomic_load_explicit(&a->resets, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

RTA_API size_t rta_arena_mark(const rta_arena *a)
{
    return a ? atomic_load_explicit(&a->used, memory_order_relaxed) : 0;
}

RTA_API void rta_arena_rewind(rta_arena *a, size_t mark)
{
    if (a)
        drop_to(a, mark);
}

RTA_API size_t rta_arena_used(const rta_arena *a)
{
    return a ? atomic_load_explicit(&a->used, memory_order_relaxed) : 0;
}

RTA_API size_t rta_arena_capacity(const rta_arena *a)
{
    return a ? a->capacity : 0;
}
