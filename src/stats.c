/* Statistics, summed when read from per-cache counters that only their
 * owner writes (relaxed loads and stores, as Redis does with per-thread
 * counters), plus the few shared atomic counters of the miss paths.  A
 * read costs O(max_threads * classes) loads and never blocks a writer. */
#include "internal.h"

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

RTA_API void rta_stats_get(const rta_heap *h, rta_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!h)
        return;
    /* Peaks seen by reads are kept in the heap: the read is logically
     * const, the record is an implementation detail. */
    rta_heap *mh = (rta_heap *)h;
    uint64_t allocs[RTA_MAX_CLASSES] = {0}, frees[RTA_MAX_CLASSES] = {0};
    uint64_t peak[RTA_MAX_CLASSES] = {0};
    uint64_t peak_bytes = 0;

    for (unsigned i = 0; i < h->max_threads; i++) {
        struct rta__cache *c = rta__cache_at(h, i);
        if (atomic_load_explicit(&c->claimed, memory_order_relaxed))
            out->threads_attached++;
        out->remote_frees += RTA__LOAD(c->remote_frees);
        uint64_t pb = RTA__LOAD(c->owned_peak_bytes);
        if (pb > peak_bytes)
            peak_bytes = pb;
        for (unsigned k = 0; k < h->n_classes; k++) {
            allocs[k] += RTA__LOAD(c->cls[k].allocs);
            frees[k] += RTA__LOAD(c->cls[k].frees);
            uint64_t p = RTA__LOAD(c->cls[k].owned_peak);
            if (p > peak[k])
                peak[k] = p;
        }
    }
    out->remote_frees += atomic_load_explicit(&h->orphan_remote_frees, memory_order_relaxed);

    out->n_classes = h->n_classes;
    for (unsigned k = 0; k < h->n_classes; k++) {
        rta_class_stats *cs = &out->classes[k];
        frees[k] += atomic_load_explicit(&h->class_orphan_frees[k], memory_order_relaxed);
        /* Counters are read one by one while others run: clamp a
         * momentary negative to zero rather than wrap. */
        uint64_t live = allocs[k] > frees[k] ? allocs[k] - frees[k] : 0;
        max_store(&mh->class_seen_peak[k], live);
        uint64_t seen = atomic_load_explicit(&h->class_seen_peak[k], memory_order_relaxed);
        cs->block_size = h->class_size[k];
        cs->live = (size_t)live;
        cs->peak = (size_t)(seen > peak[k] ? seen : peak[k]);
        cs->capacity = (size_t)atomic_load_explicit(&h->class_spans[k], memory_order_relaxed) *
                       h->class_blocks[k];
        out->allocs += allocs[k];
        out->frees += frees[k];
        out->bytes_live += (size_t)live * h->class_size[k];
    }
    max_store(&mh->seen_peak_bytes, out->bytes_live);
    uint64_t seen = atomic_load_explicit(&h->seen_peak_bytes, memory_order_relaxed);
    out->bytes_peak = (size_t)(seen > peak_bytes ? seen : peak_bytes);

    out->bytes_reserved = h->region_bytes;
    out->failures = atomic_load_explicit(&h->failures, memory_order_relaxed);
    out->fallbacks = atomic_load_explicit(&h->fallbacks, memory_order_relaxed);
    out->bad_frees = atomic_load_explicit(&h->bad_frees, memory_order_relaxed);
    out->memory_locked = h->locked;
    out->pool_bytes_free = rta__reserve_free_bytes(h);
    if (h->has_frame_arena)
        rta_arena_stats_get(&h->frame_arena, &out->frame_arena);
}

static void line(struct rta__fmt *f, const char *label, uint64_t v)
{
    rta__fmt_str(f, label);
    rta__fmt_u64(f, v);
}

RTA_API int rta_stats_write(const rta_heap *h, int fd)
{
    rta_stats st;
    struct rta__fmt f = {.len = 0};
    int rc = 0;
    rta_stats_get(h, &st);

    rta__fmt_str(&f, "rtalloc heap: ");
    rta__fmt_bytes(&f, st.bytes_reserved);
    rta__fmt_str(&f, " bytes reserved, memory ");
    rta__fmt_str(&f, st.memory_locked ? "locked" : "not locked");
    line(&f, ", threads attached ", st.threads_attached);
    line(&f, "\npools: live bytes ", st.bytes_live);
    line(&f, ", peak ", st.bytes_peak);
    line(&f, ", reserve free ", st.pool_bytes_free);
    line(&f, "\npools: allocs ", st.allocs);
    line(&f, ", frees ", st.frees);
    line(&f, ", remote frees ", st.remote_frees);
    line(&f, ", failures ", st.failures);
    line(&f, ", fallbacks ", st.fallbacks);
    line(&f, ", bad frees ", st.bad_frees);
    rta__fmt_str(&f, "\n  class B     live     peak capacity\n");
    for (unsigned k = 0; k < st.n_classes; k++) {
        const rta_class_stats *c = &st.classes[k];
        if (!c->capacity && !c->peak)
            continue;
        rta__fmt_u64_pad(&f, c->block_size, 9);
        rta__fmt_u64_pad(&f, c->live, 9);
        rta__fmt_u64_pad(&f, c->peak, 9);
        rta__fmt_u64_pad(&f, c->capacity, 9);
        rta__fmt_str(&f, "\n");
        if (f.len > sizeof f.buf - 64) {
            rc |= rta__os_write(fd, f.buf, f.len);
            f.len = 0;
        }
    }
    if (st.frame_arena.capacity) {
        line(&f, "frame arena: used ", st.frame_arena.used);
        line(&f, ", peak ", st.frame_arena.peak);
        line(&f, ", capacity ", st.frame_arena.capacity);
        line(&f, ", resets ", st.frame_arena.resets);
        line(&f, ", overflows ", st.frame_arena.overflows);
        rta__fmt_str(&f, "\n");
    }
    rc |= rta__os_write(fd, f.buf, f.len);
    return rc ? -1 : 0;
}
