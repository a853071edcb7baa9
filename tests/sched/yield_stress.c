/* ThreadSanitizer stress of the cross-thread paths with a yield at every
 * atomic operation (issue 15).  Built by tests/sched/run_yield_stress.sh
 * from the library's sources with -DRTA_TEST_YIELDS, which makes every
 * atomic operation in src/ call rta__test_yield() first (src/internal.h);
 * this file defines it as a random sched_yield, so the other threads run
 * in the middle of a remote free's push, a collection, a park, a steal,
 * a reserve take or give, a claim or a release.
 *
 * Three threads at a time allocate, swap their blocks through a shared
 * table (so most frees are remote), free, detach now and then, and exit
 * after a random number of calls (their caches go back from the key
 * destructor; a new thread takes their place and may take the cache and
 * its blocks over).  The pool has eight spans, so the reserve runs dry and
 * the reclaim pass, the steal of parked spans and the borrowing of
 * orphaned caches run all the time.  Checked: every block keeps its
 * contents while live (a block handed out twice shows), a NULL only with
 * ENOMEM, and at the end, with every thread gone and every block freed:
 * the statistics say nothing is live, and one thread gets all eight spans
 * back.  TSan checks every access on the way.
 *
 *   yield_stress [SECONDS]   (default 10)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtalloc.h"

#define SPAN 65536
#define SPANS 8
#define SLOTS 24
#define NT 3

void rta__test_yield(void);

static __thread uint64_t rng_state;

static uint64_t rng(void)
{
    if (rng_state == 0)
        rng_state = (uint64_t)(uintptr_t)&rng_state * 0x9e3779b97f4a7c15ull | 1;
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Called by the library before each atomic operation (test build only). */
void rta__test_yield(void)
{
    if ((rng() & 3) == 0)
        sched_yield();
}

static rta_heap *heap;
static _Atomic(unsigned char *) slots[SLOTS];
static _Atomic int stop;
static _Atomic uint64_t calls, remote_swaps, misses, exits;

/* A block starts with its own address and its size, and (above 16 bytes)
 * ends with the size's low byte: all checked when it is freed. */
static void stamp(unsigned char *p, size_t size)
{
    unsigned char *self = p;
    memcpy(p, &self, sizeof self);
    memcpy(p + 8, &size, sizeof size);
    if (size > 16)
        p[size - 1] = (unsigned char)size;
}

static void check_and_free(unsigned char *p)
{
    unsigned char *self;
    size_t size;
    memcpy(&self, p, sizeof self);
    memcpy(&size, p + 8, sizeof size);
    if (self != p || size < 16 || size > SPAN ||
        (size > 16 && p[size - 1] != (unsigned char)size)) {
        fprintf(stderr, "yield_stress: block %p changed while live (%p, %zu)\n", (void *)p,
                (void *)self, size);
        abort();
    }
    rta_free(heap, p);
}

static void *worker(void *arg)
{
    (void)arg;
    static const size_t sizes[] = {16, 32, 100, 256, 1000, 4096, 20000, 100, 48, 64,
                                   16, 512, 2000, 128, 16, SPAN};
    unsigned n = 50 + (unsigned)(rng() % 400);
    for (unsigned i = 0; i < n && !atomic_load(&stop); i++) {
        uint64_t r = rng();
        atomic_fetch_add(&calls, 1);
        if ((r & 63) == 0) {
            rta_thread_detach(heap);
            continue;
        }
        size_t size = sizes[(r >> 8) % 16];
        errno = 0;
        unsigned char *p = rta_malloc(heap, size);
        if (!p) {
            if (errno != ENOMEM) {
                fprintf(stderr, "yield_stress: NULL with errno %d\n", errno);
                abort();
            }
            atomic_fetch_add(&misses, 1);
            /* Give something back so the others can go on. */
            unsigned char *old = atomic_exchange(&slots[(r >> 16) % SLOTS], NULL);
            if (old)
                check_and_free(old);
            continue;
        }
        stamp(p, size);
        unsigned char *old = atomic_exchange(&slots[(r >> 16) % SLOTS], p);
        if (old) {
            atomic_fetch_add(&remote_swaps, 1);
            check_and_free(old);
        }
    }
    atomic_fetch_add(&exits, 1);
    return NULL; /* the key destructor gives the cache back */
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = SPANS * SPAN;
    cfg.arena_bytes = 0;
    cfg.max_block = SPAN;
    cfg.max_threads = NT;
    cfg.flags = RTA_NO_PREFAULT;
    int err = rta_heap_create(&heap, &cfg);
    if (err) {
        fprintf(stderr, "yield_stress: create: %s\n", rta_strerror(err));
        return 1;
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[NT];
    for (int t = 0; t < NT; t++)
        pthread_create(&th[t], NULL, worker, NULL);
    uint64_t generations = NT;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        int done = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) * 1e-9 >= seconds;
        /* Threads come and go: join each in turn and start another. */
        for (int t = 0; t < NT; t++) {
            pthread_join(th[t], NULL);
            if (!done) {
                pthread_create(&th[t], NULL, worker, NULL);
                generations++;
            }
        }
        if (done)
            break;
    }
    /* Every thread is gone: the main thread (no cache) frees the rest. */
    for (int i = 0; i < SLOTS; i++) {
        unsigned char *p = atomic_exchange(&slots[i], NULL);
        if (p)
            check_and_free(p);
    }
    rta_stats st;
    rta_stats_get(heap, &st);
    if (st.bytes_live != 0 || st.allocs != st.frees || st.threads_attached != 0) {
        fprintf(stderr, "yield_stress: at the end %zu bytes live, %llu allocs, %llu frees, %u "
                        "threads attached\n",
                st.bytes_live, (unsigned long long)st.allocs, (unsigned long long)st.frees,
                st.threads_attached);
        return 1;
    }
    /* Every span must come back: parked, pending or orphaned, none stuck. */
    void *p[SPANS + 1];
    int got = 0;
    while (got <= SPANS && (p[got] = rta_malloc(heap, SPAN)) != NULL)
        got++;
    if (got != SPANS) {
        fprintf(stderr, "yield_stress: %d of %d spans came back at the end\n", got, SPANS);
        return 1;
    }
    for (int i = 0; i < got; i++)
        rta_free(heap, p[i]);
    rta_thread_detach(heap);
    rta_heap_destroy(heap);
    printf("yield_stress: passed: %llu threads, %llu calls, %llu blocks freed by another thread "
           "or slot, %llu misses, all %d spans back at the end\n",
           (unsigned long long)generations, (unsigned long long)atomic_load(&calls),
           (unsigned long long)atomic_load(&remote_swaps), (unsigned long long)atomic_load(&misses),
           SPANS);
    return 0;
}
