/* icount: the three allocation patterns of issue 10, for counting the
 * instructions each allocator executes per operation under callgrind.
 *
 *   frames  64 allocations of 16..2048 B, then 64 frees in random order
 *           (an audio cycle or a game frame); one operation = one
 *           allocation and its free
 *   pair    one 64 B allocation and its free, repeated (a message built
 *           and dropped in one callback)
 *   churn   1024 live blocks of 16..4096 B; each step frees a random one
 *           and allocates a new one in its place
 *
 * Usage: bench/icount ALLOCATOR PATTERN [OPS]
 *   ALLOCATOR  rtalloc (rta_malloc/rta_free on a heap of this process),
 *              system (malloc/free: glibc, or whatever LD_PRELOAD puts
 *              there), none (the same loops with a pointer taken from an
 *              array and no allocator: the loop's own cost, subtracted
 *              by bench/icount.sh)
 *
 * The sizes and orders are drawn from a fixed-seed generator before
 * anything is measured, so every allocator sees the same requests and the
 * loop only indexes arrays.  Each pattern runs once unmeasured (every
 * allocator reaches its steady state), then OPS operations with
 * callgrind's collection switched on (run under --collect-atstart=no; the
 * client requests are no-ops outside valgrind).  Prints the number of
 * operations measured. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else /* no valgrind: the check skips; the program still runs */
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "rtalloc.h"

enum {
    FRAME = 64,        /* blocks per frame */
    N_FRAMES = 64,     /* distinct frames drawn, replayed in turn */
    LIVE = 1024,       /* churn: live blocks */
    CHURN_STEPS = 8192 /* churn: distinct steps drawn, replayed in turn */
};

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static size_t size_between(size_t lo, size_t hi)
{
    return lo + next_rand() % (hi - lo + 1);
}

static uint32_t frame_size[N_FRAMES][FRAME];
static uint8_t frame_order[N_FRAMES][FRAME];
static uint32_t churn_size[CHURN_STEPS];
static uint16_t churn_victim[CHURN_STEPS];
static void *slot[LIVE];
static char none_blocks[LIVE][16];

static void draw(void)
{
    for (int f = 0; f < N_FRAMES; f++) {
        for (int i = 0; i < FRAME; i++) {
            frame_size[f][i] = (uint32_t)size_between(16, 2048);
            frame_order[f][i] = (uint8_t)i;
        }
        for (int i = FRAME - 1; i > 0; i--) { /* Fisher-Yates */
            int j = (int)(next_rand() % (uint32_t)(i + 1));
            uint8_t t = frame_order[f][i];
            frame_order[f][i] = frame_order[f][j];
            frame_order[f][j] = t;
        }
    }
    for (int i = 0; i < CHURN_STEPS; i++) {
        churn_size[i] = (uint32_t)size_between(16, 4096);
        churn_victim[i] = (uint16_t)(next_rand() % LIVE);
    }
}

static rta_heap *heap;

/* Keeps the compiler from eliding an allocation it can see freed. */
#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

/* One copy of each pattern per allocator, so each calls its allocator
 * directly, as a program would. */
#define PATTERNS(tag, ALLOC, FREE)                                                                 \
    static void frames_##tag(long ops)                                                             \
    {                                                                                              \
        for (long done = 0, f = 0; done < ops; done += FRAME, f = (f + 1) % N_FRAMES) {            \
            for (int i = 0; i < FRAME; i++) {                                                      \
                slot[i] = ALLOC(frame_size[f][i], i);                                              \
                KEEP(slot[i]);                                                                     \
            }                                                                                      \
            for (int i = 0; i < FRAME; i++)                                                        \
                FREE(slot[frame_order[f][i]]);                                                     \
        }                                                                                          \
    }                                                                                              \
    static void pair_##tag(long ops)                                                               \
    {                                                                                              \
        for (long i = 0; i < ops; i++) {                                                           \
            void *p = ALLOC(64, 0);                                                                \
            KEEP(p);                                                                               \
            FREE(p);                                                                               \
        }                                                                                          \
    }                                                                                              \
    static void churn_fill_##tag(void)                                                             \
    {                                                                                              \
        for (int i = 0; i < LIVE; i++)                                                             \
            slot[i] = ALLOC(size_between(16, 4096), i);                                            \
    }                                                                                              \
    static void churn_drain_##tag(void)                                                            \
    {                                                                                              \
        for (int i = 0; i < LIVE; i++)                                                             \
            FREE(slot[i]);                                                                         \
    }                                                                                              \
    static void churn_##tag(long ops)                                                              \
    {                                                                                              \
        for (long done = 0, k = 0; done < ops; done++, k = (k + 1) % CHURN_STEPS) {                \
            unsigned v = churn_victim[k];                                                          \
            FREE(slot[v]);                                                                         \
            slot[v] = ALLOC(churn_size[k], v);                                                     \
            KEEP(slot[v]);                                                                         \
        }                                                                                          \
    }

#define RTA_ALLOC(n, i) rta_malloc(heap, (n))
#define RTA_FREE(p) rta_free(heap, (p))
#define SYS_ALLOC(n, i) malloc(n)
#define SYS_FREE(p) free(p)
#define NONE_ALLOC(n, i) ((void)(n), (void *)none_blocks[(i)])
#define NONE_FREE(p) KEEP(p)

PATTERNS(rta, RTA_ALLOC, RTA_FREE)
PATTERNS(sys, SYS_ALLOC, SYS_FREE)
PATTERNS(none, NONE_ALLOC, NONE_FREE)

struct allocator {
    const char *name;
    void (*frames)(long), (*pair)(long), (*churn)(long);
    void (*fill)(void), (*drain)(void);
};
static const struct allocator allocators[] = {
    {"rtalloc", frames_rta, pair_rta, churn_rta, churn_fill_rta, churn_drain_rta},
    {"system", frames_sys, pair_sys, churn_sys, churn_fill_sys, churn_drain_sys},
    {"none", frames_none, pair_none, churn_none, churn_fill_none, churn_drain_none},
};

static int usage(void)
{
    fprintf(stderr, "usage: icount rtalloc|system|none frames|pair|churn [OPS]\n");
    return 2;
}

/* What the regression check needs to know about this build: instruction
 * counts of a sanitized or unoptimised build mean nothing. */
static int describe_build(void)
{
    int sanitized = 0, optimized = 0;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    sanitized = 1;
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    sanitized = 1;
#endif
#endif
#ifdef __OPTIMIZE__
    optimized = 1;
#endif
    printf("sanitized=%d optimized=%d\n", sanitized, optimized);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--build") == 0)
        return describe_build();
    if (argc < 3)
        return usage();
    const struct allocator *a = NULL;
    for (size_t i = 0; i < sizeof allocators / sizeof allocators[0]; i++)
        if (strcmp(argv[1], allocators[i].name) == 0)
            a = &allocators[i];
    long ops = argc > 3 ? atol(argv[3]) : 65536;
    if (!a || ops <= 0)
        return usage();
    ops = (ops + FRAME - 1) / FRAME * FRAME;

    draw();
    if (a->frames == frames_rta) {
        rta_config cfg;
        rta_config_defaults(&cfg);
        cfg.pool_bytes = (size_t)64 << 20;
        cfg.arena_bytes = 0;
        cfg.flags = 0; /* the production configuration, whatever configure said */
        int rc = rta_heap_create(&heap, &cfg);
        if (rc) {
            fprintf(stderr, "icount: rta_heap_create: %s\n", rta_strerror(rc));
            return 1;
        }
    }

    void (*run)(long);
    if (strcmp(argv[2], "frames") == 0)
        run = a->frames;
    else if (strcmp(argv[2], "pair") == 0)
        run = a->pair;
    else if (strcmp(argv[2], "churn") == 0)
        run = a->churn;
    else
        return usage();

    if (run == a->churn)
        a->fill();
    run(ops / 4 + LIVE * 4); /* to the steady state, unmeasured */
    CALLGRIND_TOGGLE_COLLECT;
    run(ops);
    CALLGRIND_TOGGLE_COLLECT;
    if (run == a->churn)
        a->drain();

    if (heap) {
        rta_stats st;
        rta_stats_get(heap, &st);
        if (st.bytes_live != 0 || st.failures != 0 || st.bad_frees != 0) {
            fprintf(stderr, "icount: heap not clean afterwards (%zu B live, %llu failures)\n",
                    st.bytes_live, (unsigned long long)st.failures);
            return 1;
        }
        rta_heap_destroy(heap);
    }
    printf("%ld\n", ops);
    return 0;
}
