/* pool_stats: the pools at work, in one screen.
 *
 * Creates a heap (all memory reserved and touched up front), allocates
 * blocks of every size class from two threads, frees some of each
 * thread's blocks from the other (cross-thread frees go home lock-free),
 * prints the heap's statistics with rta_stats_write, frees the rest and
 * checks that nothing is left live.  Exits 0 when every call behaved.
 *
 * Build: cc pool_stats.c $(pkg-config --cflags --libs rtalloc) -pthread
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rtalloc.h"

#define PER_CLASS 3
#define MAX_BLOCKS (RTA_MAX_CLASSES * PER_CLASS)

struct side {
    rta_heap *heap;
    void *mine[MAX_BLOCKS]; /* allocated by this thread */
    size_t n_mine;
    void **to_free; /* the other thread's blocks to free here */
    size_t n_to_free;
    int failed;
};

/* PER_CLASS blocks of each class size, each filled with a byte. */
static void allocate_all_classes(struct side *s)
{
    rta_stats st;
    rta_stats_get(s->heap, &st);
    for (unsigned c = 0; c < st.n_classes; c++) {
        for (int k = 0; k < PER_CLASS; k++) {
            size_t size = st.classes[c].block_size;
            void *p = rta_malloc(s->heap, size);
            if (p == NULL) {
                s->failed = 1;
                return;
            }
            memset(p, (int)c, size);
            s->mine[s->n_mine++] = p;
        }
    }
}

static void *second_thread(void *arg)
{
    struct side *s = arg;
    /* Claim a cache now, so the first allocation does not (set-up). */
    if (rta_thread_attach(s->heap) != 0)
        s->failed = 1;
    allocate_all_classes(s);
    for (size_t i = 0; i < s->n_to_free; i++)
        rta_free(s->heap, s->to_free[i]); /* remote frees */
    return NULL;
}

int main(void)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.arena_bytes = 0; /* pools only: the default 16 MiB */
    rta_heap *heap;
    int err = rta_heap_create(&heap, &cfg);
    if (err != RTA_OK) {
        fprintf(stderr, "pool_stats: rta_heap_create: %s\n", rta_strerror(err));
        return 1;
    }
    printf("rtalloc %s: %zu KiB of pools, blocks of 16 B to %zu KiB\n", rta_version(),
           cfg.pool_bytes >> 10, cfg.max_block >> 10);

    static struct side main_side, other_side;
    main_side.heap = other_side.heap = heap;
    allocate_all_classes(&main_side);
    /* The second thread frees every other block of ours. */
    static void *for_other[MAX_BLOCKS];
    size_t n_for_other = 0, n_kept = 0;
    for (size_t i = 0; i < main_side.n_mine; i++) {
        if (i % 2)
            for_other[n_for_other++] = main_side.mine[i];
        else
            main_side.mine[n_kept++] = main_side.mine[i];
    }
    main_side.n_mine = n_kept;
    other_side.to_free = for_other;
    other_side.n_to_free = n_for_other;

    pthread_t t;
    if (pthread_create(&t, NULL, second_thread, &other_side) != 0) {
        fprintf(stderr, "pool_stats: pthread_create failed\n");
        return 1;
    }
    pthread_join(t, NULL);
    if (main_side.failed || other_side.failed) {
        fprintf(stderr, "pool_stats: an allocation failed\n");
        return 1;
    }

    printf("\nTwo threads allocated %d blocks of every class; each freed some of the\n"
           "other's.  The second thread has exited, its blocks are still live:\n\n",
           PER_CLASS);
    fflush(stdout);
    if (rta_stats_write(heap, STDOUT_FILENO) != 0) {
        perror("pool_stats: rta_stats_write");
        return 1;
    }

    /* Free the rest: ours here, the exited thread's from here too. */
    for (size_t i = 0; i < main_side.n_mine; i++)
        rta_free(heap, main_side.mine[i]);
    for (size_t i = 0; i < other_side.n_mine; i++)
        rta_free(heap, other_side.mine[i]);

    rta_stats st;
    rta_stats_get(heap, &st);
    printf("\nAfter freeing everything: %zu bytes live, %llu allocs, %llu frees "
           "(%llu from another thread), %llu failures\n",
           st.bytes_live, (unsigned long long)st.allocs, (unsigned long long)st.frees,
           (unsigned long long)st.remote_frees, (unsigned long long)st.failures);
    int ok = st.bytes_live == 0 && st.allocs == st.frees && st.failures == 0 &&
             st.remote_frees == n_for_other + other_side.n_mine;
    rta_heap_destroy(heap);
    if (!ok) {
        fprintf(stderr, "pool_stats: the statistics do not add up\n");
        return 1;
    }
    return 0;
}
