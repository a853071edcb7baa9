/* rtalloc: memory allocation that is safe inside real-time loops.
 *
 * All memory a heap will ever hand out is reserved, touched and (on
 * request) locked when the heap is created.  After that no call on the
 * heap makes a system call, takes a lock or touches a page for the first
 * time.  Two allocators share that memory:
 *
 *   pools  - size classes from 16 B to max_block; each thread allocates
 *            from its own cache, frees from any thread go home lock-free.
 *   arenas - bump allocation from a fixed slice, dropped at once by
 *            rta_arena_reset (one per audio cycle or game frame).
 *
 * Each function says whether it is real-time safe ("RT-safe": no system
 * call, no lock, no page fault, bounded steps), who may call it, what it
 * costs and how it fails.  "Steps" are loop iterations of the allocator;
 * every bound below is a constant of the heap, never a function of how
 * many blocks are live or how many threads run.
 */
#ifndef RTALLOC_H
#define RTALLOC_H

#include <stddef.h>
#include <stdint.h>

#define RTA_VERSION_MAJOR 0
#define RTA_VERSION_MINOR 1
#define RTA_VERSION_PATCH 0
#define RTA_VERSION_STRING "0.1.0"

#if defined(RTA_BUILDING_LIBRARY) && defined(__GNUC__)
#define RTA_API __attribute__((visibility("default")))
#else
#define RTA_API
#endif

#if defined(__GNUC__)
#define RTA_MALLOC_ATTR(...) __attribute__((malloc, warn_unused_result, __VA_ARGS__))
#define RTA_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define RTA_MALLOC_ATTR(...)
#define RTA_WARN_UNUSED
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rta_heap rta_heap;
typedef struct rta_arena rta_arena;

/* ---- flags and error codes --------------------------------------------- */

enum {
    RTA_LOCK_MEMORY = 1u << 0,     /* mlock the region; create fails if it can't */
    RTA_NO_PREFAULT = 1u << 1,     /* skip touching every page at create */
    RTA_FALLBACK_SYSTEM = 1u << 2, /* on pool miss, use malloc (counted) */
    RTA_DEBUG = 1u << 3,           /* trap misses, poison, detect bad frees */
    RTA_PROFILE = 1u << 4          /* exact peaks whichever thread frees, for
                                      rtalloc-plan; slower (see statistics) */
};

enum {
    RTA_OK = 0,
    RTA_ERR_CONFIG = -1,           /* zero or inconsistent size in the config */
    RTA_ERR_REGION_TOO_SMALL = -2, /* memory_bytes too small for pools + arena */
    RTA_ERR_MAX_BLOCK = -3,        /* max_block above what the pools can hold */
    RTA_ERR_LOCK = -4,             /* mlock refused (RLIMIT_MEMLOCK) */
    RTA_ERR_MAP = -5,              /* mmap of the region failed */
    RTA_ERR_INVAL = -6,            /* NULL heap or output pointer */
    RTA_ERR_NO_CACHE = -7,         /* every thread cache is taken */
    RTA_ERR_RESERVE = -8           /* too little free reserve left for an arena */
};

/* Trap kinds: distinct integers from 0 to 15. */
enum {
    RTA_TRAP_FALLBACK = 0,       /* a miss was served by the system heap */
    RTA_TRAP_EXHAUSTED = 1,      /* a miss returned NULL */
    RTA_TRAP_DOUBLE_FREE = 2,    /* free of a block that is already free */
    RTA_TRAP_FOREIGN_FREE = 3,   /* free of a pointer this heap never handed out */
    RTA_TRAP_INTERIOR_FREE = 4,  /* free of a pointer inside a block */
    RTA_TRAP_ARENA_OVERFLOW = 5, /* an arena allocation did not fit */
    RTA_TRAP_SIZE_MISMATCH = 6,  /* rta_free_sized with a size of another class */
    RTA_TRAP_LEAK = 7            /* rta_heap_destroy found live blocks */
};

typedef struct rta_trap_info {
    int kind;        /* RTA_TRAP_* */
    size_t size;     /* request size, where there is one */
    const void *ptr; /* pointer concerned, where there is one */
} rta_trap_info;
typedef void (*rta_trap_fn)(const rta_trap_info *info, void *user);

typedef struct rta_config {
    size_t pool_bytes;    /* bytes for the size-class pools */
    size_t arena_bytes;   /* bytes of the heap's frame arena (0: none) */
    size_t max_block;     /* largest pooled size; larger = miss */
    unsigned max_threads; /* thread caches that can exist at once */
    unsigned flags;       /* RTA_* flags above */
    void *memory;         /* caller-owned region to carve all from */
    size_t memory_bytes;  /* (embedded, no mmap); NULL: map our own */
    rta_trap_fn on_trap;  /* NULL: write a report to stderr, abort() */
    void *trap_user;
    /* Capacity (doc/CAPACITY.md): when the reserve's free spans fall
     * below this many bytes, rta_low_water() says so.  0: no signal. */
    size_t low_water_bytes;
} rta_config;

#define RTA_MAX_CLASSES 64
/* Per thread, caches in at most this many heaps at once. */
#define RTA_MAX_HEAPS_PER_THREAD 8

/* ---- set-up (not RT-safe) ------------------------------------------------ */

/* "MAJOR.MINOR.PATCH" of the library linked.  Any thread, O(1). */
RTA_API const char *rta_version(void);

/* Fills cfg with defaults: 16 MiB of pools, a 1 MiB frame arena, blocks
 * up to 64 KiB, 16 thread caches, flags 0 (RTA_DEBUG when the library was
 * configured with --enable-debug).  Any thread, O(1). */
RTA_API void rta_config_defaults(rta_config *cfg);

/* Reserves all memory (mmap, or carved from cfg->memory), touches every
 * page unless RTA_NO_PREFAULT, mlocks it with RTA_LOCK_MEMORY.  Returns 0
 * and *out, or a negative RTA_ERR_* and leaves nothing behind.  Not
 * RT-safe: system calls, O(size of the region). */
RTA_API int rta_heap_create(rta_heap **out, const rta_config *cfg) RTA_WARN_UNUSED;

/* Gives the region back (munmap; caller memory is left to the caller).
 * With RTA_DEBUG and live blocks: a summary per class on stderr, then one
 * RTA_TRAP_LEAK (size: the live bytes; the default handler aborts).  No
 * other thread may use the heap during or after the call.  Not RT-safe.
 * NULL is a no-op. */
RTA_API void rta_heap_destroy(rta_heap *h);

/* Words for an RTA_ERR_* code, naming what to change.  Any thread. */
RTA_API const char *rta_strerror(int err);

/* Words for an RTA_TRAP_* kind ("fallback", "double free", ...). */
RTA_API const char *rta_trap_name(int kind);

/* Claims a thread cache for the calling thread now, so its first
 * allocation does not.  0, or RTA_ERR_NO_CACHE when all max_threads caches
 * are taken (or the thread already holds caches in
 * RTA_MAX_HEAPS_PER_THREAD heaps), RTA_ERR_INVAL for NULL.  Frees never
 * hold a cache, so they never make a claim fail.  Cost: at most
 * max_threads compare-and-swaps, plus the wait for a reclaim pass when it
 * borrows the only free caches (see the pools' bounds).  RT-safe, but
 * better done at set-up. */
RTA_API int rta_thread_attach(rta_heap *h);

/* Gives the calling thread's cache back.  Its blocks stay valid; any
 * thread may free them, and the next thread to claim the cache owns them.
 * A thread that exits does this by itself.  O(classes), RT-safe. */
RTA_API void rta_thread_detach(rta_heap *h);

/* ---- pools (RT-safe) -----------------------------------------------------
 *
 * Bounds.  Owner thread, cache hit: rta_malloc pops the current span's
 * free list, rta_free and rta_free_sized push onto the block's span list
 * after checking the pointer against the span descriptors; a fixed run of
 * loads, stores and branches (on x86-64 26 instructions to allocate and
 * 33 to free, doc/PERFORMANCE.md), no atomic read-modify-write: wait-free.
 * When the class's current span emptied and was parked, the next
 * allocation takes it back with one uncontended compare-and-swap.  A miss
 * (the current span's list is empty) does at most, once each: link up to
 * 16 never-used
 * blocks of the span; take the head of the partial list; two atomic
 * exchanges to take the frees other threads sent home; one
 * compare-and-swap loop to take a span from the shared reserve; and only
 * when the reserve is empty, one reclaim pass (at most 64 collections of
 * two exchanges each, in this cache and in caches no thread holds, each
 * borrowed with one compare-and-swap; one compare-and-swap on each parked
 * span a cache names, stale names included: at most max_threads * classes
 * loads, over the classes that have held a span in the caches ever claimed),
 * then a second look at its own lists and, when the pass gave a span
 * back, a second try at the reserve.
 * No miss reads another thread's counters.  Aligned allocation adds at
 * most 4 size-class probes.  The free that empties a span parks it when
 * it is the current span (two stores), else gives it to the reserve
 * (one compare-and-swap loop); the free that makes a full span partial
 * (or current, when the current one is full) adds a few stores.  A free
 * from another thread, or of a block whose cache no thread holds: one
 * compare-and-swap loop, plus one more when it is the first remote free
 * of that span since the owner looked; a free never takes a cache.  Claiming a cache (rta_thread_attach, or a
 * thread's first allocation): one pass over max_threads caches with a
 * compare-and-swap on a free one; when the only free caches are borrowed
 * by another thread's reclaim pass, it waits for that pass (at most its 64
 * collections) and looks again.
 *
 * Progress: the owner's fast paths are wait-free; every compare-and-swap
 * loop is lock-free.  On x86-64, and on AArch64 with LSE atomics, a loop
 * retries only when another thread's operation succeeded.  Where
 * compare-and-swap is built from load-linked/store-conditional (ARMv7,
 * AArch64 without LSE, POWER) a retry may also be spurious, so a loop's
 * retries are not bounded by the number of competing threads there; the
 * single compare-and-swaps whose failure means "someone else has it"
 * (parking, borrowing, claiming) are strong and never fail spuriously.
 *
 * Failure: NULL with errno = ENOMEM (EINVAL for a bad alignment); nothing
 * else changes; the failure is counted.  With RTA_FALLBACK_SYSTEM a miss is
 * served by malloc instead (not RT-safe, counted); with RTA_DEBUG every
 * miss traps.  Every pointer is 16-byte aligned; blocks of power-of-two
 * classes up to 4096 are aligned to their size. */

RTA_API void *rta_malloc(rta_heap *h, size_t size) RTA_MALLOC_ATTR(alloc_size(2));
RTA_API void *rta_calloc(rta_heap *h, size_t n, size_t size)
    RTA_MALLOC_ATTR(alloc_size(2, 3)); /* n*size overflow -> NULL */
/* Same class: same pointer, O(1).  Otherwise allocate, copy, free; on
 * failure NULL and p untouched.  rta_realloc(h, p, 0) frees p and returns
 * what rta_malloc(h, 0) does; rta_realloc(h, NULL, n) is rta_malloc. */
RTA_API void *rta_realloc(rta_heap *h, void *p, size_t size) RTA_WARN_UNUSED;
/* align: a power of two up to 4096 (bigger: as far as max_block allows);
 * anything else: NULL, EINVAL. */
RTA_API void *rta_aligned_alloc(rta_heap *h, size_t align, size_t size)
    RTA_MALLOC_ATTR(alloc_size(3));
/* NULL is a no-op.  Any thread.  A pointer this heap did not hand out is
 * counted as a bad free and ignored (trap with RTA_DEBUG); a double free
 * or an interior pointer traps with RTA_DEBUG. */
RTA_API void rta_free(rta_heap *h, void *p);
/* As rta_free; with RTA_DEBUG a size of another class traps.  A block of
 * rta_aligned_alloc may sit in a larger class than its size: free it with
 * rta_free, or pass rta_usable_size. */
RTA_API void rta_free_sized(rta_heap *h, void *p, size_t size);
/* Usable bytes of a block (its class size), 0 for a pointer not ours.
 * O(1), any thread. */
RTA_API size_t rta_usable_size(const rta_heap *h, const void *p);
/* 1 if p points into a block of this heap's pools (arena memory: 0). */
RTA_API int rta_owns(const rta_heap *h, const void *p);

/* ---- arenas (RT-safe except rta_arena_create) ---------------------------- */

/* The heap's frame arena (config arena_bytes), or NULL when there is none. */
RTA_API rta_arena *rta_heap_arena(rta_heap *h);
/* Carves a new arena of at least `bytes` from the pools' reserve (whole
 * spans, never-used ones only).  Set-up only: not RT-safe by contract,
 * though it is O(1) and lock-free.  RTA_ERR_CONFIG for 0 bytes, RTA_ERR_RESERVE when
 * the reserve has too little contiguous free memory, RTA_ERR_INVAL for
 * NULL.  The arena lives until the heap is destroyed. */
RTA_API int rta_arena_create(rta_heap *h, size_t bytes, rta_arena **out) RTA_WARN_UNUSED;
/* Bump allocation, any thread, lock-free (one compare-and-swap loop).
 * align 0 means 16; not a power of two: NULL, EINVAL.  Does not fit: NULL,
 * ENOMEM, an overflow is counted (RTA_TRAP_ARENA_OVERFLOW with RTA_DEBUG);
 * never falls back to the system heap. */
RTA_API void *rta_arena_alloc(rta_arena *a, size_t size, size_t align)
    RTA_MALLOC_ATTR(alloc_size(2));
/* Drops everything: O(1) (one store; RTA_DEBUG poisons the dropped bytes,
 * O(bytes dropped)).  The thread that owns the frame only, with no
 * rta_arena_alloc running concurrently. */
RTA_API void rta_arena_reset(rta_arena *a);
/* Current position, for rta_arena_rewind.  O(1). */
RTA_API size_t rta_arena_mark(const rta_arena *a);
/* Drops everything allocated after mark (a mark taken since the last
 * reset).  O(1) (debug: poisons).  Owner thread only. */
RTA_API void rta_arena_rewind(rta_arena *a, size_t mark);
RTA_API size_t rta_arena_used(const rta_arena *a);
RTA_API size_t rta_arena_capacity(const rta_arena *a);

/* ---- real-time sections (RT-safe: a thread-local update) ----------------- */

RTA_API void rta_rt_enter(void); /* nestable, per thread */
RTA_API void rta_rt_leave(void); /* unbalanced leave is ignored */
RTA_API int rta_rt_active(void); /* 1 inside a section on this thread */
/* System-heap calls the guard library saw in RT sections on this thread
 * since it started; 0 without the guard. */
RTA_API uint64_t rta_rt_system_allocs(void);
/* For librtalloc_guard: if the calling thread is in an RT section (and not
 * inside rtalloc's own fallback), count one system-heap call and return
 * the new count; otherwise return 0 and count nothing. */
RTA_API uint64_t rta_rt_note_system_alloc(void);

/* ---- statistics (any thread, lock-free, any time) ------------------------
 *
 * Counters are summed from per-thread counters when read: they may lag by
 * the operations in flight on other threads, never more (a read sums
 * every thread's allocations first, then every thread's frees, so a free
 * is never counted without its allocation).  Peaks are exact while one
 * thread allocates and frees its own blocks; otherwise they are a lower
 * bound: the highest of each thread's own peak (from threads whose blocks
 * no other thread freed) and every live figure a read saw.  With RTA_PROFILE
 * every peak is exact (see "capacity you can prove" below). */

typedef struct rta_class_stats {
    size_t block_size;
    size_t live, peak, capacity; /* in blocks; capacity is what the class
                                    holds now, so after its spans went back
                                    to the reserve peak may exceed it */
} rta_class_stats;

typedef struct rta_arena_stats {
    size_t used, peak, capacity; /* in bytes */
    uint64_t resets, overflows;
} rta_arena_stats;

typedef struct rta_stats {
    size_t bytes_reserved;         /* all memory the heap holds */
    size_t bytes_live, bytes_peak; /* handed out by the pools (block sizes) */
    uint64_t allocs, frees;        /* successful pool calls */
    uint64_t failures;             /* NULL returned */
    uint64_t fallbacks;            /* served by the system heap */
    uint64_t remote_frees;         /* freed by a thread not the owner */
    uint64_t bad_frees;            /* foreign, interior or double frees seen */
    int memory_locked;             /* 1 if mlock succeeded */
    unsigned n_classes;
    rta_class_stats classes[RTA_MAX_CLASSES];
    rta_arena_stats frame_arena; /* zeros when there is none */
    /* fields below may grow */
    size_t pool_bytes_free;    /* reserve not held by any class or arena */
    unsigned threads_attached; /* caches claimed now */
    /* Capacity (doc/CAPACITY.md). */
    unsigned threads_peak; /* most caches claimed at once */
    int profile;           /* 1: RTA_PROFILE, every peak above is exact */
    size_t span_bytes;     /* the unit the pools take from the reserve */
    size_t spans_peak;     /* most spans out of the reserve at once
                              (RTA_PROFILE or low_water_bytes; else 0) */
    size_t arena_pool_bytes; /* reserve carved by rta_arena_create */
} rta_stats;

/* No lock, no system call.  Loads: the counters of each class that has
 * ever held a span, in each cache a thread has ever claimed (at most
 * max_threads * classes), plus one store per class of the heap. */
RTA_API void rta_stats_get(const rta_heap *h, rta_stats *out);
RTA_API void rta_arena_stats_get(const rta_arena *a, rta_arena_stats *out);
/* Human-readable report to fd with write(2) from a stack buffer (no
 * malloc, no stdio).  0, or -1 with errno on a write error.  Not RT-safe
 * (it writes to a file). */
RTA_API int rta_stats_write(const rta_heap *h, int fd);

/* ---- capacity you can prove (doc/CAPACITY.md) ----------------------------
 *
 * RTA_PROFILE makes every peak of rta_stats exact, whichever thread frees:
 * a block is live from the start of the call that allocates it to the end
 * of the call that frees it, and each class, the pools (bytes) and every
 * arena keep the highest such count they ever had.  It costs one atomic
 * add on a shared counter per allocation and per free, a compare-and-swap
 * when a peak rises, and the owner fast paths are off (every call takes
 * the checked path): for a profiling run, not for the show.
 *
 * rtalloc-plan turns profiles into a configuration that cannot fail:
 * with cfg.max_threads = N caches, a class k of peak P_k live blocks and
 * B_k blocks per span holds at most N * ceil(P_k / B_k) spans at any time
 * (each cache takes a span only when every block of its spans of the class
 * is live, and emptied spans are parked only as the cache's current span,
 * which is one of them); spans given back by other threads are in flight
 * for at most N - 1 of them at once.  So
 *
 *   pool_bytes = span_bytes * (N * sum_k ceil(P_k / B_k) + N - 1)
 *                + arena_pool_bytes
 *
 * serves every allocation while each class stays within its peak, the
 * frame arena within its peak, and at most N threads hold caches.  The
 * argument, step by step, is in doc/CAPACITY.md. */

/* Writes rta_stats as one JSON object: every field above by its name,
 * "classes" as an array of {block_size, live, peak, capacity}, "frame_arena"
 * as an object, plus "threads_peak", "profile" (true when the peaks are
 * exact), "max_block", "max_threads", "span_bytes", "spans_peak" and
 * "arena_pool_bytes".  The input of rtalloc-plan.  write(2) from a stack
 * buffer, no malloc.  0, or -1 with errno (EBADF, EIO, ..., EINVAL for a
 * NULL heap).  Not RT-safe (it writes to a file); any thread. */
RTA_API int rta_stats_write_json(const rta_heap *h, int fd);

/* The low-water signal: 1 when the reserve's free spans (never used, or
 * given back; parked spans count as used) are below cfg.low_water_bytes
 * now or fell below it since the previous call, else 0 (always 0 without
 * a threshold or for NULL).  Clears the "fell below" record.  Meant for a
 * non-real-time thread that polls (a host's UI or watchdog) to warn
 * before anything fails.  Any thread, RT-safe: one atomic exchange and a
 * few loads, no lock.  The record is kept by the refills that take spans
 * from the reserve (one atomic add each while a threshold is set). */
RTA_API int rta_low_water(rta_heap *h);

/* ---- the process heap (set-up on first call, then any thread, O(1)) ------
 *
 * One heap for the whole process, made on the first call (librtalloc_malloc
 * makes that call from its constructor) from the environment variable
 * RTALLOC_OPTIONS; the same pointer on every later call from every thread.
 * NULL if it cannot be made: then one line on stderr says why and every
 * later call returns NULL too.  The first call is not RT-safe (mmap,
 * prefault, mlock); the others are one atomic load.
 *
 * RTALLOC_OPTIONS: comma-separated key=value items; SIZE is a number of
 * bytes with an optional K, M or G suffix.  Keys and defaults, chosen for a
 * desktop audio or game process:
 *
 *   pool=SIZE       pool bytes                           default 32M
 *   arena=SIZE      frame arena bytes (0: none)          default 1M
 *   max_block=SIZE  largest pooled request               default 64K
 *   threads=N       thread caches at once (max_threads)  default 64
 *   lock=0|1        mlock the heap (RTA_LOCK_MEMORY)     default 0
 *   prefault=0|1    touch every page at creation         default 1
 *   debug=0|1       RTA_DEBUG checks of frees, poisoning default 0
 *   rt=off|count|trap  librtalloc_malloc: what a system-path call inside an
 *                   RT section does; count writes "rtalloc: N system-path
 *                   calls in RT sections" at exit (when N > 0, or always
 *                   when rt=count was given)               default count
 *   stats=stderr|PATH  rta_stats_write's report at exit  default none
 *                   (PATH ending in .json: rta_stats_write_json's)
 *   profile=0|1     RTA_PROFILE: exact peaks, for rtalloc-plan  default 0
 *
 * An unknown key or a bad value: one line on stderr naming the item, and
 * the default is kept for it.  In the process heap a miss never traps (the
 * malloc library serves it from the system path); with debug=1 bad frees
 * still trap and abort with a report. */
RTA_API rta_heap *rta_process_heap(void);

#ifdef __cplusplus
}
#endif

#endif /* RTALLOC_H */
