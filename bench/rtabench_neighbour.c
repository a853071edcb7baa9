/* The noisy neighbour thread; see rtabench_neighbour.h.
 *
 * For the arena run it uses the pools of the same heap (the arena is the
 * frame owner's alone), so the measured thread shares the heap's reserve
 * and remote-free paths with a busy thread, as in a plug-in host. */
#include "config.h"

#include "rtabench_neighbour.h"

#include <stdio.h>

#include "rtabench_run.h"

static void *neighbour_main(void *arg)
{
    rb_neighbour *n = arg;
    rb_allocator *a = n->alloc;
    uint64_t s = 0x9E3779B97F4A7C15ull, ops = 0;

    rb_allocator_attach_thread(a);
    for (unsigned i = 0; i < RB_NEIGHBOUR_LIVE; i++) {
        n->live[i] = rb_alloc_general(a, 64);
        if (!n->live[i])
            atomic_store(&n->failed, 1);
    }
    atomic_store_explicit(&n->ready, 1, memory_order_release);
    while (!atomic_load_explicit(&n->stop, memory_order_relaxed)) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t r = s * 0x2545F4914F6CDD1Dull;
        unsigned slot = (unsigned)(r >> 40) % RB_NEIGHBOUR_LIVE;
        size_t size = 16 + (size_t)(r % 4081);
        rb_free_general(a, n->live[slot]);
        void *p = rb_alloc_general(a, size);
        if (!p) {
            atomic_store(&n->failed, 1);
            n->live[slot] = NULL;
            continue;
        }
        *(volatile uint64_t *)p = ops;
        n->live[slot] = p;
        ops++;
    }
    for (unsigned i = 0; i < RB_NEIGHBOUR_LIVE; i++)
        rb_free_general(a, n->live[i]);
    n->ops = ops;
    rb_allocator_detach_thread(a);
    return NULL;
}

int rb_neighbour_start(rb_neighbour *n, rb_allocator *a)
{
    n->alloc = a;
    n->ops = 0;
    atomic_init(&n->ready, 0);
    atomic_init(&n->stop, 0);
    atomic_init(&n->failed, 0);
    if (pthread_create(&n->thread, NULL, neighbour_main, n) != 0) {
        fprintf(stderr, "rtabench: cannot start the neighbour thread\n");
        return -1;
    }
    rb_pin_pair(n->thread);
    while (!atomic_load_explicit(&n->ready, memory_order_acquire))
        rb_cpu_relax();
    return 0;
}

int rb_neighbour_stop(rb_neighbour *n)
{
    atomic_store(&n->stop, 1);
    pthread_join(n->thread, NULL);
    return atomic_load(&n->failed) ? -1 : 0;
}
