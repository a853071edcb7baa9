/* icount_stats: instructions per rta_stats_get on a heap of 44 classes
 * (max_block 64 KiB) where one thread holds 64 blocks in 20 of them, for
 * a given max_threads.  The reads run with callgrind's collection on
 * (run under --collect-atstart=no):
 *
 *   for t in 1 4 64; do
 *     valgrind --tool=callgrind --collect-atstart=no \
 *       --callgrind-out-file=cg.$t bench/icount_stats $t
 *   done   # then: totals in cg.$t / 10000
 *
 * A read visits the classes that have held a span and the caches a
 * thread has claimed (src/stats.c): the cost must not grow with
 * max_threads, nor with classes the program never uses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "rtalloc.h"

enum { READS = 10000, BLOCKS = 64 };

int main(int argc, char **argv)
{
    static rta_stats st;
    rta_config cfg;
    rta_heap *h;
    void *p[BLOCKS];
    size_t sum = 0;
    int err;

    if (argc != 2 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: icount_stats MAX_THREADS\n");
        return 2;
    }
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 4u << 20;
    cfg.max_block = 65536;
    cfg.max_threads = (unsigned)atoi(argv[1]);
    if ((err = rta_heap_create(&h, &cfg)) != RTA_OK) {
        fprintf(stderr, "icount_stats: rta_heap_create: %s\n", rta_strerror(err));
        return 1;
    }
    for (int i = 0; i < BLOCKS; i++)
        p[i] = rta_malloc(h, 16 + (size_t)i * 37); /* 16 .. 2347 B: 20 classes */
    rta_stats_get(h, &st); /* warm */
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < READS; i++) {
        rta_stats_get(h, &st);
        sum += st.bytes_live;
    }
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < BLOCKS; i++)
        rta_free(h, p[i]);
    printf("icount_stats: %d reads, max_threads %u, %u classes, bytes_live %zu\n", READS,
           cfg.max_threads, st.n_classes, sum / READS);
    rta_heap_destroy(h);
    return 0;
}
