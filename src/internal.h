/* Internal declarations shared by the files of librtalloc.
 *
 * Memory layout of a heap (one mmap, or the caller's region):
 *
 *   [ rta_heap | thread caches | span descriptors | fallback table |
 *     debug bitmap ][ pad to span alignment ][ pool spans ][ frame arena ]
 *
 * The pool is an array of equal spans of 2^span_shift bytes (64 KiB, or
 * the next power of two above max_block), aligned to their size, so the
 * span of any pointer is one subtraction and one shift away, and blocks of
 * power-of-two classes are aligned to their size.  All metadata is out of
 * band (span descriptors, not block headers): a freed pointer is checked
 * against it before anything is trusted, as musl's mallocng does.
 *
 * Ownership: a span, while it serves a size class, belongs to one thread
 * cache.  Only the thread holding that cache touches the span's free list,
 * so the owner's alloc and free are plain loads and stores.  Other threads
 * push freed blocks onto the span's `remote` stack (a Treiber push, with a
 * block count packed beside the head); the push that makes that stack
 * non-empty also pushes the span onto its owner's `pending` stack for the
 * class.  The owner takes a whole stack with one atomic exchange, so
 * picking up remote frees is O(1) however many there are.
 */
#ifndef RTA_INTERNAL_H
#define RTA_INTERNAL_H

#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtalloc.h"

/* Test builds only (tests/sched/run_yield_stress.sh, clang): every atomic
 * operation of the library first calls rta__test_yield(), which the test
 * program defines (a random sched_yield), so ThreadSanitizer sees the
 * lock-free paths interleaved at each atomic step, not only where the
 * scheduler happens to switch.  Release builds never define
 * RTA_TEST_YIELDS: these macros do not exist there. */
#if defined(RTA_TEST_YIELDS) && defined(__clang__)
void rta__test_yield(void);
#undef atomic_load_explicit
#undef atomic_store_explicit
#undef atomic_exchange_explicit
#undef atomic_compare_exchange_strong_explicit
#undef atomic_compare_exchange_weak_explicit
#undef atomic_fetch_add_explicit
#undef atomic_fetch_and_explicit
#undef atomic_fetch_or_explicit
#undef atomic_fetch_add
#define RTA__Y(call) (rta__test_yield(), call)
#define atomic_load_explicit(o, m) RTA__Y(__c11_atomic_load(o, m))
#define atomic_store_explicit(o, v, m) RTA__Y(__c11_atomic_store(o, v, m))
#define atomic_exchange_explicit(o, v, m) RTA__Y(__c11_atomic_exchange(o, v, m))
#define atomic_compare_exchange_strong_explicit(o, e, d, s, f)                                     \
    RTA__Y(__c11_atomic_compare_exchange_strong(o, e, d, s, f))
#define atomic_compare_exchange_weak_explicit(o, e, d, s, f)                                       \
    RTA__Y(__c11_atomic_compare_exchange_weak(o, e, d, s, f))
#define atomic_fetch_add_explicit(o, v, m) RTA__Y(__c11_atomic_fetch_add(o, v, m))
#define atomic_fetch_and_explicit(o, v, m) RTA__Y(__c11_atomic_fetch_and(o, v, m))
#define atomic_fetch_or_explicit(o, v, m) RTA__Y(__c11_atomic_fetch_or(o, v, m))
#define atomic_fetch_add(o, v) RTA__Y(__c11_atomic_fetch_add(o, v, __ATOMIC_SEQ_CST))
#endif

#define RTA__LIKELY(x) __builtin_expect(!!(x), 1)
#define RTA__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RTA__HIDDEN __attribute__((visibility("hidden")))
#define RTA__CACHELINE 64

#define RTA__MIN_SPAN_SHIFT 16                 /* 64 KiB spans at least */
#define RTA__MAX_BLOCK_LIMIT ((size_t)2 << 20) /* 2 MiB: 64 classes */
#define RTA__MAX_THREADS_LIMIT 4096u
#define RTA__FALLBACK_SLOTS 1024u
#define RTA__FALLBACK_PROBES 32u
#define RTA__RECLAIM_BUDGET 64 /* collections a failing refill may make */
#define RTA__NO_OWNER UINT32_MAX
#define RTA__GRANULE_SHIFT 4 /* 16-byte granules for the debug bitmap */
#define RTA__SMALL_MAX 4096u /* sizes up to this: classes from a table (sizeclass.c) */

/* Relaxed counters written by one thread and read by any: a load and a
 * store, never a read-modify-write, so the owner pays no lock prefix. */
#define RTA__LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define RTA__STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)
#define RTA__BUMP(x, d) RTA__STORE((x), RTA__LOAD(x) + (d))
/* The same for a 64-bit counter whose new value the writer does not need:
 * on x86-64 one non-locked add to memory, which other threads see whole
 * (an aligned 8-byte store), as Linux's this_cpu_add does.  ThreadSanitizer
 * cannot see inside asm, so its builds keep the C11 load and store. */
#if defined(__SANITIZE_THREAD__)
#define RTA__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTA__TSAN 1
#endif
#endif
#if defined(__x86_64__) && !defined(RTA__TSAN)
/* volatile: two of these keep their order (see rta__count_free). */
#define RTA__ADD(x, d)                                                                             \
    __asm__ volatile("addq %1, %0" : "+m"(*(uint64_t *)&(x)) : "er"((uint64_t)(d)))
/* x -= d, then a jump to `label` when x went below zero (as a signed
 * count): one subtract to memory and one branch, the headroom test of
 * rta__count_alloc. */
#define RTA__SUB_OR_GOTO(x, d, label)                                                              \
    __asm__ volatile goto("subq %1, %0\n\tjs %l[" #label "]"                                       \
                          : "+m"(*(uint64_t *)&(x))                                                \
                          : "er"((uint64_t)(d))                                                    \
                          : "cc"                                                                   \
                          : label)
/* --x on an owner-only 32-bit field, then a jump to `label` when x is
 * zero or negative (signed): one subtract to memory and one branch
 * (gcc keeps the value in a register and tests it apart otherwise). */
#define RTA__DEC_OR_GOTO(x, label)                                                                 \
    __asm__ volatile goto("subl $1, %0\n\tjle %l[" #label "]" : "+m"(x) : : "cc" : label)
/* Jump to `label` unless the 32-bit n is a multiple of the divisor of
 * `magic` (rta__divisible), with magic read from memory by both
 * instructions (gcc otherwise loads it into a register first). */
#define RTA__INDIVISIBLE_GOTO(n, magic, label)                                                     \
    do {                                                                                           \
        uint64_t n_ = (uint32_t)(n);                                                               \
        __asm__ volatile goto("imulq %1, %0\n\tcmpq %1, %0\n\tjae %l[" #label "]"                  \
                              : "+r"(n_)                                                           \
                              : "m"(magic)                                                         \
                              : "cc"                                                               \
                              : label);                                                            \
    } while (0)
/* The writer's own read of such a counter races with no write, and its
 * store is one aligned 8-byte move: plain accesses, which the compiler
 * can address directly (C11 atomics make it compute each address). */
#define RTA__OWN_LOAD(x) (*(const uint64_t *)&(x))
#define RTA__OWN_LOAD32(x) (*(const uint32_t *)&(x))
#define RTA__OWN_PARKED(cc) (*(struct rta__span *const *)&(cc)->parked)
#define RTA__OWN_STORE(x, v) (*(volatile uint64_t *)&(x) = (v))
#else
#define RTA__ADD(x, d) RTA__BUMP(x, (uint64_t)(d))
#define RTA__SUB_OR_GOTO(x, d, label)                                                              \
    do {                                                                                           \
        uint64_t v_ = RTA__LOAD(x) - (uint64_t)(d);                                                \
        RTA__STORE(x, v_);                                                                         \
        if (RTA__UNLIKELY((int64_t)v_ < 0))                                                        \
            goto label;                                                                            \
    } while (0)
#define RTA__DEC_OR_GOTO(x, label)                                                                 \
    do {                                                                                           \
        if ((int32_t)--(x) <= 0)                                                                   \
            goto label;                                                                            \
    } while (0)
#define RTA__INDIVISIBLE_GOTO(n, magic, label)                                                     \
    do {                                                                                           \
        if (RTA__UNLIKELY(!rta__divisible((n), (magic))))                                          \
            goto label;                                                                            \
    } while (0)
#define RTA__OWN_LOAD(x) RTA__LOAD(x)
#define RTA__OWN_LOAD32(x) RTA__LOAD(x)
#define RTA__OWN_PARKED(cc) atomic_load_explicit(&(cc)->parked, memory_order_relaxed)
#define RTA__OWN_STORE(x, v) RTA__STORE(x, v)
#endif

/* ---- real-time sections (rt.c) ---- */
struct rta__rt_state {
    unsigned depth;
    unsigned in_fallback; /* inside rtalloc's own system-heap call */
    uint64_t system_allocs;
};
struct rta__rt_state *rta__rt_self(void) RTA__HIDDEN;

/* ---- spans ---- */
struct rta__span {
    /* Set when the span is given to a class; read by freeing threads to
     * validate a pointer, so atomic (relaxed) though only the owner and
     * the reserve write them. */
    _Atomic uint32_t cls;    /* class + 1; 0 while in the reserve or an arena */
    _Atomic uint32_t owner;  /* index of the owning thread cache, or
                              * RTA__NO_OWNER outside a cache */
    _Atomic uint32_t bump;   /* blocks carved so far */
    _Atomic uint32_t carved; /* bytes carved so far (bump * class size) */
    uint32_t nblocks;        /* blocks that fit in the span */
    /* Owner only.  The blocks carved and not yet seen free by the owner,
     * plus RTA__UNLISTED while the span is neither the cache's current
     * span nor on its partial list (it was full): so the owner's free
     * tells a span that empties or was full from any other with one
     * signed test (rta__pool_free_local). */
    uint32_t used;
    /* rta__cache_stamp of the owning cache, 0 outside a cache: the free
     * fast path's ownership test, one compare with the thread's own
     * (rta__tls_last.stamp), unique for the life of the process. */
    _Atomic uint64_t stamp;
    void *free; /* owner's free list, linked through the blocks */
    /* Copies of the class's figures for the free fast path (set with the
     * class, read only by the owner). */
    uint64_t divmagic;           /* h->class_divmagic[cls] */
    uint64_t size;               /* h->class_size[cls] */
    struct rta__class_cache *cc; /* the owner's cache of the class */
    /* Remote frees: low 32 bits head block index + 1, high 32 bits count. */
    _Atomic uint64_t remote __attribute__((aligned(RTA__CACHELINE)));
    _Atomic(void *) remote_tail; /* first block pushed since last empty */
    _Atomic(struct rta__span *) pending_next;
    _Atomic uint32_t reserve_next; /* reserve free-stack link: index + 1 */
    /* The address of the class cache that parked the span, while it is
     * parked: empty, kept by its cache for a cheap re-take, but free for
     * any thread to steal (see pool.c).  Otherwise 0, or the span's own
     * address (which names no class cache) once its owner took it back:
     * the value the re-take has in a register. */
    _Atomic uintptr_t park;
    /* The cache's partial list (owner): a span is on it when it is
     * listed and not the current span. */
    struct rta__span *prev, *next;
} __attribute__((aligned(RTA__CACHELINE)));
_Static_assert(sizeof(struct rta__span) == 2 * RTA__CACHELINE, "span: two cache lines");

#define RTA__UNLISTED 0x80000000u
static inline int rta__listed(const struct rta__span *s)
{
    return !(s->used & RTA__UNLISTED);
}
static inline uint32_t rta__live(const struct rta__span *s)
{
    return s->used & ~RTA__UNLISTED;
}

/* The current span of a class that has none: no free block, so taking
 * from it fails into the refill without a NULL test on the fast path.
 * Its nblocks is 1 and bump 0, so it never looks used up (the inline
 * refill and relist_full then leave it alone; rta__pool_refill never
 * carves it).  Never written. */
extern struct rta__span rta__no_span RTA__HIDDEN;

/* ---- thread caches ---- */
struct rta__class_cache {
    /* The first cache line: every field the owner's fast paths read or
     * write (an allocation touches this line only), and no field another
     * thread writes. */
    struct rta__span *current; /* &rta__no_span when there is none */
    /* Owner-written statistics (single writer: see RTA__ADD).  The
     * allocations are not counted as such: they are frees + owned_peak -
     * headroom (stats.c), so that an allocation writes one counter. */
    _Atomic uint64_t headroom;          /* owned_peak - (allocs - frees), signed */
    _Atomic uint64_t frees;             /* frees this thread made, local or remote */
    _Atomic(struct rta__span *) parked; /* the current span, parked empty */
    struct rta__span *partial;          /* spans with free blocks, not current */
    uint64_t size; /* the class's block size (h->class_size), for the fast paths */
    _Atomic uint64_t owned_peak;       /* highest allocs - frees seen by an allocation */
    struct rta__span *pending_private; /* taken from `pending`, not yet collected */
    /* The second line: the list freeing threads push onto. */
    _Atomic(struct rta__span *) pending; /* spans with remote frees (MPSC) */
    _Atomic uint32_t spans;              /* spans held, parked one included
                                            (readers subtract it) */
    /* Set once another thread freed into this cache's spans: from then on
     * allocs - frees counts those frees as live, and owned_peak is no
     * longer a lower bound of the true peak. */
    _Atomic uint32_t remote_seen;
    /* To 128 bytes: the fast paths find a class's cache with one shift. */
    uint64_t pad_[6];
};
_Static_assert(sizeof(struct rta__class_cache) == 128, "class cache: 128 bytes");
_Static_assert(offsetof(struct rta__class_cache, pending_private) + sizeof(void *) <=
                       RTA__CACHELINE &&
                   offsetof(struct rta__class_cache, pending) == RTA__CACHELINE,
               "class cache: the owner's fields in its first line, the remote list in its second");

struct rta__cache {
    _Atomic uint32_t claimed; /* 0 free, 1 held by a thread, 2 borrowed by a reclaim pass */
    uint32_t index;
    _Atomic uint64_t remote_frees; /* frees this thread made of others' blocks */
    /* owned_peak_bytes - the bytes of this thread's blocks live now,
     * signed (only the peak is read by others). */
    _Atomic uint64_t bytes_headroom;
    _Atomic uint64_t owned_peak_bytes;
    _Atomic uint32_t remote_seen;  /* any class's remote_seen */
    struct rta__class_cache cls[]; /* n_classes */
};

/* ---- fallback table ---- */
struct rta__fallback_slot {
    _Atomic uintptr_t key; /* 0 empty, 1 tombstone, else the pointer */
    _Atomic size_t size;
};

/* ---- arenas ---- */
struct rta_arena {
    char *base;
    size_t capacity;
    _Atomic size_t used;
    _Atomic size_t peak; /* highest `used` seen at a reset or rewind */
    _Atomic uint64_t resets;
    _Atomic uint64_t overflows;
    struct rta_heap *heap;
};

/* ---- profile.c: exact peaks, thread and span counts, low water ---- */
struct rta__profile_class {
    _Atomic uint64_t live; /* allocations begun - frees completed */
    _Atomic uint64_t peak;
};
struct rta__profile {
    struct rta__profile_class cls[RTA_MAX_CLASSES];
    _Atomic uint64_t bytes_live, bytes_peak;
    _Atomic uint32_t threads_now, threads_peak; /* caches claimed */
    _Atomic uint64_t spans_out, spans_peak;     /* taken from the reserve */
    uint64_t low_water_spans;                   /* threshold, in spans */
    int track_spans;                            /* profile or low water */
    _Atomic uint32_t low_water_hit;
};

/* ---- the heap ---- */
struct rta_heap {
    /* Every field the owner's fast paths read of the heap, in its first
     * cache line (then small_cc): rta_malloc and rta_free each touch
     * one line of the heap besides the table, and no field another
     * thread writes shares it. */
    uint64_t serial; /* unique for the life of the process */
    char *pool_base;
    size_t pool_size; /* pool_end - pool_base */
    size_t span_mask; /* span bytes - 1 */
    struct rta__span *spans;
    size_t fast_max; /* min(max_block, RTA__SMALL_MAX): rta_malloc's fast path */
    unsigned span_shift;
    uint32_t n_spans;
    char *pool_end;

    unsigned flags;
    rta_trap_fn on_trap;
    void *trap_user;

    void *region;
    size_t region_bytes;
    int mapped; /* region is ours to munmap */
    int locked;

    /* Pools: the reserve, written by any thread taking or giving back a
     * span, on a line of its own. */
    _Atomic uint64_t reserve_head
        __attribute__((aligned(RTA__CACHELINE))); /* free stack: index + 1 | tag << 32 */
    _Atomic uint64_t reserve_bounds;              /* never-used spans [low, high) */

    /* Size classes. */
    unsigned n_classes __attribute__((aligned(RTA__CACHELINE)));
    size_t max_block;
    /* Up to fast_max, by the size itself: the offset of the size's class
     * cache in a thread cache (offsetof cls + class * 128), so rta_malloc
     * finds it with one load from the heap it has in hand (a shared
     * table needs its address loaded, and an index by (size + 15) >> 4
     * an add and a shift: 8 KiB here buy 2 instructions per call). */
    uint16_t small_cc[RTA__SMALL_MAX + 1];
    uint32_t class_size[RTA_MAX_CLASSES];
    uint32_t class_blocks[RTA_MAX_CLASSES];   /* per span */
    uint64_t class_divmagic[RTA_MAX_CLASSES]; /* see sizeclass.c */
    _Atomic uint64_t class_orphan_frees[RTA_MAX_CLASSES];
    _Atomic uint64_t class_seen_peak[RTA_MAX_CLASSES];

    /* Thread caches. */
    unsigned max_threads;
    size_t cache_stride;
    char *caches;
    /* 1 + the highest index of a cache ever claimed: caches above it
     * have never held a span or counted anything, so statistics reads
     * and reclaim passes stop there (tcache.c raises it before the
     * cache is used). */
    _Atomic uint32_t caches_touched;
    /* Bit k: class k has had a span (pool.c sets it before the class's
     * first block); the other classes' counters are all zero and they
     * hold no span, so statistics reads and reclaim passes skip them. */
    _Atomic uint64_t classes_touched;

    /* Counters not owned by a cache (miss paths, cacheless threads). */
    _Atomic uint64_t failures;
    _Atomic uint64_t fallbacks;
    _Atomic uint64_t bad_frees;
    _Atomic uint64_t orphan_remote_frees;
    _Atomic uint64_t seen_peak_bytes;

    struct rta__fallback_slot *fallback; /* NULL without RTA_FALLBACK_SYSTEM */
    _Atomic uint64_t *debug_bits;        /* NULL without RTA_DEBUG */

    struct rta_arena frame_arena;
    int has_frame_arena;

    struct rta_heap *registry_next;

    struct rta__profile prof; /* profile.c */
};
_Static_assert(offsetof(struct rta_heap, fast_max) + sizeof(size_t) <= RTA__CACHELINE &&
                   offsetof(struct rta_heap, span_shift) + sizeof(unsigned) <= RTA__CACHELINE,
               "heap: the fast paths' fields in its first cache line");

static inline struct rta__cache *rta__cache_at(const struct rta_heap *h, unsigned i)
{
    return (struct rta__cache *)(h->caches + (size_t)i * h->cache_stride);
}

static inline int rta__debug(const struct rta_heap *h)
{
    return (h->flags & RTA_DEBUG) != 0;
}

/* ---- sizeclass.c ---- */
/* 16..128 in steps of 16 (classes 0-7), then four per doubling. */
static inline unsigned rta__size_to_class(size_t size)
{
    if (size <= 128)
        return size == 0 ? 0 : (unsigned)((size + 15) >> 4) - 1;
    size_t n = size - 1;
    unsigned e = 63u - (unsigned)__builtin_clzll((unsigned long long)n); /* >= 7 */
    unsigned m = (unsigned)(n >> (e - 2)) & 3u;
    return 8u + (e - 7u) * 4u + m;
}
/* The same for sizes up to RTA__SMALL_MAX as one table load:
 * rta__small_class[(size + 15) >> 4] (sizeclass.c). */
extern const uint8_t rta__small_class[RTA__SMALL_MAX / 16 + 1] RTA__HIDDEN;
static inline __attribute__((always_inline)) unsigned rta__size_to_class_fast(size_t size)
{
    if (RTA__LIKELY(size <= RTA__SMALL_MAX))
        return rta__small_class[(size + 15) >> 4];
    return rta__size_to_class(size);
}
size_t rta__class_to_size(unsigned cls) RTA__HIDDEN;
unsigned rta__classes_for(size_t max_block) RTA__HIDDEN;
uint64_t rta__divmagic(uint32_t d) RTA__HIDDEN;

/* Exact n / d and n % d == 0 for 32-bit n (Lemire, Kaser, Kurz 2019). */
static inline uint32_t rta__div(uint32_t n, uint64_t magic)
{
    return (uint32_t)(((__uint128_t)magic * n) >> 64);
}
static inline int rta__divisible(uint32_t n, uint64_t magic)
{
    return (uint64_t)(n * magic) < magic;
}

/* ---- os.c: the only system calls ---- */
void *rta__os_map(size_t bytes) RTA__HIDDEN;
void rta__os_unmap(void *p, size_t bytes) RTA__HIDDEN;
int rta__os_lock(void *p, size_t bytes) RTA__HIDDEN;
void rta__os_unlock(void *p, size_t bytes) RTA__HIDDEN;
void rta__os_prefault(void *p, size_t bytes) RTA__HIDDEN;
void rta__os_write_all(int fd, const char *buf, size_t len) RTA__HIDDEN;
int rta__os_write(int fd, const char *buf, size_t len) RTA__HIDDEN;
void rta__os_prime_backtrace(void) RTA__HIDDEN;
void rta__os_write_backtrace(int fd) RTA__HIDDEN;
void *rta__os_system_malloc(size_t size) RTA__HIDDEN;
void *rta__os_system_aligned(size_t align, size_t size) RTA__HIDDEN;
void rta__os_system_free(void *p) RTA__HIDDEN;

/* ---- reserve.c ---- */
struct rta__span *rta__reserve_take(struct rta_heap *h) RTA__HIDDEN;
void rta__reserve_give(struct rta_heap *h, struct rta__span *s) RTA__HIDDEN;
char *rta__reserve_carve(struct rta_heap *h, size_t bytes, size_t *got) RTA__HIDDEN;
void rta__reserve_init(struct rta_heap *h) RTA__HIDDEN;
/* The reserve's free bytes, given the spans the caches hold (stats.c
 * sums them). */
size_t rta__reserve_free_bytes(const struct rta_heap *h, uint64_t held) RTA__HIDDEN;

static inline uint32_t rta__span_index(const struct rta_heap *h, const struct rta__span *s)
{
    return (uint32_t)(s - h->spans);
}
static inline char *rta__span_base(const struct rta_heap *h, const struct rta__span *s)
{
    return h->pool_base + ((size_t)rta__span_index(h, s) << h->span_shift);
}

/* ---- tcache.c ---- */
struct rta__tls_slot {
    uint64_t serial;
    struct rta_heap *heap;
    struct rta__cache *cache;
};
extern __thread struct rta__tls_slot rta__tls_slots[RTA_MAX_HEAPS_PER_THREAD]
    __attribute__((tls_model("initial-exec"))) RTA__HIDDEN;
struct rta__cache *rta__cache_find_slow(const struct rta_heap *h) RTA__HIDDEN;

/* The heap this thread used last and its cache there: one compare of
 * the heap's serial finds the cache in the common case (one heap). */
struct rta__tls_last {
    uint64_t serial;
    struct rta__cache *cache;
    uint64_t stamp; /* rta__cache_stamp of cache; RTA__NO_STAMP without one */
};
/* Never a span's stamp (spans hold 0 or a cache's). */
#define RTA__NO_STAMP UINT64_MAX
/* A cache's stamp: its heap's serial and its index (< 2^12). */
_Static_assert(RTA__MAX_THREADS_LIMIT <= 4096u, "cache index in 12 bits");
static inline uint64_t rta__cache_stamp(const struct rta_heap *h, const struct rta__cache *c)
{
    return (h->serial << 12) | c->index;
}
extern __thread struct rta__tls_last rta__tls_last __attribute__((tls_model("initial-exec")))
RTA__HIDDEN;

/* The calling thread's cache in h, or NULL; never claims one. */
static inline __attribute__((always_inline)) struct rta__cache *
rta__cache_find(const struct rta_heap *h)
{
    if (RTA__LIKELY(rta__tls_last.serial == h->serial))
        return rta__tls_last.cache;
    return rta__cache_find_slow(h);
}
struct rta__cache *rta__cache_get(struct rta_heap *h) RTA__HIDDEN;
void rta__registry_add(struct rta_heap *h) RTA__HIDDEN;
void rta__registry_remove(struct rta_heap *h) RTA__HIDDEN;

/* ---- pool.c: slow paths; the fast paths are inline below ---- */
void *rta__pool_refill(struct rta_heap *h, struct rta__cache *c, unsigned cls) RTA__HIDDEN;
void rta__pool_free_slow(struct rta_heap *h, struct rta__cache *c, struct rta__span *s,
                         unsigned cls) RTA__HIDDEN;
void rta__pool_unpark_all(struct rta_heap *h, struct rta__cache *c) RTA__HIDDEN;

/* ---- remote.c ---- */
void rta__remote_free(struct rta_heap *h, struct rta__span *s, unsigned cls, void *p,
                      uint32_t index) RTA__HIDDEN;
struct rta__span *rta__remote_collect(struct rta_heap *h, struct rta__class_cache *cc,
                                      unsigned cls) RTA__HIDDEN;

/* ---- fallback.c ---- */
void *rta__fallback_alloc(struct rta_heap *h, size_t align, size_t size) RTA__HIDDEN;
int rta__fallback_free(struct rta_heap *h, void *p) RTA__HIDDEN;
int rta__fallback_lookup(const struct rta_heap *h, const void *p, size_t *size) RTA__HIDDEN;

/* ---- debug.c ---- */
int rta__debug_mark_alloc(struct rta_heap *h, void *p) RTA__HIDDEN;
int rta__debug_mark_free(struct rta_heap *h, void *p) RTA__HIDDEN;
void rta__debug_poison(void *p, size_t n, unsigned char byte) RTA__HIDDEN;
void rta__debug_leak_report(struct rta_heap *h) RTA__HIDDEN;
#define RTA__POISON_ALLOC 0xAA
#define RTA__POISON_FREE 0x55
#define RTA__POISON_ARENA 0xDD

/* ---- trap.c ---- */
void rta__trap(const struct rta_heap *h, int kind, size_t size, const void *ptr) RTA__HIDDEN;
void rta__trap_report(const char *prefix, const rta_trap_info *info) RTA__HIDDEN;

/* ---- profile.c (RTA_PROFILE heaps never take the owner fast paths) ---- */
void rta__profile_init(struct rta_heap *h, const rta_config *cfg) RTA__HIDDEN;
void rta__profile_alloc(struct rta_heap *h, unsigned cls) RTA__HIDDEN;
void rta__profile_unalloc(struct rta_heap *h, unsigned cls) RTA__HIDDEN;
void rta__profile_free(struct rta_heap *h, unsigned cls) RTA__HIDDEN;
void rta__profile_arena(struct rta_arena *a, size_t used) RTA__HIDDEN;
void rta__profile_claimed(struct rta_heap *h) RTA__HIDDEN;
void rta__profile_released(struct rta_heap *h) RTA__HIDDEN;
void rta__profile_span_taken(struct rta_heap *h) RTA__HIDDEN;
void rta__profile_span_given(struct rta_heap *h) RTA__HIDDEN;
void rta__profile_stats(const struct rta_heap *h, rta_stats *out) RTA__HIDDEN;
static inline int rta__profiling(const struct rta_heap *h)
{
    return (h->flags & RTA_PROFILE) != 0;
}

/* ---- arena.c ---- */
void rta__arena_init(struct rta_arena *a, struct rta_heap *h, char *base,
                     size_t capacity) RTA__HIDDEN;

/* ---- fmt.c: async-signal-safe formatting into a fixed buffer ---- */
struct rta__fmt {
    char buf[1024];
    size_t len;
};
void rta__fmt_str(struct rta__fmt *f, const char *s) RTA__HIDDEN;
void rta__fmt_u64(struct rta__fmt *f, uint64_t v) RTA__HIDDEN;
void rta__fmt_u64_pad(struct rta__fmt *f, uint64_t v, unsigned width) RTA__HIDDEN;
void rta__fmt_hex(struct rta__fmt *f, uintptr_t v) RTA__HIDDEN;
void rta__fmt_bytes(struct rta__fmt *f, uint64_t bytes) RTA__HIDDEN;
void rta__fmt_flush(struct rta__fmt *f, int fd) RTA__HIDDEN;

/* ---- options.c and process.c: the process heap (rta_process_heap) ---- */
/* Defaults of RTALLOC_OPTIONS; rtalloc.h documents the same figures. */
#define RTA__PROCESS_POOL ((size_t)32 << 20)
#define RTA__PROCESS_ARENA ((size_t)1 << 20)
#define RTA__PROCESS_MAX_BLOCK ((size_t)64 << 10)
#define RTA__PROCESS_THREADS 64u
enum { RTA__RT_OFF, RTA__RT_COUNT, RTA__RT_TRAP };
struct rta__options {
    rta_config cfg;
    int rt;          /* RTA__RT_*: what librtalloc_malloc does with system-path
                        calls in RT sections */
    int rt_given;    /* rt= was in RTALLOC_OPTIONS */
    char stats[256]; /* "", "stderr" or a path: report written at exit */
};
void rta__options_defaults(struct rta__options *o) RTA__HIDDEN;
/* Applies RTALLOC_OPTIONS text s (NULL: nothing) over o; one line on
 * err_fd (-1: none) per bad item.  Returns the number of bad items. */
int rta__options_parse(struct rta__options *o, const char *s, int err_fd) RTA__HIDDEN;

/* ---- tcache.c: fork() (registered once, at the first heap's create) ---- */
void rta__tcache_fork_prepare(void) RTA__HIDDEN;
void rta__tcache_fork_parent(void) RTA__HIDDEN;
void rta__tcache_fork_child(void) RTA__HIDDEN;

/* ---- the owner's fast paths (see pool.c for the algorithm) ---- */

/* The parked span's owner lost it to a thread that found the reserve
 * empty (pool.c): forgets it without touching it. */
void rta__unpark_lost(struct rta__class_cache *cc, struct rta__span *s) RTA__HIDDEN;

/* Takes the class's parked current span back (with one uncontended
 * compare-and-swap on the span's own word, naming this class cache):
 * returns it, the current span again; or NULL when a thread stole it (the
 * class then has no current span) or none is parked.  Parked, the span
 * still counts in cc->spans (readers subtract it while cc->parked names
 * it), so neither parking nor this touches the count. */
static inline __attribute__((always_inline)) int rta__retake(struct rta__class_cache *cc,
                                                             struct rta__span *s)
{
    uintptr_t expect = (uintptr_t)cc;
    if (RTA__UNLIKELY(!atomic_compare_exchange_strong_explicit(
            &s->park, &expect, (uintptr_t)s, memory_order_acquire, memory_order_relaxed)))
        return 0;
    atomic_store_explicit(&cc->parked, NULL, memory_order_relaxed);
    return 1;
}
static inline __attribute__((always_inline)) struct rta__span *
rta__unpark(struct rta__class_cache *cc)
{
    struct rta__span *s = atomic_load_explicit(&cc->parked, memory_order_relaxed);
    if (!s)
        return NULL;
    if (RTA__UNLIKELY(!rta__retake(cc, s))) {
        rta__unpark_lost(cc, s);
        return NULL;
    }
    return s;
}

/* A block from the free list of span s, or NULL (the refill then carves
 * a never-used block or changes span). */
static inline __attribute__((always_inline)) void *rta__span_take(struct rta__span *s)
{
    void *b = s->free;
    if (RTA__LIKELY(b != NULL)) {
        s->free = *(void **)b;
        s->used++;
    }
    return b;
}

/* The refill of steady churn, inline in rta_malloc's cold path (no call,
 * no saved registers): the current span is used up (nothing free,
 * nothing left to carve) and the partial list has a span, which becomes
 * current and gives its first free block (a span joins the partial list
 * only with one, and only the current span is popped).  NULL, touching
 * nothing, in any other case (rta__pool_refill's).  Not for a parked
 * class. */
/* The partial list's head p, off the list, made the class's current
 * span (it stays listed).  p->next is left stale: only spans on the list
 * are read by it. */
static inline __attribute__((always_inline)) void rta__partial_pop_current(struct rta__class_cache *cc,
                                                                           struct rta__span *p)
{
    struct rta__span *next = p->next;
    cc->partial = next;
    if (next)
        next->prev = NULL;
    cc->current = p;
}

static inline __attribute__((always_inline)) void *rta__refill_partial(struct rta__class_cache *cc)
{
    struct rta__span *s = cc->current, *p = cc->partial;
    if (p == NULL || RTA__LOAD(s->bump) < s->nblocks) /* (so never rta__no_span) */
        return NULL;
    s->used |= RTA__UNLISTED; /* full: off the lists until a free */
    rta__partial_pop_current(cc, p);
    void *b = p->free;
    p->free = *(void **)b;
    p->used++;
    return b;
}

static inline __attribute__((always_inline)) void rta__partial_push(struct rta__class_cache *cc,
                                                                    struct rta__span *s)
{
    struct rta__span *top = cc->partial;
    s->prev = NULL;
    s->next = top;
    if (top)
        top->prev = s;
    cc->partial = s;
    s->used &= ~RTA__UNLISTED;
}

/* A full span (off the lists) had a block freed by its owner, and has
 * live blocks still.  When the current span is full too (no free block,
 * nothing left to carve), this one takes its place, so
 * the next allocation pops the block just freed instead of refilling:
 * steady churn frees into full spans and allocates again at once; the
 * old current span, every block of it live, leaves the lists as a full
 * span does.  Otherwise it joins the partial list. */
static inline __attribute__((always_inline)) void rta__relist_full(struct rta__class_cache *cc,
                                                                   struct rta__span *s)
{
    /* (Read anew: so the caller's test of the current span stays one
     * compare with memory.) */
    struct rta__span *cur = *(struct rta__span *volatile *)&cc->current;
    /* (A parked current span may have been stolen: not ours to read.) */
    if (!atomic_load_explicit(&cc->parked, memory_order_relaxed) && cur->free == NULL &&
        RTA__LOAD(cur->bump) >= cur->nblocks) {
        cur->used |= RTA__UNLISTED; /* (never rta__no_span: not used up) */
        cc->current = s;
        s->used &= ~RTA__UNLISTED;
    } else {
        rta__partial_push(cc, s);
    }
}

/* Statistics of one allocation by the owner: its own counters only, no
 * read-modify-write; the peaks are checked here so that they are exact
 * while one thread allocates and frees its own blocks.  The class's live
 * count is allocations minus this thread's frees of the class: a lower
 * bound of the class's true live count while no other thread frees this
 * thread's blocks (when one does, remote_seen discards the peak).  It is
 * kept as the headroom below the peak, so an allocation is one subtract
 * and one sign test per figure; a new peak, rare, takes the headroom's
 * deficit into the peak.  The headroom is zeroed before the peak rises:
 * a reader (stats.c, which reads the peak first) may then miss this
 * allocation, never count one too many. */
static inline __attribute__((always_inline)) void rta__count_alloc(struct rta__cache *c,
                                                                   struct rta__class_cache *cc)
{
    RTA__SUB_OR_GOTO(cc->headroom, 1, class_peak);
class_counted:
    RTA__SUB_OR_GOTO(c->bytes_headroom, cc->size, bytes_peak);
    return;
class_peak:
    RTA__OWN_STORE(cc->headroom, 0);
    atomic_store_explicit(&cc->owned_peak, RTA__OWN_LOAD(cc->owned_peak) + 1, memory_order_release);
    goto class_counted;
bytes_peak:;
    uint64_t deficit = -RTA__OWN_LOAD(c->bytes_headroom);
    RTA__OWN_STORE(c->bytes_headroom, 0);
    RTA__OWN_STORE(c->owned_peak_bytes, RTA__OWN_LOAD(c->owned_peak_bytes) + deficit);
}

/* Statistics of one free by the calling thread, of its own block or
 * another's, in its class cache cc: the headroom rises before
 * the free count does, so a reader that derives the allocations from
 * both never counts one too many. */
static inline __attribute__((always_inline)) void rta__count_free(struct rta__class_cache *cc)
{
#if defined(__x86_64__) && !defined(RTA__TSAN)
    RTA__ADD(cc->headroom, 1); /* x86-64: stores are seen in order */
    RTA__ADD(cc->frees, 1);
#else
    RTA__BUMP(cc->headroom, 1);
    atomic_store_explicit(&cc->frees, RTA__LOAD(cc->frees) + 1, memory_order_release);
#endif
}

static inline __attribute__((always_inline)) void *
rta__pool_alloc(struct rta_heap *h, struct rta__cache *c, unsigned cls)
{
    struct rta__class_cache *cc = &c->cls[cls];
    void *b = RTA__OWN_PARKED(cc) ? NULL : rta__span_take(cc->current);
    if (RTA__UNLIKELY(b == NULL)) {
        b = rta__pool_refill(h, c, cls);
        if (!b)
            return NULL;
    }
    rta__count_alloc(c, cc);
    return b;
}

/* A free by the thread holding the span's cache. */
static inline __attribute__((always_inline)) void rta__pool_free_local(struct rta_heap *h,
                                                                       struct rta__cache *c,
                                                                       struct rta__span *s,
                                                                       unsigned cls, void *p)
{
    struct rta__class_cache *cc = &c->cls[cls];
    *(void **)p = s->free;
    s->free = p;
    rta__count_free(cc);
    RTA__ADD(c->bytes_headroom, h->class_size[cls]);
    /* The span emptied, or a full span (neither current nor partial) has
     * a free block again. */
    RTA__DEC_OR_GOTO(s->used, emptied_or_was_full);
    return;
emptied_or_was_full:
    rta__pool_free_slow(h, c, s, cls);
}

/* The free that empties the class's current span parks it in place (see
 * pool.c): from now on any thread may steal it. */
static inline __attribute__((always_inline)) void rta__park_current(struct rta__class_cache *cc,
                                                                    struct rta__span *s)
{
    atomic_store_explicit(&s->park, (uintptr_t)cc, memory_order_release);
    atomic_store_explicit(&cc->parked, s, memory_order_release);
}

#endif /* RTA_INTERNAL_H */
