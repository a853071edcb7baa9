/* The adversary of rtalloc-plan's promise (doc/CAPACITY.md).
 *
 *   capacity_adversary profile SCENARIO OUT.json [noexact]
 *       runs the scenario's ordinary workload on a large heap made with
 *       RTA_PROFILE (without, with "noexact") and writes its profile
 *   capacity_adversary attack SCENARIO OPTIONS [fast]
 *       OPTIONS is rtalloc-plan's RTALLOC_OPTIONS string (pool=, arena=,
 *       max_block=, threads=).  Runs the ordinary workload again for its
 *       peaks, then the scenario's adversarial schedule on a heap of
 *       exactly that configuration (RTA_PROFILE, so it can check that it
 *       stayed within the peaks; "fast" adds a second run without it, on
 *       the owner fast paths).  Prints planned and needed bytes and the
 *       failures; exits 1 if any allocation failed or the schedule left
 *       the profile's peaks.
 *   capacity_adversary spans SCENARIO OPTIONS SPANS
 *       the same schedule with the pool cut to SPANS spans: prints the
 *       failures (the harness expects some when SPANS is one less than
 *       the schedule needed: the adversary really needs what it held).
 *
 * Every schedule is sequential phases separated by barriers, so runs are
 * deterministic.  The adversaries build the design's worst cases: spans
 * kept by one live block each (fragmentation across classes), spans full
 * of blocks other threads freed and their owner never collects (pending
 * frees), caches of exited threads holding such spans, and arenas carved
 * from the pools. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtalloc.h"

#define MAXP 40000

static rta_heap *heap;
static size_t span_bytes;
static unsigned long failures_seen;
static int attacking;

static void *xalloc(size_t size)
{
    void *p = rta_malloc(heap, size);
    if (!p)
        __atomic_add_fetch(&failures_seen, 1, __ATOMIC_RELAXED);
    return p;
}

static void xfree(void *p)
{
    rta_free(heap, p); /* NULL: no-op */
}

/* Frees every block of v[0..n) but the first one of each span (so every
 * span stays held with one live block); returns how many are kept, and
 * moves them to the front of v. */
static size_t keep_one_per_span(void **v, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            continue;
        uintptr_t sp = (uintptr_t)v[i] / span_bytes;
        int seen = 0;
        for (size_t j = 0; j < kept; j++)
            if ((uintptr_t)v[j] / span_bytes == sp) {
                seen = 1;
                break;
            }
        if (seen)
            xfree(v[i]);
        else
            v[kept++] = v[i];
    }
    return kept;
}

static void alloc_n(void **v, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++)
        v[i] = xalloc(size);
}

static void free_n(void **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(v[i]);
}

static size_t blocks_per_span(size_t size)
{
    return span_bytes / size;
}

static void arena_use(rta_arena *a, size_t bytes)
{
    /* Mixed sizes and alignments, as a frame would. */
    size_t used = 0;
    for (unsigned i = 0; used < bytes; i++) {
        size_t n = 48 + (i * 37) % 200;
        if (!rta_arena_alloc(a, n, (size_t)16 << (i % 3)))
            __atomic_add_fetch(&failures_seen, 1, __ATOMIC_RELAXED);
        used += n;
    }
    rta_arena_reset(a);
}

/* ---- one-class: one thread, one class, and the frame arena ---- */
static void one_class(void)
{
    static void *v[MAXP];
    size_t p = 5000;
    if (!attacking) {
        for (int r = 0; r < 3; r++) {
            alloc_n(v, p, 48);
            free_n(v, p);
        }
    } else {
        /* Fill, leave one block per span, fill again into the holes, free. */
        alloc_n(v, p, 48);
        size_t kept = keep_one_per_span(v, p);
        alloc_n(v + kept, p - kept, 48);
        free_n(v, p);
        alloc_n(v, p, 48);
        free_n(v, p);
    }
    arena_use(rta_heap_arena(heap), 3000);
}

/* ---- staircase: one thread, every class, one live block per span ---- */
static void staircase(void)
{
    static void *v[MAXP];
    static void *kept_all[4096];
    size_t nk = 0;
    rta_stats st;
    rta_stats_get(heap, &st);
    for (unsigned k = 0; k < st.n_classes; k++) {
        size_t size = st.classes[k].block_size;
        size_t b = blocks_per_span(size);
        size_t p = b * 3 / 2 + 1; /* two spans' worth */
        alloc_n(v, p, size);
        if (!attacking) {
            free_n(v, p);
            continue;
        }
        /* The class keeps both spans with one block each, then the next
         * class starts on fresh spans: nothing one class freed can serve
         * another. */
        size_t kept = keep_one_per_span(v, p);
        for (size_t i = 0; i < kept; i++)
            kept_all[nk++] = v[i];
    }
    free_n(kept_all, nk);
}

/* ---- threaded schedules: phases run one thread at a time ---- */
struct team {
    unsigned n;
    pthread_barrier_t bar;
    void (*body)(unsigned self, struct team *t);
};
static void *thread_main(void *arg);
struct member {
    struct team *t;
    unsigned self;
};

static void run_team(unsigned n, void (*body)(unsigned, struct team *))
{
    struct team t = {.n = n, .body = body};
    pthread_barrier_init(&t.bar, NULL, n);
    pthread_t th[16];
    struct member m[16];
    for (unsigned i = 0; i < n; i++) {
        m[i].t = &t;
        m[i].self = i;
        pthread_create(&th[i], NULL, thread_main, &m[i]);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&t.bar);
}

static void *thread_main(void *arg)
{
    struct member *m = arg;
    if (rta_thread_attach(heap) != 0)
        __atomic_add_fetch(&failures_seen, 1, __ATOMIC_RELAXED);
    m->t->body(m->self, m->t);
    rta_thread_detach(heap);
    return NULL;
}

static void phase(struct team *t)
{
    pthread_barrier_wait(&t->bar);
}

/* cross-thread: thread 0 allocates, thread 1 frees (producer/consumer). */
static void *xfer[MAXP];
static void cross_body(unsigned self, struct team *t)
{
    size_t p = 3000, size = 256;
    if (!attacking) {
        for (int r = 0; r < 3; r++) {
            if (self == 0)
                alloc_n(xfer, p, size);
            phase(t);
            if (self == 1)
                free_n(xfer, p);
            phase(t);
        }
        return;
    }
    /* Each thread's blocks are freed by the other: both caches end up
     * holding spans whose blocks are all free but pending, which only
     * their owner collects. */
    for (unsigned turn = 0; turn < 2; turn++) {
        if (self == turn)
            alloc_n(xfer, p, size);
        phase(t);
        if (self != turn)
            free_n(xfer, p);
        phase(t);
    }
    /* And again: each owner collects its pending frees and reuses them. */
    if (self == 0)
        alloc_n(xfer, p, size);
    phase(t);
    if (self == 0)
        free_n(xfer, p);
    phase(t);
}
static void cross_thread(void)
{
    run_team(2, cross_body);
}

/* n-threads: 4 threads, 3 classes; each thread holds partly used spans
 * of every class: one block per span kept live, the others freed at home,
 * then the kept ones freed by the next thread (pending in their owner's
 * cache, which never allocates that class again). */
static const size_t nt_size[3] = {32, 512, 4096};
static const size_t nt_q[3] = {1000, 150, 20};
static void *nt_v[4][3][MAXP / 4];
static size_t nt_kept[4][3];
static void nthreads_body(unsigned self, struct team *t)
{
    if (!attacking) {
        for (int c = 0; c < 3; c++)
            alloc_n(nt_v[self][c], nt_q[c], nt_size[c]);
        phase(t);
        for (int c = 0; c < 3; c++)
            free_n(nt_v[self][c], nt_q[c]);
        return;
    }
    for (int c = 0; c < 3; c++) {
        size_t p = nt_q[c] * t->n; /* the class's peak */
        for (unsigned turn = 0; turn < t->n; turn++) {
            if (self == turn) {
                alloc_n(nt_v[self][c], p, nt_size[c]);
                nt_kept[self][c] = keep_one_per_span(nt_v[self][c], p);
            }
            phase(t);
            /* The last thread's kept blocks stay live (within the peak):
             * the last allocation then finds no pending frees of its own
             * for the reclaim pass to turn into an empty span. */
            if (self == (turn + 1) % t->n && turn != t->n - 1)
                free_n(nt_v[turn][c], nt_kept[turn][c]);
            phase(t);
        }
    }
    if (self == t->n - 1)
        for (int c = 0; c < 3; c++)
            free_n(nt_v[self][c], nt_kept[self][c]);
}
static void nthreads(void)
{
    run_team(4, nthreads_body);
}

/* orphans: an arena carved from the pools at set-up; blocks freed by a
 * thread that holds no cache (they stay pending in their owner's cache);
 * a thread that exits holding blocks, freed later into its orphaned
 * cache; a new thread that takes that cache over. */
#define ORPHAN_P 700
static void *orph[ORPHAN_P], *mine[ORPHAN_P];
static void *alloc_and_exit(void *arg)
{
    (void)arg;
    alloc_n(orph, ORPHAN_P, 1024);
    return NULL; /* exits holding them: its cache is orphaned */
}
static void *free_mine(void *arg)
{
    (void)arg;
    free_n(mine, ORPHAN_P); /* never allocates: holds no cache */
    return NULL;
}
static void *take_over(void *arg)
{
    (void)arg;
    alloc_n(orph, ORPHAN_P, 1024); /* the orphaned cache, pending frees and all */
    free_n(orph, ORPHAN_P);
    return NULL;
}
static void spawn(void *(*fn)(void *))
{
    pthread_t th;
    pthread_create(&th, NULL, fn, NULL);
    pthread_join(th, NULL);
}
static void orphans(void)
{
    rta_arena *a;
    if (rta_arena_create(heap, 200000, &a) != 0) {
        failures_seen++;
        return;
    }
    arena_use(a, 150000);
    alloc_n(mine, ORPHAN_P, 1024);
    if (attacking)
        spawn(free_mine);
    else
        free_n(mine, ORPHAN_P);
    spawn(alloc_and_exit);
    free_n(orph, ORPHAN_P);        /* remote frees into the orphaned cache */
    alloc_n(mine, ORPHAN_P, 1024); /* my pending frees, collected */
    free_n(mine, ORPHAN_P);
    if (attacking)
        spawn(take_over);
}

/* random: 4 threads churn 6 classes at random, half of the frees from
 * another thread (through a mailbox), each class held within its peak by
 * a budget taken before the allocation and given back after the free (a
 * wider window than the profile's count, so the heap's count stays
 * within the peak too).  Not a constructed worst case: real interleavings
 * for the spans in flight and the reserve's races.  Fixed seeds. */
#define RND_CLASSES 6
#define RND_THREADS 4
#define RND_SLOTS 256
#define RND_OWN 2048
static const size_t rnd_size[RND_CLASSES] = {16, 48, 128, 512, 2048, 8192};
static const long rnd_peak[RND_CLASSES] = {3000, 2000, 800, 300, 60, 20};
static long rnd_budget[RND_CLASSES];
static void *rnd_box[RND_SLOTS];
static unsigned long rnd_ops = 150000;

static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int class_of_block(void *p)
{
    size_t u = rta_usable_size(heap, p);
    for (int k = 0; k < RND_CLASSES; k++)
        if (rnd_size[k] == u)
            return k;
    return -1;
}

static void rnd_free(void *p)
{
    int k = class_of_block(p);
    xfree(p);
    __atomic_sub_fetch(&rnd_budget[k], 1, __ATOMIC_SEQ_CST);
}

static void random_body(unsigned self, struct team *t)
{
    if (!attacking) {
        /* Every class to its peak at once on one thread; all attached. */
        static void *v[RND_CLASSES][3000];
        if (self == 0)
            for (int k = 0; k < RND_CLASSES; k++)
                alloc_n(v[k], (size_t)rnd_peak[k], rnd_size[k]);
        phase(t);
        if (self == 0)
            for (int k = 0; k < RND_CLASSES; k++)
                free_n(v[k], (size_t)rnd_peak[k]);
        return;
    }
    void *own[RND_OWN];
    size_t n = 0;
    uint64_t seed = 0x9E3779B97F4A7C15ull * (self + 1);
    for (unsigned long i = 0; i < rnd_ops; i++) {
        uint64_t r = rnd_next(&seed);
        int k = (int)(r % RND_CLASSES);
        if ((r >> 8) % 2 == 0 && n < RND_OWN) {
            if (__atomic_add_fetch(&rnd_budget[k], 1, __ATOMIC_SEQ_CST) > rnd_peak[k]) {
                __atomic_sub_fetch(&rnd_budget[k], 1, __ATOMIC_SEQ_CST);
                continue;
            }
            void *p = xalloc(rnd_size[k]);
            if (!p) {
                __atomic_sub_fetch(&rnd_budget[k], 1, __ATOMIC_SEQ_CST);
                continue;
            }
            /* Half go to another thread to free. */
            void *expect = NULL;
            unsigned slot = (unsigned)((r >> 16) % RND_SLOTS);
            if ((r >> 12) % 2 == 0 &&
                __atomic_compare_exchange_n(&rnd_box[slot], &expect, p, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED))
                continue;
            own[n++] = p;
        } else if ((r >> 9) % 2 == 0) {
            void *p = __atomic_exchange_n(&rnd_box[(r >> 16) % RND_SLOTS], NULL, __ATOMIC_ACQ_REL);
            if (p)
                rnd_free(p);
        } else if (n > 0) {
            size_t j = (size_t)((r >> 20) % n);
            rnd_free(own[j]);
            own[j] = own[--n];
        }
    }
    while (n > 0)
        rnd_free(own[--n]);
    phase(t);
    if (self == 0)
        for (unsigned s = 0; s < RND_SLOTS; s++)
            if (rnd_box[s]) {
                rnd_free(rnd_box[s]);
                rnd_box[s] = NULL;
            }
}
static void random_churn(void)
{
    if (getenv("RTA_CAPACITY_OPS"))
        rnd_ops = strtoul(getenv("RTA_CAPACITY_OPS"), NULL, 10);
    run_team(RND_THREADS, random_body);
}

static const struct scenario {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    {"one-class", one_class}, {"staircase", staircase}, {"cross-thread", cross_thread},
    {"n-threads", nthreads},  {"orphans", orphans},     {"random", random_churn},
};

static const struct scenario *find(const char *name)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(scenarios[i].name, name))
            return &scenarios[i];
    fprintf(stderr, "capacity_adversary: no scenario '%s'\n", name);
    exit(2);
}

static int make_heap(size_t pool, size_t arena, size_t max_block, unsigned threads, unsigned flags)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = pool;
    cfg.arena_bytes = arena;
    cfg.max_block = max_block;
    cfg.max_threads = threads;
    cfg.flags = flags | RTA_NO_PREFAULT;
    int rc = rta_heap_create(&heap, &cfg);
    if (rc) {
        fprintf(stderr, "capacity_adversary: rta_heap_create: %s\n", rta_strerror(rc));
        return -1;
    }
    rta_stats st;
    rta_stats_get(heap, &st);
    span_bytes = st.span_bytes;
    failures_seen = 0;
    return 0;
}

/* The ordinary workload on a large profiled heap: its stats. */
static void profile(const struct scenario *sc, unsigned flags, rta_stats *st)
{
    if (make_heap((size_t)64 << 20, (size_t)1 << 20, (size_t)64 << 10, 16, flags) != 0)
        exit(2);
    attacking = 0;
    sc->run();
    rta_stats_get(heap, st);
}

static size_t option(const char *opts, const char *key)
{
    size_t klen = strlen(key);
    for (const char *s = opts; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
        if (!strncmp(s, key, klen) && s[klen] == '=')
            return (size_t)strtoull(s + klen + 1, NULL, 10);
    fprintf(stderr, "capacity_adversary: no %s= in '%s'\n", key, opts);
    exit(2);
}

/* The schedule on the planned heap; 0 if it stayed within the peaks of
 * `prof` (and the thread count). */
static int attack(const struct scenario *sc, const char *opts, size_t pool, unsigned flags,
                  const rta_stats *prof, rta_stats *st)
{
    unsigned threads = (unsigned)option(opts, "threads");
    if (make_heap(pool, option(opts, "arena"), option(opts, "max_block"), threads, flags) != 0)
        exit(2);
    attacking = 1;
    sc->run();
    rta_stats_get(heap, st);
    int outside = 0;
    if (st->profile) {
        for (unsigned k = 0; k < st->n_classes; k++)
            if (st->classes[k].peak > prof->classes[k].peak) {
                fprintf(stderr, "  class %zu: peak %zu above the profile's %zu\n",
                        st->classes[k].block_size, st->classes[k].peak, prof->classes[k].peak);
                outside = 1;
            }
        if (st->frame_arena.peak > prof->frame_arena.peak || st->threads_peak > threads) {
            fprintf(stderr, "  frame arena or threads above the profile\n");
            outside = 1;
        }
    }
    return outside;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "profile")) {
        rta_stats st;
        profile(find(argv[2]), argc > 4 && !strcmp(argv[4], "noexact") ? 0 : RTA_PROFILE, &st);
        FILE *f = fopen(argv[3], "w");
        if (!f || rta_stats_write_json(heap, fileno(f)) != 0) {
            perror(argv[3]);
            return 2;
        }
        fclose(f);
        return failures_seen ? 1 : 0;
    }
    if (argc >= 4 && (!strcmp(argv[1], "attack") || !strcmp(argv[1], "spans"))) {
        const struct scenario *sc = find(argv[2]);
        rta_stats prof, st;
        profile(sc, RTA_PROFILE, &prof);
        rta_heap_destroy(heap);
        size_t pool = option(argv[3], "pool");
        if (!strcmp(argv[1], "spans")) {
            if (argc < 5)
                return 2;
            /* Same span size as the planned heap: cut the span count. */
            pool = (size_t)strtoull(argv[4], NULL, 10) * prof.span_bytes;
            int outside = attack(sc, argv[3], pool, RTA_PROFILE, &prof, &st);
            printf("%s: %zu spans: %lu failures\n", sc->name, pool / st.span_bytes, failures_seen);
            return outside ? 1 : 0;
        }
        int outside = attack(sc, argv[3], pool, RTA_PROFILE, &prof, &st);
        unsigned long fails = failures_seen;
        size_t needed = st.spans_peak * st.span_bytes + st.arena_pool_bytes;
        printf("%s: planned pool %zu B (%zu spans), needed %zu B (%zu spans held at once + %zu B "
               "of arenas), failures %lu, stats failures %llu\n",
               sc->name, pool, pool / st.span_bytes, needed, st.spans_peak, st.arena_pool_bytes,
               fails, (unsigned long long)st.failures);
        printf("%s: needed-spans %zu\n", sc->name,
               st.spans_peak + st.arena_pool_bytes / st.span_bytes);
        rta_heap_destroy(heap);
        if (argc > 4 && !strcmp(argv[4], "fast")) {
            /* Again on the owner fast paths (no profile), spans counted
             * through the low-water tracking. */
            attack(sc, argv[3], pool, 0, &prof, &st);
            printf("%s: fast paths: failures %lu\n", sc->name, failures_seen);
            fails += failures_seen;
            rta_heap_destroy(heap);
        }
        return fails || outside ? 1 : 0;
    }
    fprintf(stderr, "usage: capacity_adversary profile|attack|spans SCENARIO ...\n");
    return 2;
}
