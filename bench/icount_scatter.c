/* icount_scatter: instructions per owner allocation when every allocation
 * is a refill that collects one remote free (issue 17, defect 3), for a
 * given max_threads.  The owner fills 512 spans with 64 B blocks, another
 * thread frees one block per span, and the owner then allocates 512
 * blocks with callgrind's collection on (run under --collect-atstart=no):
 *
 *   for t in 16 256 4096; do
 *     valgrind --tool=callgrind --collect-atstart=no \
 *       --callgrind-out-file=cg.$t bench/icount_scatter $t
 *   done   # then: totals in cg.$t / 512
 *
 * The cost must not depend on max_threads (it did: each such refill
 * sampled the class's live count by reading every cache). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "rtalloc.h"

enum { N = 512 * 1024, STRIDE = 1024 }; /* 1024 blocks of 64 B per span */
static void *blocks[N];
static rta_heap *heap;

static void *free_one_per_span(void *unused)
{
    (void)unused;
    if (rta_thread_attach(heap) != 0)
        return (void *)1;
    for (int i = 0; i < N; i += STRIDE)
        rta_free(heap, blocks[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.max_threads = argc > 1 ? (unsigned)atoi(argv[1]) : 16;
    cfg.pool_bytes = (size_t)64 << 20;
    cfg.arena_bytes = 0;
    cfg.flags = RTA_NO_PREFAULT;
    int rc = rta_heap_create(&heap, &cfg);
    if (rc) {
        fprintf(stderr, "icount_scatter: %s\n", rta_strerror(rc));
        return 1;
    }
    for (int i = 0; i < N; i++)
        if (!(blocks[i] = rta_malloc(heap, 64)))
            return 1;
    pthread_t t;
    void *failed;
    pthread_create(&t, NULL, free_one_per_span, NULL);
    pthread_join(t, &failed);
    if (failed)
        return 1;
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < N; i += STRIDE)
        blocks[i] = rta_malloc(heap, 64);
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < N; i++)
        rta_free(heap, blocks[i]);
    rta_heap_destroy(heap);
    printf("%d allocations measured\n", N / STRIDE);
    return 0;
}
