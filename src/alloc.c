/* The public pool entry points: thin wrappers that pick a class, find the
 * calling thread's cache, and handle misses, bad pointers and the debug
 * checks.  A freed pointer is validated against the span descriptors
 * (range, span in use, block boundary, block carved) before anything in
 * the block is trusted, so a foreign or interior pointer is counted and
 * ignored instead of corrupting a free list. */
#include "internal.h"

#include <errno.h>
#include <string.h>

static void *miss(rta_heap *h, size_t align, size_t size)
{
    if (h->flags & RTA_FALLBACK_SYSTEM) {
        if (rta__debug(h))
            rta__trap(h, RTA_TRAP_FALLBACK, size, NULL);
        void *p = rta__fallback_alloc(h, align, size);
        if (p) {
            atomic_fetch_add_explicit(&h->fallbacks, 1, memory_order_relaxed);
            return p;
        }
    }
    atomic_fetch_add_explicit(&h->failures, 1, memory_order_relaxed);
    if (rta__debug(h))
        rta__trap(h, RTA_TRAP_EXHAUSTED, size, NULL);
    errno = ENOMEM;
    return NULL;
}

static inline __attribute__((always_inline)) void *class_alloc(rta_heap *h, unsigned cls,
                                                               size_t align, size_t size)
{
    struct rta__cache *c = rta__cache_find(h);
    if (RTA__UNLIKELY(c == NULL)) {
        c = rta__cache_get(h);
        if (!c)
            return miss(h, align, size);
    }
    /* A profiled heap counts the block live before taking it (profile.c). */
    if (RTA__UNLIKELY(rta__profiling(h)))
        rta__profile_alloc(h, cls);
    void *p = rta__pool_alloc(h, c, cls);
    if (RTA__UNLIKELY(p == NULL)) {
        if (rta__profiling(h))
            rta__profile_unalloc(h, cls);
        return miss(h, align, size);
    }
    if (RTA__UNLIKELY(rta__debug(h))) {
        rta__debug_mark_alloc(h, p);
        rta__debug_poison(p, h->class_size[cls], RTA__POISON_ALLOC);
    }
    return p;
}

/* Everything rta_malloc's fast path leaves: no heap, a large size, no
 * cache yet (or the heap is not the one this thread used last, or it is
 * a debug heap: those never take the fast path), an empty free list. */
static __attribute__((noinline)) void *malloc_slow(rta_heap *h, size_t size)
{
    if (RTA__UNLIKELY(h == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (RTA__UNLIKELY(size > h->max_block))
        return miss(h, 16, size);
    return class_alloc(h, rta__size_to_class(size), 16, size);
}

/* rta_malloc's fast path found the current span's list empty. */
static __attribute__((noinline)) void *malloc_refill(rta_heap *h, size_t size, struct rta__cache *c,
                                                     unsigned cls)
{
    void *b = rta__pool_refill(h, c, cls);
    if (RTA__UNLIKELY(b == NULL))
        return miss(h, 16, size);
    rta__count_alloc(c, &c->cls[cls]);
    return b;
}

/* The owner's fast path: the class from a table, the cache from the
 * thread's last heap, a pop from the current span's free list, the
 * thread's own counters.  A size above the table or max_block, another
 * heap than the last one, no cache yet, or a debug heap (never a thread's
 * last heap) go to malloc_slow. */
RTA_API void *rta_malloc(rta_heap *h, size_t size)
{
    if (RTA__UNLIKELY(h == NULL || size > h->fast_max || rta__tls_last.serial != h->serial))
        return malloc_slow(h, size);
    struct rta__cache *c = rta__tls_last.cache;
    struct rta__class_cache *cc =
        (struct rta__class_cache *)((char *)c + h->small_cc[size]);
    /* From here the class is known by its cache only (the cold paths
     * compute its number back), so gcc keeps no copy of it. */
    __asm__("" : "+r"(cc));
    /* A parked current span must be taken back before it is touched (the
     * class emptied and fills again: one compare-and-swap, here rather
     * than in a call, since it is every call's path for one block
     * allocated and freed).  It emptied, so it has a free block. */
    struct rta__span *s;
    void *b;
    if (RTA__UNLIKELY(RTA__OWN_PARKED(cc) != NULL)) {
        s = atomic_load_explicit(&cc->parked, memory_order_relaxed);
        if (RTA__UNLIKELY(!rta__retake(cc, s)))
            goto refill; /* stolen: the refill sees it */
        /* The pop again rather than a jump back to it: one instruction
         * less on the path of one block allocated and freed. */
        b = s->free;
        s->free = *(void **)b;
        s->used++;
        rta__count_alloc(c, cc);
        return b;
    }
    s = cc->current;
    b = s->free;
#if defined(__x86_64__)
    /* The block in the return register from the start: no copy at the
     * end (gcc picks another otherwise). */
    __asm__("" : "+a"(b));
#endif
    if (RTA__UNLIKELY(b == NULL))
        goto refill;
    s->free = *(void **)b;
    s->used++;
    rta__count_alloc(c, cc);
    return b;
refill:
    if (!RTA__OWN_PARKED(cc)) {
        b = rta__refill_partial(cc);
        if (b) {
            rta__count_alloc(c, cc);
            return b;
        }
    }
    /* (size second: where rta_malloc has it, so it stays there.) */
    return malloc_refill(h, size, c, (unsigned)(cc - c->cls));
}

RTA_API void *rta_calloc(rta_heap *h, size_t n, size_t size)
{
    size_t total;
    if (RTA__UNLIKELY(h == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (__builtin_mul_overflow(n, size, &total)) {
        atomic_fetch_add_explicit(&h->failures, 1, memory_order_relaxed);
        errno = ENOMEM;
        return NULL;
    }
    void *p = rta_malloc(h, total);
    if (p)
        memset(p, 0, total);
    return p;
}

RTA_API void *rta_aligned_alloc(rta_heap *h, size_t align, size_t size)
{
    if (RTA__UNLIKELY(h == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (align == 0 || (align & (align - 1)) != 0) {
        atomic_fetch_add_explicit(&h->failures, 1, memory_order_relaxed);
        errno = EINVAL;
        return NULL;
    }
    if (align <= 16)
        return rta_malloc(h, size);
    size_t need = size < align ? align : size;
    if (need > h->max_block)
        return miss(h, align, size);
    /* Within four classes of `need` lies a power of two >= need >= align;
     * the first class that is a multiple of align has aligned blocks. */
    unsigned cls = rta__size_to_class(need);
    for (unsigned k = 0; k < 4 && cls < h->n_classes; k++, cls++)
        if (h->class_size[cls] % align == 0)
            return class_alloc(h, cls, align, size);
    return miss(h, align, size);
}

/* Checks p against the span descriptors.  Returns its class and sets
 * *span and *offset (p's offset in its span), or returns -1 with *kind set
 * to the trap it earns.  Only multiplications: the block index (a 128-bit
 * multiply) is left to the remote path, which needs it. */
static inline __attribute__((always_inline)) int
lookup(const rta_heap *h, const void *p, struct rta__span **span, uint32_t *offset, int *kind)
{
    size_t off = (size_t)((const char *)p - h->pool_base); /* wraps below the pool */
    *kind = RTA_TRAP_FOREIGN_FREE;
    if (RTA__UNLIKELY(off >= h->pool_size))
        return -1;
    struct rta__span *s = &h->spans[off >> h->span_shift];
    uint32_t cls1 = RTA__LOAD(s->cls);
    if (RTA__UNLIKELY(cls1 == 0))
        return -1;
    unsigned cls = cls1 - 1;
    uint32_t in_span = (uint32_t)(off & (((size_t)1 << h->span_shift) - 1));
    if (RTA__UNLIKELY(!rta__divisible(in_span, h->class_divmagic[cls]))) {
        *kind = RTA_TRAP_INTERIOR_FREE;
        return -1;
    }
    if (RTA__UNLIKELY(in_span >= RTA__LOAD(s->carved)))
        return -1; /* never handed out */
    *span = s;
    *offset = in_span;
    return (int)cls;
}

static void bad_free(rta_heap *h, int kind, void *p)
{
    atomic_fetch_add_explicit(&h->bad_frees, 1, memory_order_relaxed);
    if (rta__debug(h))
        rta__trap(h, kind, 0, p);
}

static __attribute__((noinline)) void free_block(rta_heap *h, void *p, size_t sized)
{
    if (p == NULL)
        return;
    struct rta__span *s;
    uint32_t off;
    int kind;
    int cls = lookup(h, p, &s, &off, &kind);
    if (RTA__UNLIKELY(cls < 0)) {
        if (kind == RTA_TRAP_FOREIGN_FREE && h->fallback && rta__fallback_free(h, p))
            return;
        bad_free(h, kind, p);
        return;
    }
    if (RTA__UNLIKELY(rta__debug(h))) {
        if (sized != SIZE_MAX &&
            (sized > h->max_block || rta__size_to_class(sized) != (unsigned)cls))
            rta__trap(h, RTA_TRAP_SIZE_MISMATCH, sized, p);
        if (!rta__debug_mark_free(h, p)) {
            bad_free(h, RTA_TRAP_DOUBLE_FREE, p);
            return;
        }
        rta__debug_poison(p, h->class_size[cls], RTA__POISON_FREE);
    }
    struct rta__cache *c = rta__cache_find(h);
    uint32_t owner = RTA__LOAD(s->owner);
    if (RTA__LIKELY(c && c->index == owner)) {
        rta__pool_free_local(h, c, s, (unsigned)cls, p);
        if (RTA__UNLIKELY(rta__profiling(h)))
            rta__profile_free(h, (unsigned)cls);
        return;
    }
    if (RTA__UNLIKELY(owner >= h->max_threads)) {
        /* Only a pointer into a span changing hands meets this (a block
         * handed out is seen with its owner): foreign. */
        bad_free(h, RTA_TRAP_FOREIGN_FREE, p);
        return;
    }
    /* Another thread's block, or one of a cache no thread holds: a remote
     * free either way.  Freeing never claims a cache, not even for a
     * moment (a claimer would find it taken); the next holder of the
     * cache, or a reclaim pass when the reserve runs dry, collects it. */
    rta__remote_free(h, s, (unsigned)cls, p, rta__div(off, h->class_divmagic[cls]));
    /* Counted free only now that the block is on its span's remote stack
     * and the span on its owner's pending list (profile.c). */
    if (RTA__UNLIKELY(rta__profiling(h)))
        rta__profile_free(h, (unsigned)cls);
    if (c) {
        rta__count_free(&c->cls[cls]);
        RTA__BUMP(c->remote_frees, 1);
    } else {
        atomic_fetch_add_explicit(&h->class_orphan_frees[cls], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&h->orphan_remote_frees, 1, memory_order_relaxed);
    }
}

/* The owner's fast path of rta_free and rta_free_sized: p is checked
 * against the span descriptors (in the pool, in a span this thread's
 * cache holds, on a block boundary, in a block carved) before the block
 * is written; anything else, and every free of a debug heap (which never
 * becomes the thread's last heap), goes to free_block, which checks it
 * again, whole. */
static inline __attribute__((always_inline)) void free_fast(rta_heap *h, void *p, size_t sized)
{
    if (RTA__UNLIKELY(h == NULL))
        return;
    /* Wraps below the pool; NULL is outside it too (free_block says so). */
    size_t off = (size_t)((char *)p - h->pool_base);
    if (RTA__UNLIKELY(off >= h->pool_size))
        goto slow;
    struct rta__span *s = &h->spans[off >> h->span_shift];
    /* The span's stamp names the cache holding it and its heap, unique
     * for the life of the process; only the thread holding that cache
     * has it in its rta__tls_last (a debug heap never is there), and the
     * stamp changes before the span leaves the cache: a match means the
     * span serves a class of this thread's cache in this heap. */
    if (RTA__UNLIKELY(RTA__LOAD(s->stamp) != rta__tls_last.stamp))
        goto slow;
    struct rta__cache *c = rta__tls_last.cache;
    uint32_t in_span = (uint32_t)(off & h->span_mask);
    /* carved: this thread is the span's only writer, so a plain read. */
    if (RTA__UNLIKELY(in_span >= RTA__OWN_LOAD32(s->carved)))
        goto slow;
    RTA__INDIVISIBLE_GOTO(in_span, s->divmagic, slow); /* an interior pointer */
    /* rta__pool_free_local, with the class's figures from the span. */
    struct rta__class_cache *cc = s->cc;
    *(void **)p = s->free;
    s->free = p;
    rta__count_free(cc);
    RTA__ADD(c->bytes_headroom, s->size);
    /* Zero: the span emptied; negative: it was full (RTA__UNLISTED). */
    RTA__DEC_OR_GOTO(s->used, emptied_or_was_full);
    return;
emptied_or_was_full:
    /* The current span is always listed (make_current), so here it is
     * the one that emptied: parked (a class that empties every cycle). */
    if (s == cc->current)
        rta__park_current(cc, s);
    else if (s->used > RTA__UNLISTED) /* was full, has live blocks still */
        rta__relist_full(cc, s);      /* steady churn: inline, no call */
    else
        rta__pool_free_slow(h, c, s, RTA__LOAD(s->cls) - 1);
    return;
slow:
    free_block(h, p, sized);
}

RTA_API void rta_free(rta_heap *h, void *p)
{
    free_fast(h, p, SIZE_MAX);
}

RTA_API void rta_free_sized(rta_heap *h, void *p, size_t size)
{
    free_fast(h, p, size);
}

RTA_API size_t rta_usable_size(const rta_heap *h, const void *p)
{
    struct rta__span *s;
    uint32_t off;
    int kind;
    if (!h || !p)
        return 0;
    int cls = lookup(h, p, &s, &off, &kind);
    if (cls >= 0)
        return h->class_size[cls];
    size_t size = 0;
    if (h->fallback)
        rta__fallback_lookup(h, p, &size);
    return size;
}

RTA_API int rta_owns(const rta_heap *h, const void *p)
{
    if (!h || !p)
        return 0;
    const char *cp = p;
    if (cp < h->pool_base || cp >= h->pool_end)
        return 0;
    /* Any byte inside a carved block counts, not only its start. */
    size_t off = (size_t)(cp - h->pool_base);
    struct rta__span *sp = &h->spans[off >> h->span_shift];
    uint32_t cls1 = RTA__LOAD(sp->cls);
    if (cls1 == 0)
        return 0;
    uint32_t in_span = (uint32_t)(off & (((size_t)1 << h->span_shift) - 1));
    uint32_t i = rta__div(in_span, h->class_divmagic[cls1 - 1]);
    return i < RTA__LOAD(sp->bump);
}

RTA_API void *rta_realloc(rta_heap *h, void *p, size_t size)
{
    struct rta__span *s;
    uint32_t off;
    int kind;
    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    if (!p)
        return rta_malloc(h, size);
    if (size == 0) {
        rta_free(h, p);
        return rta_malloc(h, 0);
    }
    size_t old_size;
    int cls = lookup(h, p, &s, &off, &kind);
    if (cls >= 0) {
        if (size <= h->max_block && rta__size_to_class(size) == (unsigned)cls)
            return p;
        old_size = h->class_size[cls];
    } else if (kind == RTA_TRAP_FOREIGN_FREE && h->fallback &&
               rta__fallback_lookup(h, p, &old_size)) {
        /* A fallback block (possibly of 0 bytes): moved like any other. */
    } else {
        bad_free(h, kind, p);
        errno = EINVAL;
        return NULL;
    }
    void *n = rta_malloc(h, size);
    if (!n)
        return NULL;
    memcpy(n, p, old_size < size ? old_size : size);
    rta_free(h, p);
    return n;
}
