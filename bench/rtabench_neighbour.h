/* The noisy neighbour of workload 4: a second thread that allocates and
 * frees through the same allocator as fast as it can, keeping 256 blocks
 * of 16..4096 B live, for as long as the measured thread runs. */
#ifndef RTABENCH_NEIGHBOUR_H
#define RTABENCH_NEIGHBOUR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rtabench_alloc.h"

#define RB_NEIGHBOUR_LIVE 256u

typedef struct rb_neighbour {
    pthread_t thread;
    rb_allocator *alloc;
    atomic_int ready, stop, failed;
    uint64_t ops; /* alloc+free pairs; read after the join */
    void *live[RB_NEIGHBOUR_LIVE];
} rb_neighbour;

/* Starts the thread and waits until it holds its live set.  0 or -1. */
int rb_neighbour_start(rb_neighbour *n, rb_allocator *a);
/* Stops and joins it; its blocks are freed.  -1 if it saw a NULL. */
int rb_neighbour_stop(rb_neighbour *n);

#endif
