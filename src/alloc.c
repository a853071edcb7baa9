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
    if (RTA__UNLIKELY(c == NULL))
        c = rta__cache_get(h);
    void *p = c ? rta__pool_alloc(h, c, cls) : NULL;
    if (RTA__UNLIKELY(p == NULL))
        return miss(h, align, size);
    if (RTA__UNLIKELY(rta__debug(h))) {
        rta__debug_mark_alloc(h, p);
        rta__debug_poison(p, h->class_size[cls], RTA__POISON_ALLOC);
    }
    return p;
}

RTA_API void *rta_malloc(rta_heap *h, size_t size)
{
    if (RTA__UNLIKELY(h == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (RTA__UNLIKELY(size > h->max_block))
        return miss(h, 16, size);
    return class_alloc(h, rta__size_to_class(size), 16, size);
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
    const char *cp = p;
    *kind = RTA_TRAP_FOREIGN_FREE;
    if (cp < h->pool_base || cp >= h->pool_end)
        return -1;
    size_t off = (size_t)(cp - h->pool_base);
    struct rta__span *s = &h->spans[off >> h->span_shift];
    uint32_t cls1 = RTA__LOAD(s->cls);
    if (cls1 == 0)
        return -1;
    unsigned cls = cls1 - 1;
    uint32_t in_span = (uint32_t)(off & (((size_t)1 << h->span_shift) - 1));
    if (!rta__divisible(in_span, h->class_divmagic[cls])) {
        *kind = RTA_TRAP_INTERIOR_FREE;
        return -1;
    }
    if (in_span >= RTA__LOAD(s->bump) * h->class_size[cls])
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

static void free_block(rta_heap *h, void *p, size_t sized)
{
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
    if (RTA__LIKELY(c && c->index == RTA__LOAD(s->owner))) {
        rta__pool_free_local(h, c, s, (unsigned)cls, p);
        return;
    }
    if (rta__pool_free_orphan(h, s, (unsigned)cls, p))
        return;
    rta__remote_free(h, s, (unsigned)cls, p, rta__div(off, h->class_divmagic[cls]));
    if (c) {
        RTA__BUMP(c->cls[cls].frees, 1);
        RTA__BUMP(c->remote_frees, 1);
    } else {
        atomic_fetch_add_explicit(&h->class_orphan_frees[cls], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&h->orphan_remote_frees, 1, memory_order_relaxed);
    }
}

RTA_API void rta_free(rta_heap *h, void *p)
{
    if (p && h)
        free_block(h, p, SIZE_MAX);
}

RTA_API void rta_free_sized(rta_heap *h, void *p, size_t size)
{
    if (p && h)
        free_block(h, p, size);
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
