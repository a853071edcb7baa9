/* Statistics, summed when read from per-cache counters that only their
 * owner writes (relaxed loads and stores, as Redis does with per-thread
 * counters), plus the few shared atomic counters of the miss paths.  A
 * read costs O(caches ever claimed * classes ever used) loads (at most
 * max_threads * classes) and never blocks a writer;
 * nothing on an allocation or free path reads another thread's counters.
 *
 * Order of the reads.  A block's free may be counted by another cache
 * than its allocation (a remote free), so a read that went cache by cache
 * could see a free's cache before it, and the allocation's cache after
 * it, count the allocation and miss the free, and report more live
 * blocks than there ever were (then keep that as a peak).  So every
 * cache's allocation counters are read first, then, after a fence, every
 * cache's free counters.  A free is counted after its allocation by the
 * thread that made it, so the frees read include every free of a block
 * whose allocation the first pass saw and which had been freed by the
 * fence: the live figure is at most what was live at the fence.  It may
 * be less (frees of blocks allocated during the read): counters lag,
 * never more, and every live figure a read keeps as a peak is a lower
 * bound of the true peak. */
#include "internal.h"

#include <stddef.h>
#include <string.h>

static void max_store(_Atomic uint64_t *x, uint64_t v)
{
    uint64_t cur = atomic_load_explicit(x, memory_order_relaxed);
    while (v > cur && !atomic_compare_exchange_weak_explicit(x, &cur, v, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}

RTA_API void rta_arena_stats_get(const rta_arena *a, rta_arena_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!a)
        return;
    out->used = atomic_load_explicit(&a->used, memory_order_relaxed);
    out->capacity = a->capacity;
    size_t peak = atomic_load_explicit(&a->peak, memory_order_relaxed);
    out->peak = peak > out->used ? peak : out->used;
    out->resets = atomic_load_explicit(&a->resets, memory_order_relaxed);
    out->overflows = atomic_load_explicit(&a->overflows, memory_order_relaxed);
}

_Static_assert(RTA_MAX_CLASSES <= 64, "classes_touched is one 64-bit mask");

/* One cache's allocation-side counters, summed per class that has ever
 * had a span (bits of `used`): the first cache read sets the sums (no
 * arrays to clear first), the others add. */
static inline __attribute__((always_inline)) void
add_alloc_side(const struct rta__cache *c, uint64_t used, int first, uint64_t *allocs,
               uint64_t *spans, uint64_t *peak)
{
    for (; used; used &= used - 1) {
        unsigned k = (unsigned)__builtin_ctzll(used);
        struct rta__class_cache *cc = (struct rta__class_cache *)&c->cls[k];
        /* Allocations are frees + peak - headroom (internal.h), read in
         * the order opposite to the owner's writes (peak after headroom,
         * frees after headroom), so a read in the middle of an update
         * misses an allocation rather than counting one too many. */
        uint64_t own = atomic_load_explicit(&cc->owned_peak, memory_order_acquire);
        uint64_t f = atomic_load_explicit(&cc->frees, memory_order_acquire);
        uint64_t room = atomic_load_explicit(&cc->headroom, memory_order_acquire);
        uint64_t a = f + own - room;
        /* A parked span is free: anyone may steal it. */
        uint64_t sp = RTA__LOAD(cc->spans) -
                      (atomic_load_explicit(&cc->parked, memory_order_relaxed) != NULL);
        /* A class's own peak is a true lower bound only while nobody
         * else freed its blocks (see remote_seen). */
        uint64_t p = RTA__LOAD(cc->remote_seen) ? 0 : own;
        if (first) {
            allocs[k] = a;
            spans[k] = sp;
            peak[k] = p;
        } else {
            allocs[k] += a;
            spans[k] += sp;
            peak[k] = p > peak[k] ? p : peak[k];
        }
    }
}

static inline __attribute__((always_inline)) void add_frees(const struct rta__cache *c,
                                                           uint64_t used, int first,
                                                           uint64_t *frees)
{
    for (; used; used &= used - 1) {
        unsigned k = (unsigned)__builtin_ctzll(used);
        uint64_t f = RTA__LOAD(c->cls[k].frees);
        frees[k] = first ? f : frees[k] + f;
    }
}

/* Reads cost O(caches ever claimed * classes ever used) loads: a heap's
 * unused classes and never-claimed caches are skipped (their counters
 * are all zero), so a read by a program that uses a few classes on one
 * thread is cheap enough for every cycle. */
RTA_API void rta_stats_get(const rta_heap *h, rta_stats *out)
{
    if (!out)
        return;
    if (!h) {
        memset(out, 0, sizeof *out);
        return;
    }
    unsigned n = h->n_classes;
    memset(out, 0, offsetof(rta_stats, classes));
    memset(&out->classes[n], 0, sizeof *out - offsetof(rta_stats, classes[n]));
    /* Peaks seen by reads are kept in the heap: the read is logically
     * const, the record is an implementation detail. */
    rta_heap *mh = (rta_heap *)h;
    uint64_t allocs[RTA_MAX_CLASSES], peak[RTA_MAX_CLASSES], spans[RTA_MAX_CLASSES];
    uint64_t frees[RTA_MAX_CLASSES];
    uint64_t peak_bytes = 0;

    /* Which classes and caches to read: marks that only grow.  A class
     * whose bit is not yet set is left out of both passes, so its
     * figures lag whole, like any operation in flight.  The frees are
     * read after the fence up to the cache mark read again: a cache
     * claimed during the read may have freed blocks the first pass
     * counted as allocated, and those frees must be in (live figures
     * may lag below the truth, never rise above it; see the top). */
    uint64_t used = atomic_load_explicit(&h->classes_touched, memory_order_acquire);
    unsigned touched = atomic_load_explicit(&h->caches_touched, memory_order_acquire);
    if (touched == 0)
        used = 0; /* nothing counted anywhere yet */
    for (unsigned i = 0; i < touched; i++) {
        const struct rta__cache *c = rta__cache_at(h, i);
        if (atomic_load_explicit(&c->claimed, memory_order_relaxed))
            out->threads_attached++;
        /* A thread's own byte peak, under the same condition. */
        uint64_t pb = RTA__LOAD(c->owned_peak_bytes);
        if (!RTA__LOAD(c->remote_seen) && pb > peak_bytes)
            peak_bytes = pb;
        if (i == 0)
            add_alloc_side(c, used, 1, allocs, spans, peak);
        else
            add_alloc_side(c, used, 0, allocs, spans, peak);
    }
    atomic_thread_fence(memory_order_seq_cst);
    unsigned touched_after = atomic_load_explicit(&h->caches_touched, memory_order_acquire);
    uint64_t remote = atomic_load_explicit(&h->orphan_remote_frees, memory_order_relaxed);
    for (unsigned i = 0; i < touched_after; i++) {
        const struct rta__cache *c = rta__cache_at(h, i);
        remote += RTA__LOAD(c->remote_frees);
        if (i == 0)
            add_frees(c, used, 1, frees);
        else
            add_frees(c, used, 0, frees);
    }
    out->remote_frees = remote;

    /* Totals in locals: stores through out could alias the heap. */
    uint64_t total_allocs = 0, total_frees = 0, bytes_live = 0, held_spans = 0;
    out->n_classes = n;
    for (unsigned k = 0; k < n; k++) {
        uint64_t block = h->class_size[k];
        rta_class_stats *cs = &out->classes[k];
        cs->block_size = (size_t)block;
        if (!(used >> k & 1)) {
            cs->live = cs->peak = cs->capacity = 0;
            continue;
        }
        uint64_t freed =
            frees[k] + atomic_load_explicit(&h->class_orphan_frees[k], memory_order_relaxed);
        uint64_t live = allocs[k] > freed ? allocs[k] - freed : 0;
        uint64_t seen = atomic_load_explicit(&h->class_seen_peak[k], memory_order_relaxed);
        if (live > seen) {
            max_store(&mh->class_seen_peak[k], live);
            seen = atomic_load_explicit(&h->class_seen_peak[k], memory_order_relaxed);
        }
        uint64_t pk = seen > peak[k] ? seen : peak[k];
        cs->live = (size_t)live;
        cs->peak = (size_t)pk;
        cs->capacity = (size_t)(spans[k] * h->class_blocks[k]);
        held_spans += spans[k];
        total_allocs += allocs[k];
        total_frees += freed;
        bytes_live += live * block;
        /* When the class had pk blocks live, at least that many bytes
         * were: another lower bound of the byte peak. */
        if (pk * block > peak_bytes)
            peak_bytes = pk * block;
    }
    out->allocs = total_allocs;
    out->frees = total_frees;
    out->bytes_live = (size_t)bytes_live;
    max_store(&mh->seen_peak_bytes, bytes_live);
    uint64_t seen = atomic_load_explicit(&h->seen_peak_bytes, memory_order_relaxed);
    out->bytes_peak = (size_t)(seen > peak_bytes ? seen : peak_bytes);

    out->bytes_reserved = h->region_bytes;
    out->failures = atomic_load_explicit(&h->failures, memory_order_relaxed);
    out->fallbacks = atomic_load_explicit(&h->fallbacks, memory_order_relaxed);
    out->bad_frees = atomic_load_explicit(&h->bad_frees, memory_order_relaxed);
    out->memory_locked = h->locked;
    out->pool_bytes_free = rta__reserve_free_bytes(h, held_spans);
    if (h->has_frame_arena)
        rta_arena_stats_get(&h->frame_arena, &out->frame_arena);
    rta__profile_stats(h, out);
}

static void field(struct rta__fmt *f, const char *name, uint64_t v)
{
    rta__fmt_str(f, "  ");
    rta__fmt_str(f, name);
    size_t len = 0;
    while (name[len])
        len++;
    while (len++ < 18)
        rta__fmt_str(f, " ");
    rta__fmt_u64(f, v);
    rta__fmt_str(f, "\n");
}

RTA_API int rta_stats_write(const rta_heap *h, int fd)
{
    rta_stats st;
    struct rta__fmt f = {.len = 0};
    int rc = 0;
    rta_stats_get(h, &st);

    /* One "name value" line per field of rta_stats, under the contract's
     * names, so the report can be read by people and by grep. */
    rta__fmt_str(&f, "rtalloc heap statistics\n");
    field(&f, "bytes_reserved", st.bytes_reserved);
    field(&f, "memory_locked", (uint64_t)st.memory_locked);
    field(&f, "bytes_live", st.bytes_live);
    field(&f, "bytes_peak", st.bytes_peak);
    field(&f, "pool_bytes_free", st.pool_bytes_free);
    field(&f, "allocs", st.allocs);
    field(&f, "frees", st.frees);
    field(&f, "remote_frees", st.remote_frees);
    field(&f, "failures", st.failures);
    field(&f, "fallbacks", st.fallbacks);
    field(&f, "bad_frees", st.bad_frees);
    field(&f, "threads_attached", st.threads_attached);
    rta__fmt_str(&f, "  classes (in use):\n    block_size      live      peak  capacity\n");
    for (unsigned k = 0; k < st.n_classes; k++) {
        const rta_class_stats *c = &st.classes[k];
        if (!c->capacity && !c->peak)
            continue;
        rta__fmt_u64_pad(&f, c->block_size, 14);
        rta__fmt_u64_pad(&f, c->live, 10);
        rta__fmt_u64_pad(&f, c->peak, 10);
        rta__fmt_u64_pad(&f, c->capacity, 10);
        rta__fmt_str(&f, "\n");
        if (f.len > sizeof f.buf - 64) {
            rc |= rta__os_write(fd, f.buf, f.len);
            f.len = 0;
        }
    }
    if (st.frame_arena.capacity) {
        rta__fmt_str(&f, "  frame_arena:\n");
        field(&f, "  used", st.frame_arena.used);
        field(&f, "  peak", st.frame_arena.peak);
        field(&f, "  capacity", st.frame_arena.capacity);
        field(&f, "  resets", st.frame_arena.resets);
        field(&f, "  overflows", st.frame_arena.overflows);
    }
    rc |= rta__os_write(fd, f.buf, f.len);
    return rc ? -1 : 0;
}
