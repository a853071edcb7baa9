/* Heap set-up and tear-down: check the configuration, lay the metadata,
 * pools and frame arena out in one region (see internal.h), reserve it
 * (mmap, or the caller's memory), lock and touch it, and register the
 * heap so exiting threads can give their caches back.  Nothing here runs
 * on a real-time path; everything after it can. */
#include "internal.h"

#include <string.h>

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))
#define LIMIT_BYTES ((size_t)1 << 40) /* 1 TiB: sizes above are typos */

RTA_API const char *rta_version(void)
{
    return RTA_VERSION_STRING;
}

RTA_API void rta_config_defaults(rta_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->pool_bytes = (size_t)16 << 20;
    cfg->arena_bytes = (size_t)1 << 20;
    cfg->max_block = (size_t)64 << 10;
    cfg->max_threads = 16;
#ifdef RTA_DEFAULT_DEBUG
    cfg->flags = RTA_DEBUG;
#endif
}

RTA_API const char *rta_strerror(int err)
{
    switch (err) {
    case RTA_OK:
        return "success";
    case RTA_ERR_CONFIG:
        return "invalid configuration: pool_bytes, max_block and max_threads must be non-zero "
               "(max_threads at most 4096, sizes below 1 TiB), memory and memory_bytes must be "
               "given together, and flags must be RTA_* flags";
    case RTA_ERR_REGION_TOO_SMALL:
        return "memory_bytes is too small for pool_bytes + arena_bytes plus the heap's "
               "metadata and span alignment: give a larger region or ask for less";
    case RTA_ERR_MAX_BLOCK:
        return "max_block is larger than the pools can hold: it must be at most 2 MiB and fit "
               "in pool_bytes (one span of the largest class); lower max_block or raise "
               "pool_bytes";
    case RTA_ERR_LOCK:
        return "RTA_LOCK_MEMORY: mlock was refused; raise RLIMIT_MEMLOCK (ulimit -l, or "
               "memlock in /etc/security/limits.conf, or run with CAP_IPC_LOCK) or create the "
               "heap without RTA_LOCK_MEMORY";
    case RTA_ERR_MAP:
        return "mmap of the heap's region failed: not enough address space or memory "
               "(check ulimit -v and overcommit settings), or ask for less";
    case RTA_ERR_INVAL:
        return "invalid argument: NULL heap, arena or output pointer";
    case RTA_ERR_NO_CACHE:
        return "no thread cache free: all max_threads caches are claimed (raise max_threads or "
               "call rta_thread_detach in threads done with the heap), or this thread holds "
               "caches in too many heaps at once";
    case RTA_ERR_RESERVE:
        return "the heap's reserve has too little contiguous free memory for this arena: raise "
               "pool_bytes or create arenas before allocating from the pools";
    default:
        return "unknown rtalloc error";
    }
}

struct layout {
    unsigned span_shift, n_classes;
    uint32_t n_spans;
    size_t cache_stride;
    size_t off_caches, off_spans, off_fallback, off_debug, meta_bytes;
    size_t pool_bytes, arena_bytes;
};

static unsigned ceil_log2(size_t v)
{
    unsigned s = 0;
    while (((size_t)1 << s) < v)
        s++;
    return s;
}

static int plan(const rta_config *cfg, struct layout *l)
{
    if ((cfg->flags &
         ~(unsigned)(RTA_LOCK_MEMORY | RTA_NO_PREFAULT | RTA_FALLBACK_SYSTEM | RTA_DEBUG |
                      RTA_PROFILE)) != 0 ||
        cfg->pool_bytes == 0 || cfg->max_block == 0 || cfg->max_threads == 0 ||
        cfg->max_threads > RTA__MAX_THREADS_LIMIT || cfg->pool_bytes >= LIMIT_BYTES ||
        cfg->arena_bytes >= LIMIT_BYTES || (cfg->memory == NULL) != (cfg->memory_bytes == 0))
        return RTA_ERR_CONFIG;
    if (cfg->max_block > RTA__MAX_BLOCK_LIMIT)
        return RTA_ERR_MAX_BLOCK;

    l->n_classes = rta__classes_for(cfg->max_block);
    size_t largest = rta__class_to_size(l->n_classes - 1);
    /* 64 KiB spans, smaller only when the whole pool is smaller, never
     * below a page nor below the largest class. */
    unsigned want = ceil_log2(largest), cap = RTA__MIN_SPAN_SHIFT;
    while (cap > 12 && ((size_t)1 << cap) > cfg->pool_bytes)
        cap--;
    l->span_shift = want > cap ? want : cap;
    size_t span = (size_t)1 << l->span_shift;
    if (cfg->pool_bytes < span && want > cap)
        return RTA_ERR_MAX_BLOCK;
    l->n_spans = (uint32_t)((cfg->pool_bytes + span - 1) >> l->span_shift);
    l->pool_bytes = (size_t)l->n_spans << l->span_shift;
    l->arena_bytes = ALIGN_UP(cfg->arena_bytes, RTA__CACHELINE);

    size_t off = ALIGN_UP(sizeof(struct rta_heap), RTA__CACHELINE);
    l->cache_stride = ALIGN_UP(
        sizeof(struct rta__cache) + l->n_classes * sizeof(struct rta__class_cache), RTA__CACHELINE);
    l->off_caches = off;
    off += l->cache_stride * cfg->max_threads;
    l->off_spans = off;
    off += sizeof(struct rta__span) * l->n_spans;
    l->off_fallback = off;
    if (cfg->flags & RTA_FALLBACK_SYSTEM)
        off += ALIGN_UP(sizeof(struct rta__fallback_slot) * RTA__FALLBACK_SLOTS, RTA__CACHELINE);
    l->off_debug = off;
    if (cfg->flags & RTA_DEBUG)
        off += ALIGN_UP(((l->pool_bytes >> RTA__GRANULE_SHIFT) + 63) / 64 * 8, RTA__CACHELINE);
    l->meta_bytes = off;
    return 0;
}

/* Four entries a store: under the sanitizers and valgrind, where every
 * store is checked, heap creation spent most of its time in this fill. */
static void fill_u16(uint16_t *p, size_t n, uint16_t v)
{
    uint64_t four = v * UINT64_C(0x0001000100010001);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(p + i, &four, sizeof four);
    for (; i < n; i++)
        p[i] = v;
}

static void init_heap(struct rta_heap *h, const rta_config *cfg, const struct layout *l, char *meta,
                      char *pool)
{
    h->flags = cfg->flags;
    h->on_trap = cfg->on_trap;
    h->trap_user = cfg->trap_user;
    h->pool_base = pool;
    h->pool_end = pool + l->pool_bytes;
    h->pool_size = l->pool_bytes;
    h->span_mask = ((size_t)1 << l->span_shift) - 1;
    h->span_shift = l->span_shift;
    h->n_spans = l->n_spans;
    h->spans = (struct rta__span *)(meta + l->off_spans);
    for (uint32_t i = 0; i < l->n_spans; i++)
        atomic_init(&h->spans[i].owner, RTA__NO_OWNER);
    h->n_classes = l->n_classes;
    h->max_block = cfg->max_block;
    h->fast_max = cfg->max_block < RTA__SMALL_MAX ? cfg->max_block : RTA__SMALL_MAX;
    /* Only the entries up to fast_max are ever read, and each class's
     * sizes are one run of the same offset. */
    for (size_t i = 0, k = 0; i <= h->fast_max; k++) {
        size_t last = rta__class_to_size((unsigned)k);
        if (last > h->fast_max)
            last = h->fast_max;
        fill_u16(h->small_cc + i, last + 1 - i,
                 (uint16_t)(offsetof(struct rta__cache, cls) + k * sizeof(struct rta__class_cache)));
        i = last + 1;
    }
    for (unsigned c = 0; c < l->n_classes; c++) {
        size_t size = rta__class_to_size(c);
        h->class_size[c] = (uint32_t)size;
        h->class_blocks[c] = (uint32_t)(((size_t)1 << l->span_shift) / size);
        h->class_divmagic[c] = rta__divmagic((uint32_t)size);
    }
    h->max_threads = cfg->max_threads;
    h->cache_stride = l->cache_stride;
    h->caches = meta + l->off_caches;
    for (unsigned i = 0; i < cfg->max_threads; i++) {
        struct rta__cache *c = rta__cache_at(h, i);
        c->index = i;
        for (unsigned k = 0; k < l->n_classes; k++) {
            c->cls[k].current = &rta__no_span;
            c->cls[k].size = h->class_size[k];
        }
    }
    if (cfg->flags & RTA_FALLBACK_SYSTEM)
        h->fallback = (struct rta__fallback_slot *)(meta + l->off_fallback);
    if (cfg->flags & RTA_DEBUG)
        h->debug_bits = (_Atomic uint64_t *)(meta + l->off_debug);
    rta__reserve_init(h);
    rta__profile_init(h, cfg);
    if (l->arena_bytes) {
        h->has_frame_arena = 1;
        rta__arena_init(&h->frame_arena, h, pool + l->pool_bytes, l->arena_bytes);
    }
}

RTA_API int rta_heap_create(rta_heap **out, const rta_config *cfg)
{
    struct layout l;
    if (!out || !cfg)
        return RTA_ERR_INVAL;
    *out = NULL;
    int rc = plan(cfg, &l);
    if (rc)
        return rc;

    size_t span = (size_t)1 << l.span_shift;
    char *region, *meta, *pool;
    size_t region_bytes;
    if (cfg->memory) {
        uintptr_t start = ALIGN_UP((uintptr_t)cfg->memory, RTA__CACHELINE);
        uintptr_t end = (uintptr_t)cfg->memory + cfg->memory_bytes;
        uintptr_t pool_at = ALIGN_UP(start + l.meta_bytes, span);
        if (pool_at < start || pool_at > end || l.pool_bytes > end - pool_at ||
            l.arena_bytes > end - pool_at - l.pool_bytes)
            return RTA_ERR_REGION_TOO_SMALL;
        region = cfg->memory;
        region_bytes = cfg->memory_bytes;
        meta = (char *)start;
        pool = (char *)pool_at;
        memset(meta, 0, l.meta_bytes);
    } else {
        /* One span of slack lets the pool start on a span boundary. */
        region_bytes = l.meta_bytes + span + l.pool_bytes + l.arena_bytes;
        region = rta__os_map(region_bytes);
        if (!region)
            return RTA_ERR_MAP;
        meta = region;
        pool = (char *)ALIGN_UP((uintptr_t)region + l.meta_bytes, span);
    }

    int locked = 0;
    if (cfg->flags & RTA_LOCK_MEMORY) {
        if (rta__os_lock(region, region_bytes) != 0) {
            if (!cfg->memory)
                rta__os_unmap(region, region_bytes);
            return RTA_ERR_LOCK;
        }
        locked = 1;
    }
    if (!(cfg->flags & RTA_NO_PREFAULT))
        rta__os_prefault(region, region_bytes);

    struct rta_heap *h = (struct rta_heap *)meta;
    init_heap(h, cfg, &l, meta, pool);
    h->region = region;
    h->region_bytes = region_bytes;
    h->mapped = cfg->memory == NULL;
    h->locked = locked;
    rta__os_prime_backtrace();
    rta__registry_add(h);
    *out = h;
    return 0;
}

RTA_API void rta_heap_destroy(rta_heap *h)
{
    if (!h)
        return;
    if (rta__debug(h))
        rta__debug_leak_report(h);
    rta__registry_remove(h);
    void *region = h->region;
    size_t bytes = h->region_bytes;
    int locked = h->locked, mapped = h->mapped;
    if (locked)
        rta__os_unlock(region, bytes);
    if (mapped)
        rta__os_unmap(region, bytes);
}
