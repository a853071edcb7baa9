/* The allocators under test, behind one inline interface.
 *
 * "system" is whatever malloc the process has: glibc, or the peer the
 * driver put in front of it with LD_PRELOAD (jemalloc, mimalloc,
 * tcmalloc), each in its own process.  "rtalloc" is the library's pools
 * through its public API; "rtalloc-arena" is its frame arena, where
 * allocation is a bump and the frame's end is one rta_arena_reset.  The
 * calls are inline and switch on a kind that never changes during a run,
 * so the adapter adds a predictable branch, nothing more. */
#ifndef RTABENCH_ALLOC_H
#define RTABENCH_ALLOC_H

#include <stddef.h>
#include <stdlib.h>

#include <rtalloc.h>

typedef enum rb_kind { RB_SYSTEM, RB_RTA_POOLS, RB_RTA_ARENA } rb_kind;

typedef struct rb_allocator {
    rb_kind kind;
    rta_heap *heap;   /* rtalloc kinds */
    rta_arena *arena; /* RB_RTA_ARENA */
} rb_allocator;

/* Makes the heap for the rtalloc kinds (sized so every workload fits:
 * 64 MiB of pools, blocks up to 64 KiB, a 4 MiB frame arena) and claims
 * the calling thread's cache.  0, or -1 after a message on stderr. */
int rb_allocator_open(rb_allocator *a, rb_kind kind);
/* Checks the heap saw no failure, fallback or bad free; -1 and a message
 * otherwise.  Then destroys it. */
int rb_allocator_close(rb_allocator *a);
/* Claims a thread cache for a helper thread (rtalloc kinds). */
void rb_allocator_attach_thread(rb_allocator *a);
void rb_allocator_detach_thread(rb_allocator *a);

static inline void *rb_alloc(rb_allocator *a, size_t size)
{
    switch (a->kind) {
    case RB_RTA_POOLS:
        return rta_malloc(a->heap, size);
    case RB_RTA_ARENA:
        return rta_arena_alloc(a->arena, size, 0);
    default:
        return malloc(size);
    }
}

/* No-op for the arena: its blocks go at the frame's end. */
static inline void rb_free(rb_allocator *a, void *p)
{
    switch (a->kind) {
    case RB_RTA_POOLS:
        rta_free(a->heap, p);
        break;
    case RB_RTA_ARENA:
        break;
    default:
        free(p);
    }
}

static inline int rb_frees_at_frame_end(const rb_allocator *a)
{
    return a->kind == RB_RTA_ARENA;
}

static inline void rb_frame_end(rb_allocator *a)
{
    if (a->kind == RB_RTA_ARENA)
        rta_arena_reset(a->arena);
}

/* General-purpose allocation of the same allocator, for threads that do
 * not own the frame (the noisy neighbour, the cross-thread producer):
 * the arena's neighbour uses the pools of the same heap. */
static inline void *rb_alloc_general(rb_allocator *a, size_t size)
{
    return a->kind == RB_SYSTEM ? malloc(size) : rta_malloc(a->heap, size);
}

static inline void rb_free_general(rb_allocator *a, void *p)
{
    if (a->kind == RB_SYSTEM)
        free(p);
    else
        rta_free(a->heap, p);
}

#endif
