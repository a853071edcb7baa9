/* Size-class pools on the owner thread.
 *
 * A thread cache keeps, per class, a current span, a list of other spans
 * that have free blocks (partial), and the spans other threads freed into
 * (pending, see remote.c).  Allocation takes from the current span: its
 * free list, else the next never-used block (spans are carved lazily, so
 * taking a span is O(1) whatever its block count).  When the current span
 * is exhausted, the refill takes, in order and at most once each: the
 * head of the partial list, one pending span (remote frees collected in
 * O(1)), the class's parked span, or a span from the shared reserve; only
 * when the reserve is empty does it make one reclaim pass, bounded by
 * constants of the heap (see reclaim()).  No step loops over blocks or
 * spans, or waits for another thread.  A free on the owner thread pushes
 * the block on its span's list; a span none of whose blocks is live any
 * more goes back to the reserve at once, so its memory can serve any class
 * and any thread (or is parked, which keeps that promise more cheaply: see
 * park()). */
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

/* An empty span leaves the cache's lists (it is about to be parked or
 * given back). */
static void unlist_empty(struct rta__class_cache *cc, struct rta__span *s)
{
    if (s == cc->current)
        cc->current = NULL;
    else if (s->on_partial)
        partial_unlink(cc, s);
}

static void span_init(struct rta_heap *h, struct rta__cache *c, struct rta__span *s, unsigned cls)
{
    RTA__STORE(s->owner, c->index);
    RTA__STORE(s->bump, 0);
    s->nblocks = h->class_blocks[cls];
    s->used = 0;
    s->on_partial = 0;
    s->free = NULL;
    s->prev = s->next = NULL;
    RTA__BUMP(c->cls[cls].spans, 1);
    RTA__STORE(s->cls, cls + 1);
}

/* Back to the reserve: for a span held by the calling thread's cache. */
static void span_release(struct rta_heap *h, struct rta__class_cache *cc, struct rta__span *s)
{
    RTA__STORE(cc->spans, RTA__LOAD(cc->spans) - 1);
    RTA__STORE(s->cls, 0);
    rta__reserve_give(h, s);
}

/* Parking.  An empty span belongs to the reserve (the contract), but
 * handing it back and taking it again costs two compare-and-swaps on the
 * reserve's shared head plus a re-initialisation, every time a class
 * empties and fills again (every audio cycle, in a callback that frees
 * all it took).  So the cache parks one empty span per class instead:
 * it stops counting it as its own (statistics show it free) and marks it
 * with a token naming the cache and class.  The owner takes it back with
 * one uncontended compare-and-swap on the span's own word; a thread that
 * finds the reserve empty steals it with the same compare-and-swap and
 * gives it to the reserve.  Whoever loses the race leaves it alone. */
static uint32_t park_token(const struct rta__cache *c, unsigned cls)
{
    return ((c->index + 1) << 8) | (cls + 1);
}

static void park(struct rta_heap *h, struct rta__cache *c, struct rta__class_cache *cc,
                 struct rta__span *s, unsigned cls)
{
    if (atomic_load_explicit(&cc->parked, memory_order_relaxed)) {
        span_release(h, cc, s);
        return;
    }
    RTA__STORE(cc->spans, RTA__LOAD(cc->spans) - 1);
    atomic_store_explicit(&s->park, park_token(c, cls), memory_order_release);
    atomic_store_explicit(&cc->parked, s, memory_order_release);
}

static struct rta__span *unpark(struct rta__cache *c, struct rta__class_cache *cc, unsigned cls)
{
    struct rta__span *s = atomic_load_explicit(&cc->parked, memory_order_relaxed);
    if (!s)
        return NULL;
    atomic_store_explicit(&cc->parked, NULL, memory_order_relaxed);
    uint32_t token = park_token(c, cls);
    if (!atomic_compare_exchange_strong_explicit(&s->park, &token, 0, memory_order_acquire,
                                                 memory_order_relaxed))
        return NULL; /* stolen */
    RTA__BUMP(cc->spans, 1);
    return s;
}

/* Takes one parked span of any cache and class for the reserve.  Bounded
 * by max_threads * classes loads: runs only when the reserve is empty. */
static int steal_parked(struct rta_heap *h)
{
    for (unsigned i = 0; i < h->max_threads; i++) {
        struct rta__cache *c = rta__cache_at(h, i);
        for (unsigned k = 0; k < h->n_classes; k++) {
            struct rta__span *s = atomic_load_explicit(&c->cls[k].parked, memory_order_acquire);
            uint32_t token = park_token(c, k);
            if (!s || !atomic_compare_exchange_strong_explicit(
                          &s->park, &token, 0, memory_order_acquire, memory_order_relaxed))
                continue;
            RTA__STORE(s->cls, 0);
            rta__reserve_give(h, s);
            return 1;
        }
    }
    return 0;
}

/* Gives back the parked spans of a cache its thread is leaving: O(classes). */
void rta__pool_unpark_all(struct rta_heap *h, struct rta__cache *c)
{
    for (unsigned k = 0; k < h->n_classes; k++) {
        struct rta__span *s = unpark(c, &c->cls[k], k);
        if (s)
            span_release(h, &c->cls[k], s);
    }
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
                unlist_empty(cc, s);
                span_release(h, cc, s);
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
 * most RTA__RECLAIM_BUDGET collections, one look at each cache's parked
 * spans and one borrow attempt per cache (max_threads and classes are
 * constants of the heap), whatever the number of spans or threads. */
static int reclaim(struct rta_heap *h, struct rta__cache *c)
{
    unsigned budget = RTA__RECLAIM_BUDGET;
    if (reclaim_cache(h, c, &budget))
        return 1;
    if (steal_parked(h))
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
    s = unpark(c, cc, cls);
    if (s) {
        cc->current = s;
        return rta__span_take(h, s, cls);
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
void rta__pool_free_slow(struct rta_heap *h, struct rta__cache *c, struct rta__span *s,
                         unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    if (s->used == 0) {
        /* Even the current span goes: memory no block uses belongs to
         * the reserve, where any class and any thread can have it. */
        unlist_empty(cc, s);
        park(h, c, cc, s, cls);
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
