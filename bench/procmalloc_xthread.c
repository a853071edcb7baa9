/* procmalloc_xthread: cross-thread producer/consumer through plain
 * malloc/free, for bench/whole_program.sh.
 *
 *   procmalloc_xthread PAIRS MESSAGES
 *
 * PAIRS producer threads each malloc MESSAGES messages of 32 to 2048
 * bytes, fill them and pass them through a bounded single-producer
 * single-consumer ring to their consumer thread, which reads and frees
 * them: every free is of a block another thread allocated.  Prints a
 * checksum. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING 1024

struct pair {
    _Atomic size_t head, tail;
    unsigned char *ring[RING];
    long messages;
    uint64_t sum;
    uint64_t rng;
};

static void *produce(void *arg)
{
    struct pair *p = arg;
    for (long i = 0; i < p->messages; i++) {
        p->rng = p->rng * 6364136223846793005u + 1442695040888963407u;
        size_t n = 32 + (size_t)((p->rng >> 33) % 2017);
        unsigned char *m = malloc(n);
        if (!m)
            abort();
        memset(m, (int)(i & 0xff), n);
        m[0] = (unsigned char)(n & 0xff);
        size_t h = atomic_load_explicit(&p->head, memory_order_relaxed);
        while (h - atomic_load_explicit(&p->tail, memory_order_acquire) == RING)
            sched_yield(); /* full: the consumer catches up */
        p->ring[h % RING] = m;
        atomic_store_explicit(&p->head, h + 1, memory_order_release);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct pair *p = arg;
    for (long i = 0; i < p->messages; i++) {
        size_t t = atomic_load_explicit(&p->tail, memory_order_relaxed);
        while (atomic_load_explicit(&p->head, memory_order_acquire) == t)
            sched_yield(); /* empty */
        unsigned char *m = p->ring[t % RING];
        p->sum += m[0] + m[1];
        free(m);
        atomic_store_explicit(&p->tail, t + 1, memory_order_release);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int pairs = argc > 1 ? atoi(argv[1]) : 2;
    long messages = argc > 2 ? atol(argv[2]) : 1000000;
    if (pairs < 1 || pairs > 64 || messages < 1)
        return 2;
    struct pair *p = calloc((size_t)pairs, sizeof *p);
    pthread_t *t = calloc(2 * (size_t)pairs, sizeof *t);
    if (!p || !t)
        return 1;
    for (int i = 0; i < pairs; i++) {
        p[i].messages = messages;
        p[i].rng = (uint64_t)i + 1;
        if (pthread_create(&t[2 * i], NULL, produce, &p[i]) != 0 ||
            pthread_create(&t[2 * i + 1], NULL, consume, &p[i]) != 0)
            return 1;
    }
    uint64_t sum = 0;
    for (int i = 0; i < 2 * pairs; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < pairs; i++)
        sum += p[i].sum;
    printf("xthread checksum %llu\n", (unsigned long long)sum);
    free(p);
    free(t);
    return 0;
}
