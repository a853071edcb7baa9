/* procmalloc_larson: server churn in the style of Larson and Krishnan's
 * benchmark, through plain malloc/free, for bench/whole_program.sh.
 *
 *   procmalloc_larson THREADS ROUNDS
 *
 * Each round, THREADS threads each take over a table of 1000 blocks left
 * by the previous round's threads (so most frees are of blocks another,
 * now finished, thread allocated), then replace random slots 20000 times
 * with blocks of 16 to 1024 bytes, writing each.  Threads come and go every
 * round, as connections do in a server.  Prints a checksum that does not
 * depend on scheduling. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1000
#define REPLACES 20000

struct table {
    unsigned char *slot[SLOTS];
    uint64_t rng;
    uint64_t sum;
};

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *serve(void *arg)
{
    struct table *t = arg;
    for (int i = 0; i < REPLACES; i++) {
        uint64_t r = next(&t->rng);
        unsigned k = (unsigned)(r % SLOTS);
        size_t n = 16 + (size_t)((r >> 20) % 1009);
        if (t->slot[k])
            t->sum += t->slot[k][0];
        free(t->slot[k]);
        t->slot[k] = malloc(n);
        if (!t->slot[k])
            abort();
        memset(t->slot[k], (int)(r >> 40), n);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 4;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (threads < 1 || threads > 256 || rounds < 1)
        return 2;
    struct table *tables = calloc((size_t)threads, sizeof *tables);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    if (!tables || !tid)
        return 1;
    for (int i = 0; i < threads; i++)
        tables[i].rng = 0x9E3779B97F4A7C15u * (uint64_t)(i + 1);
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < threads; i++)
            if (pthread_create(&tid[i], NULL, serve, &tables[(i + r) % threads]) != 0)
                return 1;
        for (int i = 0; i < threads; i++)
            pthread_join(tid[i], NULL);
    }
    uint64_t sum = 0;
    for (int i = 0; i < threads; i++) {
        sum += tables[i].sum;
        for (int k = 0; k < SLOTS; k++)
            free(tables[i].slot[k]);
    }
    printf("larson checksum %llu\n", (unsigned long long)sum);
    free(tables);
    free(tid);
    return 0;
}
