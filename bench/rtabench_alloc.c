/* Set-up and tear-down of the allocators under test; see rtabench_alloc.h.
 *
 * The heap is made before any measurement (rta_heap_create touches every
 * page), and closing it checks rtalloc's own counters: a run in which the
 * pools failed, fell back or saw a bad free would not measure what it
 * claims, so it is reported as an error, not as a figure. */
#include "config.h"

#include "rtabench_alloc.h"

#include <stdio.h>

#define RB_POOL_BYTES (64u << 20)
#define RB_ARENA_BYTES (4u << 20)
#define RB_MAX_BLOCK (64u << 10)

int rb_allocator_open(rb_allocator *a, rb_kind kind)
{
    a->kind = kind;
    a->heap = NULL;
    a->arena = NULL;
    if (kind == RB_SYSTEM)
        return 0;

    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = RB_POOL_BYTES;
    cfg.arena_bytes = RB_ARENA_BYTES;
    cfg.max_block = RB_MAX_BLOCK;
    cfg.max_threads = 8;
    cfg.flags = 0; /* measure the release configuration, never RTA_DEBUG */
    int err = rta_heap_create(&a->heap, &cfg);
    if (err != RTA_OK) {
        fprintf(stderr, "rtabench: rta_heap_create: %s\n", rta_strerror(err));
        return -1;
    }
    if (kind == RB_RTA_ARENA) {
        a->arena = rta_heap_arena(a->heap);
        if (!a->arena) {
            fprintf(stderr, "rtabench: the heap has no frame arena\n");
            rta_heap_destroy(a->heap);
            return -1;
        }
    }
    rb_allocator_attach_thread(a);
    return 0;
}

void rb_allocator_attach_thread(rb_allocator *a)
{
    if (a->heap && rta_thread_attach(a->heap) != RTA_OK)
        fprintf(stderr, "rtabench: rta_thread_attach failed; first allocation will claim\n");
}

void rb_allocator_detach_thread(rb_allocator *a)
{
    if (a->heap)
        rta_thread_detach(a->heap);
}

int rb_allocator_close(rb_allocator *a)
{
    int rc = 0;
    if (!a->heap)
        return 0;
    rta_stats st;
    rta_stats_get(a->heap, &st);
    if (st.failures || st.fallbacks || st.bad_frees) {
        fprintf(stderr,
                "rtabench: rtalloc heap saw %llu failures, %llu fallbacks, %llu bad frees:"
                " the run does not measure the pools alone\n",
                (unsigned long long)st.failures, (unsigned long long)st.fallbacks,
                (unsigned long long)st.bad_frees);
        rc = -1;
    }
    if (a->arena) {
        rta_arena_stats as;
        rta_arena_stats_get(a->arena, &as);
        if (as.overflows) {
            fprintf(stderr, "rtabench: the frame arena overflowed %llu times\n",
                    (unsigned long long)as.overflows);
            rc = -1;
        }
    }
    rta_heap_destroy(a->heap);
    a->heap = NULL;
    return rc;
}
