/* Schedule fuzzer for the cross-thread paths (issue 15).
 *
 * Three worker threads share one small heap.  The input (bytes made from
 * a seed, or read from a file) says, call by call, which thread runs next
 * and what it does: the chosen thread runs one whole API call while the
 * others wait on their semaphores, so an input is one interleaving, run
 * the same way every time (replay: --seed S, or --input FILE).  The calls
 * reach remote frees and their collection, spans emptying (parked, then
 * stolen or re-taken) and going back to the reserve, the reserve running
 * dry and the reclaim pass (small pools: 2 to 6 spans), cache claims,
 * detach, and release at thread exit (the pthread key destructor) with a
 * new thread taking the cache and its blocks over.
 *
 * A reference model follows each call and checks, with every thread
 * quiescent: each pointer (alignment, class, no overlap, contents kept
 * while live), each NULL (errno, and a cacheless thread when max_threads
 * caches are taken), and the statistics exactly (allocs, frees,
 * remote_frees as the contract defines them, failures, bytes and blocks
 * live, threads attached; peaks between live and the true peak).  At the
 * end every thread exits, the main thread frees what is left, and one
 * thread must then get every span of the pool back, one block of a
 * span's size each: nothing may stay stuck in a parked span, a pending
 * list or an orphaned cache.
 *
 *   sched_fuzz [--seeds N] [--first S] [--ops N]   N schedules from seed S
 *   sched_fuzz --seed S [--trace]                   replay one schedule
 *   sched_fuzz --input FILE [--trace]               replay an input file
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

#define NT 3           /* worker threads */
#define MAXB 96        /* live blocks the model keeps at most */
#define SPAN 65536     /* span bytes with max_block 64 KiB */
#define MAX_CACHES 4

enum { OP_MALLOC, OP_FREE, OP_FREE_SIZED, OP_REALLOC, OP_EXIT, OP_DETACH, OP_ATTACH, OP_STOP };

struct worker {
    pthread_t th;
    int alive;
    sem_t go;
    int op;
    size_t size;
    void *ptr;
    void *result;
    int err;
};

struct block {
    unsigned char *p;
    size_t size, usable;
    int cache; /* owner cache index: the cache of the thread that allocated it */
    uint32_t seed;
};

static struct {
    rta_heap *h;
    size_t max_block, pool_bytes;
    unsigned max_threads;
    struct worker w[NT];
    sem_t done;
    int trace;
    /* Model. */
    struct block b[MAXB];
    unsigned nb;
    int cache_of[NT];          /* -1: the thread holds no cache */
    int claimed[MAX_CACHES];
    uint64_t allocs, frees, remote, failures;
    size_t bytes_live, bytes_peak;
    size_t class_size[RTA_MAX_CLASSES], class_live[RTA_MAX_CLASSES],
        class_peak[RTA_MAX_CLASSES];
    unsigned n_classes;
    uint32_t next_seed;
    const char *where; /* the schedule being run, for messages */
    unsigned step;
} S;

/* Totals over all schedules, printed at the end. */
static uint64_t t_ops, t_remote, t_exits, t_failures, t_drained;

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sched_fuzz: %s, step %u: ", S.where, S.step);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  (pool %zu, max_block %zu, max_threads %u, %u live blocks)\n",
            S.pool_bytes, S.max_block, S.max_threads, S.nb);
    abort();
}
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c))                                                                                  \
            fail(__VA_ARGS__);                                                                     \
    } while (0)

/* ---- workers: one call at a time ---------------------------------------- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        sem_wait(&w->go);
        errno = 0;
        switch (w->op) {
        case OP_MALLOC:
            w->result = rta_malloc(S.h, w->size);
            break;
        case OP_FREE:
            rta_free(S.h, w->ptr);
            break;
        case OP_FREE_SIZED:
            rta_free_sized(S.h, w->ptr, w->size);
            break;
        case OP_REALLOC:
            w->result = rta_realloc(S.h, w->ptr, w->size);
            break;
        case OP_DETACH:
            rta_thread_detach(S.h);
            break;
        case OP_ATTACH:
            w->err = rta_thread_attach(S.h);
            break;
        default: /* OP_EXIT: the key destructor gives the cache back */
            sem_post(&S.done);
            return NULL;
        }
        if (w->op != OP_ATTACH)
            w->err = errno;
        sem_post(&S.done);
    }
}

/* Runs one call on thread t while every other thread waits. */
static void run_on(int t, int op)
{
    struct worker *w = &S.w[t];
    if (!w->alive) {
        if (pthread_create(&w->th, NULL, worker_main, w) != 0)
            fail("pthread_create");
        w->alive = 1;
    }
    w->op = op;
    sem_post(&w->go);
    sem_wait(&S.done);
    if (op == OP_EXIT) {
        pthread_join(w->th, NULL); /* the destructor has run */
        w->alive = 0;
    }
}

/* ---- the model ------------------------------------------------------------ */

static int class_for(size_t size)
{
    for (unsigned c = 0; c < S.n_classes; c++)
        if (S.class_size[c] >= size)
            return (int)c;
    return -1;
}

static unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char)((seed >> (i % 24)) + i * 131u);
}

static void fill(struct block *b)
{
    /* The first and last 64 bytes: enough to see a block handed out twice
     * or a free list written through a live block, cheap for 64 KiB. */
    for (size_t i = 0; i < b->size; i = (i == 63 && b->size > 128) ? b->size - 64 : i + 1)
        b->p[i] = pat(b->seed, i);
}

static void check_fill(const struct block *b, const char *what)
{
    for (size_t i = 0; i < b->size; i = (i == 63 && b->size > 128) ? b->size - 64 : i + 1)
        CHECK(b->p[i] == pat(b->seed, i), "%s %p: byte %zu of %zu changed while live", what,
              (void *)b->p, i, b->size);
}

static int claim_lowest(void)
{
    for (unsigned i = 0; i < S.max_threads; i++)
        if (!S.claimed[i]) {
            S.claimed[i] = 1;
            return (int)i;
        }
    return -1;
}

static void release_cache(int t)
{
    if (S.cache_of[t] >= 0)
        S.claimed[S.cache_of[t]] = 0;
    S.cache_of[t] = -1;
}

static void count_live(int cls, int delta)
{
    if (delta > 0) {
        S.allocs++;
        S.bytes_live += S.class_size[cls];
        if (S.bytes_live > S.bytes_peak)
            S.bytes_peak = S.bytes_live;
        if (++S.class_live[cls] > S.class_peak[cls])
            S.class_peak[cls] = S.class_live[cls];
    } else {
        S.frees++;
        S.bytes_live -= S.class_size[cls];
        S.class_live[cls]--;
    }
}

/* A pointer thread t just got for `size` bytes (NULL: a miss). */
static void accept(int t, void *vp, size_t size, int err)
{
    int cls = class_for(size);
    if (!vp) {
        CHECK(err == ENOMEM, "NULL for %zu B on thread %d with errno %d", size, t, err);
        S.failures++;
        t_failures++;
        return;
    }
    CHECK(S.cache_of[t] >= 0, "thread %d got %p without a cache (all %u taken)", t, vp,
          S.max_threads);
    unsigned char *p = vp;
    CHECK(((uintptr_t)p & 15) == 0, "%p not 16-byte aligned", vp);
    CHECK(rta_owns(S.h, p), "%p not owned", vp);
    CHECK(rta_usable_size(S.h, p) == S.class_size[cls], "usable %zu for %zu B, class %zu",
          rta_usable_size(S.h, p), size, S.class_size[cls]);
    for (unsigned i = 0; i < S.nb; i++)
        CHECK(p + S.class_size[cls] <= S.b[i].p || S.b[i].p + S.b[i].usable <= p,
              "%p (%zu B) overlaps live %p (%zu B)", vp, S.class_size[cls], (void *)S.b[i].p,
              S.b[i].usable);
    struct block *b = &S.b[S.nb++];
    b->p = p;
    b->size = size;
    b->usable = S.class_size[cls];
    b->cache = S.cache_of[t];
    b->seed = S.next_seed++ * 2654435761u;
    fill(b);
    count_live(cls, +1);
}

/* Block i leaves the model, freed by thread t (-1: the main thread). */
static void drop(unsigned i, int t)
{
    int cls = class_for(S.b[i].usable);
    int by = t >= 0 ? S.cache_of[t] : -1;
    if (by != S.b[i].cache) {
        S.remote++;
        t_remote++;
    }
    count_live(cls, -1);
    S.b[i] = S.b[--S.nb];
}

static void check_stats(void)
{
    rta_stats st;
    rta_stats_get(S.h, &st);
    CHECK(st.allocs == S.allocs, "allocs %llu, model %llu", (unsigned long long)st.allocs,
          (unsigned long long)S.allocs);
    CHECK(st.frees == S.frees, "frees %llu, model %llu", (unsigned long long)st.frees,
          (unsigned long long)S.frees);
    CHECK(st.remote_frees == S.remote, "remote_frees %llu, model %llu",
          (unsigned long long)st.remote_frees, (unsigned long long)S.remote);
    CHECK(st.failures == S.failures, "failures %llu, model %llu", (unsigned long long)st.failures,
          (unsigned long long)S.failures);
    CHECK(st.bytes_live == S.bytes_live, "bytes_live %zu, model %zu", st.bytes_live,
          S.bytes_live);
    CHECK(st.bytes_peak >= st.bytes_live && st.bytes_peak <= S.bytes_peak,
          "bytes_peak %zu outside [live %zu, true peak %zu]", st.bytes_peak, st.bytes_live,
          S.bytes_peak);
    unsigned attached = 0;
    for (unsigned i = 0; i < S.max_threads; i++)
        attached += S.claimed[i] != 0;
    CHECK(st.threads_attached == attached, "threads_attached %u, model %u", st.threads_attached,
          attached);
    for (unsigned c = 0; c < S.n_classes; c++) {
        CHECK(st.classes[c].live == S.class_live[c], "class %zu live %zu, model %zu",
              S.class_size[c], st.classes[c].live, S.class_live[c]);
        CHECK(st.classes[c].peak >= st.classes[c].live && st.classes[c].peak <= S.class_peak[c],
              "class %zu peak %zu outside [live %zu, true peak %zu]", S.class_size[c],
              st.classes[c].peak, st.classes[c].live, S.class_peak[c]);
    }
}

/* ---- one schedule --------------------------------------------------------- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static unsigned take8(input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static size_t take_size(input *in)
{
    static const size_t sizes[] = {1, 16, 17, 48, 100, 128, 200, 500, 1024, 1500, 4000, 4096,
                                   9000, 20000, 40000, 65536};
    size_t s = sizes[take8(in) % 16];
    return s > S.max_block ? 1 + s % S.max_block : s;
}

static const char *op_name[] = {"malloc", "free", "free_sized", "realloc",
                                "exit",   "detach", "attach"};

static void step(input *in)
{
    unsigned b = take8(in);
    int t = (int)(b % NT);
    struct worker *w = &S.w[t];
    unsigned op = (b / NT) % 10;
    if (S.trace)
        fprintf(stderr, "step %u: thread %d op %u (%u live)\n", S.step, t, op, S.nb);
    switch (op) {
    case 0:
    case 1:
    case 2:
        if (S.nb >= MAXB)
            break;
        w->size = take_size(in);
        if (S.cache_of[t] < 0)
            S.cache_of[t] = claim_lowest();
        run_on(t, OP_MALLOC);
        accept(t, w->result, w->size, w->err);
        break;
    case 3:
    case 4:
    case 5: {
        if (S.nb == 0)
            break;
        unsigned i = take8(in) % S.nb;
        check_fill(&S.b[i], "block before free");
        w->ptr = S.b[i].p;
        w->size = S.b[i].size;
        run_on(t, op == 5 ? OP_FREE_SIZED : OP_FREE);
        drop(i, t);
        break;
    }
    case 6: {
        /* realloc to another size: allocate (by t), copy, free (by t). */
        if (S.nb == 0 || S.nb >= MAXB)
            break;
        unsigned i = take8(in) % S.nb;
        size_t size = take_size(in);
        struct block old = S.b[i];
        check_fill(&old, "block before realloc");
        if (class_for(size) == class_for(old.size))
            break; /* in place: the fuzzer of tests/fuzz covers it */
        w->ptr = old.p;
        w->size = size;
        if (S.cache_of[t] < 0)
            S.cache_of[t] = claim_lowest();
        run_on(t, OP_REALLOC);
        if (!w->result) {
            accept(t, NULL, size, w->err);
            check_fill(&old, "block after failed realloc");
            break;
        }
        size_t keep = size < old.size ? size : old.size;
        for (size_t k = 0; k < keep && k < 64; k++)
            CHECK(((unsigned char *)w->result)[k] == pat(old.seed, k), "realloc lost byte %zu",
                  k);
        /* The heap allocates before it frees: both count for the peak. */
        accept(t, w->result, size, 0);
        drop(i, t);
        break;
    }
    case 7:
        if (!w->alive)
            break;
        run_on(t, OP_EXIT);
        release_cache(t);
        t_exits++;
        break;
    case 8:
        run_on(t, OP_DETACH);
        release_cache(t);
        break;
    default: {
        int want = S.cache_of[t] >= 0 ? S.cache_of[t] : claim_lowest();
        run_on(t, OP_ATTACH);
        CHECK(w->err == (want >= 0 ? 0 : RTA_ERR_NO_CACHE), "attach on thread %d: %d", t, w->err);
        S.cache_of[t] = want;
        break;
    }
    }
    (void)op_name;
    check_stats();
    S.step++;
    t_ops++;
}

/* Every thread exits, the main thread (no cache) frees the rest, then one
 * thread must get every span back. */
static void drain(void)
{
    for (int t = 0; t < NT; t++)
        if (S.w[t].alive) {
            run_on(t, OP_EXIT);
            release_cache(t);
        }
    while (S.nb > 0) {
        check_fill(&S.b[0], "block at the end");
        rta_free(S.h, S.b[0].p);
        drop(0, -1);
    }
    check_stats();
    size_t spans = S.pool_bytes / SPAN, got = 0;
    void *p[64];
    int t = 0;
    S.w[t].size = SPAN;
    S.cache_of[t] = claim_lowest();
    CHECK(S.cache_of[t] >= 0, "no cache free after every thread exited");
    for (got = 0; got < spans; got++) {
        run_on(t, OP_MALLOC);
        if (!S.w[t].result)
            break;
        p[got] = S.w[t].result;
        S.allocs++;
    }
    CHECK(got == spans, "only %zu of %zu spans came back after every thread exited", got, spans);
    run_on(t, OP_MALLOC); /* one more: the pool is full now */
    CHECK(S.w[t].result == NULL && S.w[t].err == ENOMEM, "a span more than the pool holds");
    S.failures++;
    for (size_t i = 0; i < got; i++) {
        S.w[t].ptr = p[i];
        run_on(t, OP_FREE);
        S.frees++;
    }
    run_on(t, OP_EXIT);
    release_cache(t);
    S.class_live[S.n_classes - 1] = 0;
    S.class_peak[S.n_classes - 1] =
        S.class_peak[S.n_classes - 1] > spans ? S.class_peak[S.n_classes - 1] : spans;
    if (S.bytes_peak < spans * SPAN)
        S.bytes_peak = spans * SPAN;
    check_stats();
    t_drained += got;
}

static void run_schedule(const uint8_t *data, size_t n)
{
    static const size_t pools[] = {2, 3, 4, 6};
    input in = {data, n};
    unsigned b0 = take8(&in);
    rta_config cfg;
    rta_stats st;

    memset(S.b, 0, sizeof S.b);
    S.nb = 0;
    S.allocs = S.frees = S.remote = S.failures = 0;
    S.bytes_live = S.bytes_peak = 0;
    memset(S.class_live, 0, sizeof S.class_live);
    memset(S.class_peak, 0, sizeof S.class_peak);
    memset(S.claimed, 0, sizeof S.claimed);
    for (int t = 0; t < NT; t++)
        S.cache_of[t] = -1;
    S.next_seed = 1;
    S.step = 0;

    rta_config_defaults(&cfg);
    cfg.pool_bytes = S.pool_bytes = pools[b0 & 3] * SPAN;
    cfg.arena_bytes = 0;
    cfg.max_block = S.max_block = SPAN;
    /* Two caches for three threads now and then: one thread misses. */
    cfg.max_threads = S.max_threads = (b0 & 4) ? 2 : 3;
    cfg.flags = RTA_NO_PREFAULT;
    int err = rta_heap_create(&S.h, &cfg);
    CHECK(err == 0, "create: %s", rta_strerror(err));
    rta_stats_get(S.h, &st);
    S.n_classes = st.n_classes;
    for (unsigned c = 0; c < st.n_classes; c++)
        S.class_size[c] = st.classes[c].block_size;
    CHECK(S.class_size[S.n_classes - 1] == SPAN, "largest class %zu", S.class_size[S.n_classes - 1]);

    while (in.n > 0)
        step(&in);
    drain();
    rta_heap_destroy(S.h);
    S.h = NULL;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    uint64_t first = 1, seeds = 1000, one = 0;
    size_t ops = 300;
    const char *file = NULL;
    int have_one = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--first") && i + 1 < argc)
            first = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
            ops = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            one = strtoull(argv[++i], NULL, 0);
            have_one = 1;
        } else if (!strcmp(argv[i], "--input") && i + 1 < argc)
            file = argv[++i];
        else if (!strcmp(argv[i], "--trace"))
            S.trace = 1;
        else {
            fprintf(stderr, "usage: %s [--seeds N] [--first S] [--ops N] | --seed S | --input F "
                            "[--trace]\n", argv[0]);
            return 2;
        }
    }
    if (getenv("RTA_SCHED_SEEDS"))
        seeds = strtoull(getenv("RTA_SCHED_SEEDS"), NULL, 0);
    sem_init(&S.done, 0, 0);
    for (int t = 0; t < NT; t++)
        sem_init(&S.w[t].go, 0, 0);

    static uint8_t buf[1 << 16];
    char where[64];
    S.where = where;
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            perror(file);
            return 2;
        }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        snprintf(where, sizeof where, "input %s", file);
        run_schedule(buf, n);
        seeds = 1;
    } else {
        if (have_one) {
            first = one;
            seeds = 1;
        }
        if (ops * 2 + 1 > sizeof buf)
            ops = (sizeof buf - 1) / 2;
        for (uint64_t s = first; s < first + seeds; s++) {
            uint64_t x = s;
            size_t n = ops * 2 + 1; /* about two bytes a step */
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)splitmix(&x);
            snprintf(where, sizeof where, "seed %llu (replay: --seed %llu --ops %zu)",
                     (unsigned long long)s, (unsigned long long)s, ops);
            run_schedule(buf, n);
        }
    }
    printf("sched_fuzz: %llu schedules passed: %llu calls, %llu remote frees, %llu thread exits, "
           "%llu misses, %llu spans drained back\n",
           (unsigned long long)seeds, (unsigned long long)t_ops, (unsigned long long)t_remote,
           (unsigned long long)t_exits, (unsigned long long)t_failures,
           (unsigned long long)t_drained);
    return 0;
}
