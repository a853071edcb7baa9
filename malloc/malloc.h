/* Internal interface of librtalloc_malloc, shared by its source files.
 *
 * The library makes rta_process_heap() the process's allocator.  Every
 * request goes to the pools when the heap is ready, the size (and
 * alignment) fit max_block, and the thread has not just missed; anything
 * else takes the system path: glibc's own __libc_* entry points, which
 * work from the process's first call and need no look-up.  A pointer is
 * the pools' if it lies in the pools' address range (one subtraction and
 * one compare), so frees of system-path blocks, and of blocks allocated
 * before the library took over, go back to glibc unchanged.
 *
 * The range is copied out of the heap once, by start.c; nothing else here
 * depends on librtalloc's internal layout. */
#ifndef RTA_MALLOC_INTERNAL_H
#define RTA_MALLOC_INTERNAL_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "rtalloc.h"

#define RTA__MALLOC_EXPORT __attribute__((visibility("default")))
#define RTA__MHIDDEN __attribute__((visibility("hidden")))
#define RTA__M_LIKELY(x) __builtin_expect(!!(x), 1)
#define RTA__M_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* After a pool miss (every cache taken, or the pools exhausted) the thread
 * sends this many requests straight to the system path before it tries the
 * pools again, so a miss's cost (a scan of the caches) is paid rarely. */
#define RTA__MALLOC_SKIP_AFTER_MISS 64u

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

/* Written once by start.c before `heap` is published (release); read with
 * relaxed loads after an acquire load of `heap`. */
struct rta__malloc_state {
    rta_heap *_Atomic heap; /* NULL until the process heap is ready */
    uintptr_t pool_base;    /* [pool_base, pool_base + pool_len): pools */
    uintptr_t pool_len;
    size_t max_block;
    size_t page;
    int rt_mode;  /* RTA__RT_OFF / COUNT / TRAP (src/internal.h) */
    int rt_given; /* rt= was in RTALLOC_OPTIONS */
};
extern struct rta__malloc_state rta__malloc RTA__MHIDDEN;
extern __thread unsigned rta__malloc_skip
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

static inline int rta__malloc_ours(const void *p)
{
    return (uintptr_t)p - rta__malloc.pool_base < rta__malloc.pool_len;
}

/* The heap, if this request may go to the pools. */
static inline rta_heap *rta__malloc_pool_for(size_t size)
{
    rta_heap *h = __atomic_load_n(&rta__malloc.heap, __ATOMIC_ACQUIRE);
    if (RTA__M_UNLIKELY(h == NULL) || size > rta__malloc.max_block)
        return NULL;
    if (RTA__M_UNLIKELY(rta__malloc_skip != 0)) {
        rta__malloc_skip--;
        return NULL;
    }
    return h;
}

/* ---- start.c ---- */
void rta__malloc_start(void) RTA__MHIDDEN;
size_t rta__malloc_system_usable_size(void *p) RTA__MHIDDEN;
/* A pool request returned NULL: from now on skip the pools for a while. */
void rta__malloc_missed(void) RTA__MHIDDEN;

/* ---- rt.c: system-path calls, and those in RT sections ---- */
/* Called on every system-path call (name: the entry point, size: the
 * request): counts it, and inside an RT section counts or traps. */
void rta__malloc_system_call(const char *name, size_t size) RTA__MHIDDEN;
/* At exit: the rt=count line; with stats=, the system path's counts. */
void rta__malloc_report(const char *stats) RTA__MHIDDEN;

/* ---- entry.c: the C entry points, for cxx.c ---- */
void *rta__malloc_alloc(size_t size) RTA__MHIDDEN;
void *rta__malloc_aligned(size_t align, size_t size) RTA__MHIDDEN;
void rta__malloc_free(void *p) RTA__MHIDDEN;

#endif /* RTA_MALLOC_INTERNAL_H */
