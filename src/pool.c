/* Size-class pools on the owner thread.
 *
 * A thread cache keeps, per class, a current span, a list of other spans
 * that have free blocks (partial), and the spans other threads freed into
 * (pending, see remote.c).  Allocation takes from the current span: its
 * free list, else the next never-used block (spans are carved lazily, so
 * taking a span is O(1) whatever its block count).  When the current span
 * is exhausted, the refill takes, in order and at most once each: the
 * head of the partial list, one pending span (remote frees collected in
 * O(1)), or a span from the shared reserve.  No step loops over blocks,
 * spans or threads.  A free on the owner thread pushes the block on its
 * span's list; a span none of whose blocks is live any more goes back to
 * the reserve at once (unless it is the current span, to avoid ping-pong
 * at a span boundary), so its memory can serve any class. */
#include "internal.h"

static void partial_push(struct rta__class_cache *cc, struct rta__span *s)
{
    s->prev = NULL;
    s->next = cc->partial;
    if (cc->partial)
        cc->partial->prev = s;
    cc->partial = s;
    s->on_partial = 1;
}

static void partial_unlink(struct rta__class_cache *cc, struct rta__span *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        cc->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->on_partial = 0;
}

static inline void *span_take(struct rta_heap *h, struct rta__span *s, unsigned cls)
{
    void *b = s->free;
    if (RTA__LIKELY(b != NULL)) {
        s->free = *(void **)b;
        s->used++;
        return b;
    }
    uint32_t bump = RTA__LOAD(s->bump);
    if (bump < s->nblocks) {
        RTA__STORE(s->bump, bump + 1);
        s->used++;
        return rta__span_base(h, s) + (size_t)bump * h->class_size[cls];
    }
    return NULL;
}

static void span_init(struct rta_heap *h, struct rta__cache *c, struct rta__span *s,
                      unsigned cls)
{
    RTA__STORE(s->owner, c->index);
    RTA__STORE(s->bump, 0);
    s->nblocks = h->class_blocks[cls];
    s->used = 0;
    s->on_partial = 0;
    s->free = NULL;
    s->prev = s->next = NULL;
    atomic_fetch_add_explicit(&h->class_spans[cls], 1, memory_order_relaxed);
    RTA__STORE(s->cls, cls + 1);
}

static void span_release(struct rta_heap *h, struct rta__span *s, unsigned cls)
{
    RTA__STORE(s->cls, 0);
    atomic_fetch_sub_explicit(&h->class_spans[cls], 1, memory_order_relaxed);
    rta__reserve_give(h, s);
}

/* The reserve is empty.  Spans of other classes may be idle in this
 * cache: an empty current span, or spans whose blocks other threads freed
 * and nobody collected.  Give those back, so memory freed by one class can
 * serve another.  Bounded: one look at each class's current span and at
 * most RTA__RECLAIM_BUDGET collections, whatever the number of spans. */
static int reclaim(struct rta_heap *h, struct rta__cache *c, unsigned want)
{
    unsigned budget = RTA__RECLAIM_BUDGET;
    int released = 0;
    for (unsigned k = 0; k < h->n_classes; k++) {
        struct rta__class_cache *cc = &c->cls[k];
        struct rta__span *s = cc->current;
        if (k != want && s && s->used == 0) {
            cc->current = NULL;
            span_release(h, s, k);
            released = 1;
        }
        while (budget && (s = rta__remote_collect(h, cc, k)) != NULL) {
            budget--;
            if (s->used == 0 && s != cc->current) {
                if (s->on_partial)
                    partial_unlink(cc, s);
                span_release(h, s, k);
                released = 1;
                break;
            }
            if (s != cc->current && !s->on_partial)
                partial_push(cc, s);
        }
    }
    return released;
}

static void *refill(struct rta_heap *h, struct rta__cache *c, unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    struct rta__span *s = cc->partial;
    if (s) {
        partial_unlink(cc, s);
        cc->current = s;
        return span_take(h, s, cls);
    }
    s = rta__remote_collect(h, cc, cls);
    if (s) {
        if (s->on_partial)
            partial_unlink(cc, s);
        cc->current = s;
        void *b = span_take(h, s, cls);
        if (b)
            return b;
    }
    s = rta__reserve_take(h);
    if (!s && reclaim(h, c, cls))
        s = rta__reserve_take(h);
    if (!s)
        return NULL;
    span_init(h, c, s, cls);
    cc->current = s;
    return span_take(h, s, cls);
}

void *rta__pool_alloc(struct rta_heap *h, struct rta__cache *c, unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    struct rta__span *s = cc->current;
    void *b = s ? span_take(h, s, cls) : NULL;
    if (RTA__UNLIKELY(b == NULL)) {
        b = refill(h, c, cls);
        if (!b)
            return NULL;
    }
    uint64_t size = h->class_size[cls];
    RTA__BUMP(cc->allocs, 1);
    uint64_t live = RTA__LOAD(cc->owned_live) + 1;
    RTA__STORE(cc->owned_live, live);
    if (live > RTA__LOAD(cc->owned_peak))
        RTA__STORE(cc->owned_peak, live);
    uint64_t bytes = RTA__LOAD(c->owned_live_bytes) + size;
    RTA__STORE(c->owned_live_bytes, bytes);
    if (bytes > RTA__LOAD(c->owned_peak_bytes))
        RTA__STORE(c->owned_peak_bytes, bytes);
    return b;
}

void rta__pool_free_local(struct rta_heap *h, struct rta__cache *c, struct rta__span *s,
                          unsigned cls, void *p)
{
    struct rta__class_cache *cc = &c->cls[cls];
    *(void **)p = s->free;
    s->free = p;
    s->used--;
    RTA__BUMP(cc->frees, 1);
    RTA__STORE(cc->owned_live, RTA__LOAD(cc->owned_live) - 1);
    RTA__STORE(c->owned_live_bytes, RTA__LOAD(c->owned_live_bytes) - h->class_size[cls]);
    if (s == cc->current)
        return;
    if (s->used == 0) {
        if (s->on_partial)
            partial_unlink(cc, s);
        span_release(h, s, cls);
    } else if (!s->on_partial) {
        partial_push(cc, s);
    }
}

void rta__pool_release_empty(struct rta_heap *h, struct rta__cache *c)
{
    /* A cache given back keeps its spans for its next thread; only empty
     * current spans return now, O(classes). */
    for (unsigned cls = 0; cls < h->n_classes; cls++) {
        struct rta__class_cache *cc = &c->cls[cls];
        struct rta__span *s = cc->current;
        if (s && s->used == 0) {
            cc->current = NULL;
            span_release(h, s, cls);
        }
    }
}

/* A free into a span whose cache no thread holds (its thread exited or
 * detached).  Pushing it as a remote free would strand the memory until
 * some thread happens to claim that cache, so the freeing thread borrows
 * the cache for this one free, when nobody holds it: one compare-and-swap
 * that never waits (a claimer that finds it borrowed takes another cache).
 * While it holds the cache it also collects one span of the class's
 * pending remote frees, so frees sent before the thread left drain too.
 * Returns 0, having done nothing, when the cache is held. */
int rta__pool_free_orphan(struct rta_heap *h, struct rta__span *s, unsigned cls, void *p)
{
    struct rta__cache *oc = rta__cache_at(h, RTA__LOAD(s->owner));
    uint32_t expect = 0;
    if (atomic_load_explicit(&oc->claimed, memory_order_relaxed) != 0 ||
        !atomic_compare_exchange_strong_explicit(&oc->claimed, &expect, 2,
                                                 memory_order_acquire, memory_order_relaxed))
        return 0;
    rta__pool_free_local(h, oc, s, cls, p);
    RTA__BUMP(oc->remote_frees, 1);

    struct rta__class_cache *cc = &oc->cls[cls];
    struct rta__span *t = rta__remote_collect(h, cc, cls);
    if (t && t != cc->current) {
        if (t->used == 0) {
            if (t->on_partial)
                partial_unlink(cc, t);
            span_release(h, t, cls);
        } else if (!t->on_partial) {
            partial_push(cc, t);
        }
    }
    atomic_store_explicit(&oc->claimed, 0, memory_order_release);
    return 1;
}
