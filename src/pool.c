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
 * the reserve at once, so its memory can serve any class and any thread.
 * (The price: a thread that allocates and frees one lone block of a class
 * pays a reserve pop and push, two compare-and-swaps, each time.) */
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

static int borrow(struct rta__cache *c)
{
    uint32_t expect = 0;
    return atomic_load_explicit(&c->claimed, memory_order_relaxed) == 0 &&
           atomic_compare_exchange_strong_explicit(&c->claimed, &expect, 2, memory_order_acquire,
                                                   memory_order_relaxed);
}

static void give_back(struct rta__cache *c)
{
    atomic_store_explicit(&c->claimed, 0, memory_order_release);
}

/* Collects pending remote frees of cache c (held or borrowed by the
 * caller) until a span comes out empty, which goes back to the reserve. */
static int reclaim_cache(struct rta_heap *h, struct rta__cache *c, unsigned *budget)
{
    for (unsigned k = 0; k < h->n_classes && *budget; k++) {
        struct rta__class_cache *cc = &c->cls[k];
        struct rta__span *s;
        while (*budget && (s = rta__remote_collect(h, cc, k)) != NULL) {
            (*budget)--;
            if (s->used == 0) {
                if (s == cc->current)
                    cc->current = NULL;
                else if (s->on_partial)
                    partial_unlink(cc, s);
                span_release(h, s, k);
                return 1;
            }
            if (s != cc->current && !s->on_partial)
                partial_push(cc, s);
        }
    }
    return 0;
}

/* The reserve is empty.  Spans may hold nothing but blocks other threads
 * freed and nobody collected yet, in this cache or in a cache no thread
 * holds (its thread exited).  Collect them and give an empty one back, so
 * memory freed by one class or thread can serve another.  Bounded: at
 * most RTA__RECLAIM_BUDGET collections and one borrow attempt per cache
 * (max_threads, a constant of the heap), whatever the number of spans. */
static int reclaim(struct rta_heap *h, struct rta__cache *c)
{
    unsigned budget = RTA__RECLAIM_BUDGET;
    if (reclaim_cache(h, c, &budget))
        return 1;
    for (unsigned i = 0; i < h->max_threads && budget; i++) {
        struct rta__cache *oc = rta__cache_at(h, i);
        if (oc == c || !borrow(oc))
            continue;
        int got = reclaim_cache(h, oc, &budget);
        give_back(oc);
        if (got)
            return 1;
    }
    return 0;
}

void *rta__pool_refill(struct rta_heap *h, struct rta__cache *c, unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    struct rta__span *s = cc->partial;
    if (s) {
        partial_unlink(cc, s);
        cc->current = s;
        return rta__span_take(h, s, cls);
    }
    s = rta__remote_collect(h, cc, cls);
    if (s) {
        if (s->on_partial)
            partial_unlink(cc, s);
        cc->current = s;
        void *b = rta__span_take(h, s, cls);
        if (b)
            return b;
    }
    s = rta__reserve_take(h);
    if (!s && reclaim(h, c))
        s = rta__reserve_take(h);
    if (!s)
        return NULL;
    span_init(h, c, s, cls);
    cc->current = s;
    return rta__span_take(h, s, cls);
}

/* The slow half of rta__pool_free_local (internal.h): the span emptied
 * (it goes back to the reserve) or was full (it joins the partial list). */
void rta__pool_free_slow(struct rta_heap *h, struct rta__class_cache *cc, struct rta__span *s,
                         unsigned cls)
{
    if (s->used == 0) {
        /* Even the current span goes: memory no block uses belongs to
         * the reserve, where any class and any thread can have it. */
        if (s == cc->current)
            cc->current = NULL;
        else if (s->on_partial)
            partial_unlink(cc, s);
        span_release(h, s, cls);
    } else {
        partial_push(cc, s);
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
    if (!borrow(oc))
        return 0;
    rta__pool_free_local(h, oc, s, cls, p);
    RTA__BUMP(oc->remote_frees, 1);
    unsigned budget = 1;
    reclaim_cache(h, oc, &budget);
    give_back(oc);
    return 1;
}
