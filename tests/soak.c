/* Soak: N threads (default 2 x cores) hammer one heap for a given time,
 * allocating blocks of random size, writing a pattern into each, passing
 * blocks to each other through lock-free mailboxes and freeing them, so
 * that most frees are remote.  Every block's pattern is checked when it
 * changes hands and when it is freed; each thread also bump-allocates
 * from an arena of its own and resets it every "frame".  At the end every
 * block is freed and the heap must report zero live bytes, as many frees
 * as allocations, zero live blocks in every class, no failures and no bad
 * frees.
 *
 *   soak [--seconds S] [--threads N] [--debug]
 *   environment: RTA_SOAK_SECONDS, RTA_SOAK_THREADS (options win)
 *
 * Built twice: tests/soak (`make soak`, 10 minutes by default) and
 * tests/soak_short (20 s, in `make check`).  Prints the pool operations
 * per second (allocations + frees) at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rtalloc.h"

#ifndef SOAK_DEFAULT_SECONDS
#define SOAK_DEFAULT_SECONDS 600
#endif

#define MAX_THREADS 64
#define HELD_MAX 256     /* blocks a thread keeps at once */
#define MAILBOX_SLOTS 16 /* per receiving thread */
#define MAX_SIZE 16384
#define ARENA_BYTES (64u << 10)
#define BLOCK_MAGIC 0x50414b53u

/* Every block starts with this header, so whoever holds it can check it. */
typedef struct block_header {
    uint32_t magic;
    uint32_t seed;
    size_t size; /* bytes requested, header included */
} block_header;

typedef struct worker {
    pthread_t thread;
    unsigned index;
    uint64_t rng;
    void *held[HELD_MAX];
    unsigned n_held;
    rta_arena *arena;
    _Atomic(void *) mailbox[MAILBOX_SLOTS];
    uint64_t checks, passes, arena_frames;
    char pad[64];
} worker;

static rta_heap *heap;
static worker workers[MAX_THREADS];
static unsigned n_workers;
static atomic_int stop;
static atomic_int failed;

static uint64_t next_random(worker *w)
{
    /* xorshift64*: deterministic per thread, so a failure can be rerun. */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * UINT64_C(2685821657736338717);
}

static void die(const char *what, const void *p, size_t at)
{
    fprintf(stderr, "soak: %s (block %p, offset %zu)\n", what, p, at);
    atomic_store(&failed, 1);
    abort();
}

static unsigned char pattern_byte(uint32_t seed, size_t i)
{
    return (unsigned char)(seed + i * 7u + (i >> 9));
}

static void write_block(void *p, size_t size, uint32_t seed)
{
    block_header *hd = p;
    unsigned char *bytes = p;
    hd->magic = BLOCK_MAGIC;
    hd->seed = seed;
    hd->size = size;
    for (size_t i = sizeof *hd; i < size; i++)
        bytes[i] = pattern_byte(seed, i);
}

static void check_block(worker *w, const void *p)
{
    const block_header *hd = p;
    const unsigned char *bytes = p;
    if (hd->magic != BLOCK_MAGIC)
        die("header overwritten", p, 0);
    if (hd->size < sizeof *hd || hd->size > MAX_SIZE)
        die("size field overwritten", p, 8);
    if (rta_usable_size(heap, p) < hd->size)
        die("usable size below the size written", p, 0);
    for (size_t i = sizeof *hd; i < hd->size; i++)
        if (bytes[i] != pattern_byte(hd->seed, i))
            die("pattern changed while the block was live", p, i);
    w->checks++;
}

/* Mostly small blocks, some medium, a few large. */
static size_t random_size(worker *w)
{
    uint64_t r = next_random(w);
    unsigned pick = (unsigned)(r % 100);
    size_t min = sizeof(block_header);
    if (pick < 70)
        return min + (r >> 8) % 256;
    if (pick < 95)
        return min + (r >> 8) % 4096;
    return min + (r >> 8) % (MAX_SIZE - min + 1);
}

static void *allocate(worker *w)
{
    size_t size = random_size(w);
    uint64_t r = next_random(w);
    void *p;
    switch (r % 4) {
    case 0:
        p = rta_calloc(heap, 1, size);
        if (p)
            for (size_t i = 0; i < size; i++)
                if (((unsigned char *)p)[i] != 0)
                    die("calloc block not zeroed", p, i);
        break;
    case 1:
        p = rta_aligned_alloc(heap, (size_t)16 << ((r >> 8) % 7), size);
        if (p && ((uintptr_t)p & ((16u << ((r >> 8) % 7)) - 1)))
            die("aligned block misaligned", p, 0);
        break;
    default:
        p = rta_malloc(heap, size);
        break;
    }
    if (!p)
        die("allocation failed in a heap sized never to run out", NULL, size);
    write_block(p, size, (uint32_t)(r >> 32));
    return p;
}

static void free_block(worker *w, void *p)
{
    check_block(w, p);
    if (next_random(w) % 2)
        rta_free(heap, p);
    else
        rta_free_sized(heap, p, ((block_header *)p)->size);
}

static void take_held(worker *w, unsigned i, void **out)
{
    *out = w->held[i];
    w->held[i] = w->held[--w->n_held];
}

/* Puts p in a random mailbox of a random thread; whatever was there is
 * the sender's to free (usually another thread's block: a remote free). */
static void pass_block(worker *w, void *p)
{
    worker *to = &workers[next_random(w) % n_workers];
    void *old = atomic_exchange_explicit(&to->mailbox[next_random(w) % MAILBOX_SLOTS], p,
                                         memory_order_acq_rel);
    w->passes++;
    if (old)
        free_block(w, old);
}

static void collect_mail(worker *w)
{
    for (unsigned i = 0; i < MAILBOX_SLOTS; i++) {
        void *p = atomic_exchange_explicit(&w->mailbox[i], NULL, memory_order_acq_rel);
        if (!p)
            continue;
        check_block(w, p);
        if (w->n_held < HELD_MAX)
            w->held[w->n_held++] = p; /* adopted: someone else frees it later */
        else
            free_block(w, p);
    }
}

static void resize_held(worker *w)
{
    unsigned i = (unsigned)(next_random(w) % w->n_held);
    block_header *hd = w->held[i];
    size_t size = random_size(w), keep;
    void *p;
    check_block(w, hd);
    keep = hd->size < size ? hd->size : size;
    {
        uint32_t seed = hd->seed;
        p = rta_realloc(heap, hd, size);
        if (!p)
            die("realloc failed in a heap sized never to run out", hd, size);
        hd = p;
        if (hd->magic != BLOCK_MAGIC || hd->seed != seed)
            die("realloc lost the header", p, 0);
        for (size_t k = sizeof *hd; k < keep; k++)
            if (((unsigned char *)p)[k] != pattern_byte(seed, k))
                die("realloc lost the contents", p, k);
        write_block(p, size, seed);
    }
    w->held[i] = p;
}

/* One frame of arena use: a few allocations, checked, then one reset. */
static void arena_frame(worker *w)
{
    unsigned char *parts[8];
    size_t sizes[8];
    unsigned n = 1 + (unsigned)(next_random(w) % 8);
    for (unsigned i = 0; i < n; i++) {
        sizes[i] = 1 + next_random(w) % 2048;
        parts[i] = rta_arena_alloc(w->arena, sizes[i], (size_t)1 << (next_random(w) % 7));
        if (!parts[i])
            die("arena overflow in a frame that fits", NULL, sizes[i]);
        memset(parts[i], (int)(w->index + i), sizes[i]);
    }
    for (unsigned i = 0; i < n; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            if (parts[i][k] != (unsigned char)(w->index + i))
                die("arena allocation overwritten", parts[i], k);
    rta_arena_reset(w->arena);
    w->arena_frames++;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    if (rta_thread_attach(heap) != 0)
        die("no thread cache", NULL, w->index);
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        for (int burst = 0; burst < 64; burst++) {
            unsigned op = (unsigned)(next_random(w) % 100);
            void *p;
            if (op < 40 && w->n_held < HELD_MAX) {
                w->held[w->n_held++] = allocate(w);
            } else if (op < 65 && w->n_held > 0) {
                take_held(w, (unsigned)(next_random(w) % w->n_held), &p);
                free_block(w, p);
            } else if (op < 85 && w->n_held > 0) {
                take_held(w, (unsigned)(next_random(w) % w->n_held), &p);
                pass_block(w, p);
            } else if (op < 92 && w->n_held > 0) {
                resize_held(w);
            } else if (op < 97) {
                collect_mail(w);
            } else {
                arena_frame(w);
            }
        }
    }
    /* Keep nothing: frees what it holds; its mailbox is drained by main. */
    while (w->n_held > 0) {
        void *p;
        take_held(w, w->n_held - 1, &p);
        free_block(w, p);
    }
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long option(int argc, char **argv, const char *name, const char *env, long def)
{
    const char *v = getenv(env);
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            v = argv[i + 1];
    return v ? strtol(v, NULL, 10) : def;
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long seconds = option(argc, argv, "--seconds", "RTA_SOAK_SECONDS", SOAK_DEFAULT_SECONDS);
    long threads = option(argc, argv, "--threads", "RTA_SOAK_THREADS", 2 * (cores > 0 ? cores : 1));
    int debug = 0;
    rta_config cfg;
    rta_stats st;
    double start, last_report, elapsed;
    int bad = 0;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--debug") == 0)
            debug = 1;
    if (threads < 1 || threads > MAX_THREADS || seconds < 1) {
        fprintf(stderr, "usage: soak [--seconds S>=1] [--threads 1..%d] [--debug]\n", MAX_THREADS);
        return 2;
    }
    n_workers = (unsigned)threads;

    /* Sized so it never runs out: at most HELD_MAX + mailboxes blocks of at
     * most MAX_SIZE per thread, plus a span per class per thread. */
    rta_config_defaults(&cfg);
    cfg.pool_bytes = (size_t)n_workers * (8u << 20) + (16u << 20);
    cfg.arena_bytes = 0;
    cfg.max_block = MAX_SIZE;
    cfg.max_threads = n_workers;
    cfg.flags = debug ? RTA_DEBUG : 0;
    if (rta_heap_create(&heap, &cfg) != RTA_OK) {
        fprintf(stderr, "soak: cannot create the heap\n");
        return 1;
    }
    for (unsigned i = 0; i < n_workers; i++) {
        workers[i].index = i;
        workers[i].rng = 0x9E3779B97F4A7C15u * (i + 1);
        if (rta_arena_create(heap, ARENA_BYTES, &workers[i].arena) != RTA_OK) {
            fprintf(stderr, "soak: cannot create arena %u\n", i);
            return 1;
        }
    }
    printf("soak: %u threads, %ld s%s\n", n_workers, seconds, debug ? ", RTA_DEBUG" : "");
    fflush(stdout);

    start = last_report = now_seconds();
    for (unsigned i = 0; i < n_workers; i++)
        if (pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]) != 0) {
            fprintf(stderr, "soak: pthread_create failed\n");
            return 1;
        }
    for (;;) {
        double t;
        usleep(100000);
        t = now_seconds();
        if (t - start >= (double)seconds)
            break;
        if (t - last_report >= 60) {
            rta_stats_get(heap, &st);
            printf("soak: %.0f s, %llu allocs, %llu remote frees, %zu bytes live\n", t - start,
                   (unsigned long long)st.allocs, (unsigned long long)st.remote_frees,
                   st.bytes_live);
            fflush(stdout);
            last_report = t;
        }
    }
    atomic_store(&stop, 1);
    for (unsigned i = 0; i < n_workers; i++)
        pthread_join(workers[i].thread, NULL);
    elapsed = now_seconds() - start;

    /* The mail nobody collected: freed by main, which holds no cache. */
    for (unsigned i = 0; i < n_workers; i++)
        for (unsigned k = 0; k < MAILBOX_SLOTS; k++) {
            void *p = atomic_exchange(&workers[i].mailbox[k], NULL);
            if (p)
                free_block(&workers[i], p);
        }

    rta_stats_get(heap, &st);
    {
        uint64_t checks = 0, passes = 0, frames = 0;
        for (unsigned i = 0; i < n_workers; i++) {
            checks += workers[i].checks;
            passes += workers[i].passes;
            frames += workers[i].arena_frames;
        }
        printf("soak: %.1f s, %llu allocs, %llu frees (%llu remote), %llu passes, "
               "%llu pattern checks, %llu arena frames\n",
               elapsed, (unsigned long long)st.allocs, (unsigned long long)st.frees,
               (unsigned long long)st.remote_frees, (unsigned long long)passes,
               (unsigned long long)checks, (unsigned long long)frames);
        printf("soak: %.0f pool operations per second (allocs + frees, %u threads)\n",
               (double)(st.allocs + st.frees) / elapsed, n_workers);
    }
    if (st.bytes_live != 0) {
        fprintf(stderr, "soak: %zu bytes still live at the end\n", st.bytes_live);
        bad = 1;
    }
    if (st.allocs != st.frees) {
        fprintf(stderr, "soak: %llu allocs but %llu frees\n", (unsigned long long)st.allocs,
                (unsigned long long)st.frees);
        bad = 1;
    }
    for (unsigned c = 0; c < st.n_classes; c++)
        if (st.classes[c].live != 0) {
            fprintf(stderr, "soak: class %zu B has %zu live blocks\n", st.classes[c].block_size,
                    st.classes[c].live);
            bad = 1;
        }
    if (st.failures || st.bad_frees || st.fallbacks) {
        fprintf(stderr, "soak: %llu failures, %llu bad frees, %llu fallbacks\n",
                (unsigned long long)st.failures, (unsigned long long)st.bad_frees,
                (unsigned long long)st.fallbacks);
        bad = 1;
    }
    if (n_workers > 1 && st.remote_frees == 0) {
        fprintf(stderr, "soak: no remote frees: blocks never changed threads\n");
        bad = 1;
    }
    if (st.threads_attached != 0) {
        fprintf(stderr, "soak: %u caches still claimed after every thread exited\n",
                st.threads_attached);
        bad = 1;
    }
    rta_heap_destroy(heap);
    puts(bad || atomic_load(&failed) ? "soak: FAILED" : "soak: passed");
    return bad ? 1 : 0;
}
