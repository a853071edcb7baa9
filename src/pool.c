/* Size-class pools on the owner thread.
 *
 * A thread cache keeps, per class, a current span, a list of other spans
 * that have free blocks (partial), and the spans other threads freed into
 * (pending, see remote.c).  Allocation pops the current span's free list:
 * two loads, two stores and the owner's counters (internal.h).  When that
 * list is empty the refill, in order and at most once each: carves up to
 * RTA__CARVE_BATCH never-used blocks of the current span onto its list
 * (spans are carved lazily, so taking a span is O(1) whatever its block
 * count), takes the head of the partial list, one pending span (remote
 * frees collected in O(1)), the class's parked span, or a span from the
 * shared reserve; only when the reserve is empty does it make one reclaim
 * pass, bounded by constants of the heap (see reclaim()), then looks at
 * its own lists once more (the pass may have collected frees of this
 * class) and takes from the reserve again.  No step waits for another
 * thread.  A free on the owner thread pushes the block on its span's
 * list; a span none of whose blocks is live any more goes back to the
 * reserve at once, so its memory can serve any class and any thread (or
 * is parked, which keeps that promise more cheaply: see "Parking"). */
#include "internal.h"

#define RTA__CARVE_BATCH 16 /* never-used blocks linked per refill, at most */

struct rta__span rta__no_span = {.nblocks = 1};

static void partial_unlink(struct rta__class_cache *cc, struct rta__span *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        cc->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->used |= RTA__UNLISTED;
}

/* An empty span leaves the cache's lists (it is about to be parked or
 * given back). */
static void unlist_empty(struct rta__class_cache *cc, struct rta__span *s)
{
    if (s == cc->current) {
        cc->current = &rta__no_span;
        s->used |= RTA__UNLISTED;
    } else if (rta__listed(s)) { /* listed, not current: on the partial list */
        partial_unlink(cc, s);
    }
}

static void make_current(struct rta__class_cache *cc, struct rta__span *s)
{
    cc->current = s;
    s->used &= ~RTA__UNLISTED;
}

static void span_init(struct rta_heap *h, struct rta__cache *c, struct rta__span *s, unsigned cls)
{
    RTA__STORE(s->owner, c->index);
    RTA__STORE(s->stamp, rta__cache_stamp(h, c));
    RTA__STORE(s->bump, 0);
    RTA__STORE(s->carved, 0);
    s->nblocks = h->class_blocks[cls];
    s->used = RTA__UNLISTED;
    s->free = NULL;
    s->divmagic = h->class_divmagic[cls];
    s->size = h->class_size[cls];
    s->cc = &c->cls[cls];
    s->prev = s->next = NULL;
    RTA__BUMP(c->cls[cls].spans, 1);
    RTA__STORE(s->cls, cls + 1);
    uint64_t bit = (uint64_t)1 << cls;
    if (RTA__UNLIKELY(!(atomic_load_explicit(&h->classes_touched, memory_order_relaxed) & bit)))
        atomic_fetch_or_explicit(&h->classes_touched, bit, memory_order_release);
}

/* Back to the reserve: for a span held by the calling thread's cache. */
static void span_release(struct rta_heap *h, struct rta__class_cache *cc, struct rta__span *s)
{
    RTA__STORE(cc->spans, RTA__LOAD(cc->spans) - 1);
    RTA__STORE(s->stamp, 0);
    RTA__STORE(s->owner, RTA__NO_OWNER);
    RTA__STORE(s->cls, 0);
    rta__reserve_give(h, s);
}

/* Parking.  An empty span belongs to the reserve (the contract), but
 * handing it back and taking it again costs two compare-and-swaps on the
 * reserve's shared head plus a re-initialisation, every time a class
 * empties and fills again (every audio cycle, in a callback that frees
 * all it took; every call, for one message allocated and freed).  So when
 * the current span of a class empties, the cache parks it where it is:
 * it stays the class's current span, but statistics show it free (they
 * subtract the span `parked` names), the span's `park` word names the
 * class cache, and `parked` publishes it.  The allocation fast
 * path sees `parked` set and takes the span back first, with one
 * uncontended compare-and-swap on the span's own word; a thread that
 * finds the reserve empty steals it with the same compare-and-swap and
 * gives it to the reserve.  Whoever loses the race leaves it alone: an
 * owner that finds its span stolen forgets it without touching it.  Only
 * a current span is ever parked; another span that empties goes back to
 * the reserve at once. */
void rta__unpark_lost(struct rta__class_cache *cc, struct rta__span *s)
{
    /* parked first: until the count drops, readers count the span held
     * (an over-count for a moment, never a span counted free twice). */
    atomic_store_explicit(&cc->parked, NULL, memory_order_relaxed);
    RTA__STORE(cc->spans, RTA__LOAD(cc->spans) - 1);
    if (cc->current == s)
        cc->current = &rta__no_span; /* stolen: no longer ours to touch */
}

/* The classes that have ever held a span and the caches a thread has
 * ever claimed (internal.h): no other class or cache can hold a parked
 * span or pending frees, so the passes below skip them.  A class or cache
 * that starts during a pass is missed like a span parked just after the
 * pass went by. */
static inline uint64_t classes_used(const struct rta_heap *h)
{
    return atomic_load_explicit(&h->classes_touched, memory_order_acquire);
}

static inline unsigned caches_used(const struct rta_heap *h)
{
    return atomic_load_explicit(&h->caches_touched, memory_order_acquire);
}

/* Takes one parked span of any cache and class for the reserve.  Bounded
 * by max_threads * classes loads: runs only when the reserve is empty. */
static int steal_parked(struct rta_heap *h)
{
    uint64_t used = classes_used(h);
    unsigned caches = caches_used(h);
    for (unsigned i = 0; i < caches; i++) {
        struct rta__cache *c = rta__cache_at(h, i);
        for (uint64_t m = used; m; m &= m - 1) {
            struct rta__class_cache *cc = &c->cls[__builtin_ctzll(m)];
            struct rta__span *s = atomic_load_explicit(&cc->parked, memory_order_acquire);
            uintptr_t expect = (uintptr_t)cc;
            if (!s || !atomic_compare_exchange_strong_explicit(
                          &s->park, &expect, 0, memory_order_acquire, memory_order_relaxed))
                continue;
            RTA__STORE(s->stamp, 0);
            RTA__STORE(s->owner, RTA__NO_OWNER);
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
    for (uint64_t m = classes_used(h); m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctzll(m);
        struct rta__class_cache *cc = &c->cls[k];
        struct rta__span *s = rta__unpark(cc);
        if (s) {
            unlist_empty(cc, s);
            span_release(h, cc, s);
        }
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
    for (uint64_t m = classes_used(h); m && *budget; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctzll(m);
        struct rta__class_cache *cc = &c->cls[k];
        struct rta__span *s;
        while (*budget && (s = rta__remote_collect(h, cc, k)) != NULL) {
            (*budget)--;
            if (rta__live(s) == 0) {
                unlist_empty(cc, s);
                span_release(h, cc, s);
                return 1;
            }
            if (!rta__listed(s) && s->free)
                rta__partial_push(cc, s); /* a partial span has a free block */
        }
    }
    return 0;
}

/* The reserve is empty.  Spans may hold nothing but blocks other threads
 * freed and nobody collected yet, in this cache or in a cache no thread
 * holds (its thread exited).  Collect them and give an empty one back, so
 * memory freed by one class or thread can serve another (frees into a
 * cache no thread holds are remote frees like any other: they wait on its
 * pending lists for the next thread to claim it, or for this pass).
 * Bounded: at most RTA__RECLAIM_BUDGET collections of two atomic
 * exchanges each; one compare-and-swap on each span a cache names as
 * parked, stale names included (max_threads * classes loads); one borrow
 * attempt per cache (max_threads and classes are constants of the heap),
 * whatever the number of spans or threads.  A borrowed cache is marked 2,
 * which a claimer waits out (tcache.c). */
static int reclaim(struct rta_heap *h, struct rta__cache *c)
{
    unsigned budget = RTA__RECLAIM_BUDGET;
    if (reclaim_cache(h, c, &budget))
        return 1;
    if (steal_parked(h))
        return 1;
    unsigned caches = caches_used(h);
    for (unsigned i = 0; i < caches && budget; i++) {
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

/* Links up to RTA__CARVE_BATCH never-used blocks of span s onto its free
 * list (empty when called) and takes the first.  NULL when all are carved. */
static void *carve(struct rta_heap *h, struct rta__span *s, unsigned cls)
{
    uint32_t bump = RTA__LOAD(s->bump);
    if (bump >= s->nblocks)
        return NULL;
    uint32_t n = s->nblocks - bump;
    if (n > RTA__CARVE_BATCH)
        n = RTA__CARVE_BATCH;
    size_t size = h->class_size[cls];
    char *first = rta__span_base(h, s) + (size_t)bump * size;
    char *b = first;
    for (uint32_t i = 1; i < n; i++, b += size)
        *(void **)b = b + size;
    *(void **)b = NULL;
    RTA__STORE(s->bump, bump + n);
    RTA__STORE(s->carved, (bump + n) * (uint32_t)size);
    s->free = *(void **)first;
    s->used++;
    return first;
}

static void *take_or_carve(struct rta_heap *h, struct rta__span *s, unsigned cls)
{
    void *b = rta__span_take(s);
    return b ? b : carve(h, s, cls);
}

/* A block from the cache's own spans of the class: the partial list or
 * one pending span; NULL when neither has one. */
static void *take_own(struct rta_heap *h, struct rta__class_cache *cc, unsigned cls)
{
    struct rta__span *s = cc->partial;
    if (s) {
        partial_unlink(cc, s);
        make_current(cc, s);
        return take_or_carve(h, s, cls);
    }
    s = rta__remote_collect(h, cc, cls);
    if (s) {
        if (rta__listed(s) && s != cc->current) /* on the partial list */
            partial_unlink(cc, s);
        void *b = take_or_carve(h, s, cls);
        if (b) {
            make_current(cc, s);
            return b;
        }
        if (!rta__listed(s) && s->free)
            rta__partial_push(cc, s); /* cannot happen: it had remote frees */
    }
    return NULL;
}

void *rta__pool_refill(struct rta_heap *h, struct rta__cache *c, unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    struct rta__span *s = cc->current;
    if (atomic_load_explicit(&cc->parked, memory_order_relaxed)) {
        /* The class emptied and fills again (every audio cycle): its
         * parked current span, back with one compare-and-swap. */
        s = rta__unpark(cc);
        if (s)
            return take_or_carve(h, s, cls);
        s = cc->current;
    }
    if (s != &rta__no_span) {
        if (RTA__LOAD(s->bump) < s->nblocks)
            return carve(h, s, cls);
        /* Used up: it leaves the lists until a free makes it partial. */
        s->used |= RTA__UNLISTED;
        cc->current = &rta__no_span;
    }
    /* Steady churn's refill: the partial list's head, which has a free
     * block (it joined the list with one) and stays listed. */
    s = cc->partial;
    if (RTA__LIKELY(s != NULL)) {
        rta__partial_pop_current(cc, s);
        return take_or_carve(h, s, cls);
    }
    void *b = take_own(h, cc, cls);
    if (b)
        return b;
    s = rta__reserve_take(h);
    if (!s) {
        int got = reclaim(h, c);
        /* The pass collected this cache's pending frees: those of this
         * class that arrived since take_own looked are on the partial
         * list now, so look again rather than fail with free blocks at
         * hand. */
        b = take_own(h, cc, cls);
        if (b)
            return b;
        if (got)
            s = rta__reserve_take(h);
    }
    if (!s)
        return NULL;
    span_init(h, c, s, cls);
    make_current(cc, s);
    return carve(h, s, cls);
}

/* The slow half of rta__pool_free_local (internal.h): the span emptied
 * (the current span is parked in place; any other goes back to the
 * reserve: memory no block uses belongs there, where any class and any
 * thread can have it) or was full (it joins the partial list). */
void rta__pool_free_slow(struct rta_heap *h, struct rta__cache *c, struct rta__span *s,
                         unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    if (rta__live(s) != 0) {
        rta__relist_full(cc, s);
    } else if (s == cc->current) {
        rta__park_current(cc, s);
    } else {
        unlist_empty(cc, s);
        span_release(h, cc, s);
    }
}
