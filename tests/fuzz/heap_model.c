/* Reference model of one rtalloc heap: runs each API call for the fuzzer
 * and checks its result against what the contract (include/rtalloc.h,
 * shared/spec/api.md) says must happen.
 *
 * Checked on every call: a pointer that comes back is 16-byte aligned
 * (and aligned to its class when the class is a power of two up to 4096,
 * and to the asked alignment), lies in no other live block or arena
 * allocation, has a usable size of exactly the smallest class that holds
 * the request (aligned allocations: some class that holds it), and
 * rta_owns says yes for pool blocks, no for arena and fallback memory.
 * Every block carries a pattern that must still be there when the block
 * is freed, reallocated or inspected.  After every call the heap's
 * counters (allocs, frees, failures, fallbacks, bad frees, bytes live and
 * peak, live and peak blocks per class, arena used/resets/overflows) and
 * the traps its handler saw must equal the model's, exactly: the fuzzer
 * drives one thread, where the header promises exact figures.
 *
 * The contract leaves a few counting choices open; the model's reading
 * of each is one of the COUNT_* constants below, so a different choice
 * shows as one failing line, not as a rewrite.
 */
#include "heap_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bad alignment (NULL, EINVAL) counts as a failure. */
#define COUNT_BAD_ALIGN_AS_FAILURE 1
/* A calloc whose n*size overflows counts as a failure; it is no miss
 * (no pool could ever serve it), so it does not trap. */
#define COUNT_CALLOC_OVERFLOW_AS_FAILURE 1
#define TRAP_CALLOC_OVERFLOW 0
/* An arena that does not fit counts in the arena's overflows only. */
#define COUNT_ARENA_OVERFLOW_AS_FAILURE 0
/* A fallback block counts in fallbacks only (not allocs, bytes_live). */
#define COUNT_FALLBACK_AS_ALLOC 0

static int is_pow2(size_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

void model_fail(const heap_model *m, const char *file, int line, const char *cond, const char *fmt,
                ...)
{
    va_list ap;
    fprintf(stderr, "\nheap model: %s:%d: check failed: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  (flags 0x%x, max_block %zu, %u live blocks, %u arenas)\n", m->flags,
            m->max_block, m->n_blocks, m->n_arenas);
    abort();
}

/* Block contents: a 256-byte pseudo-random cycle, entered at an offset
 * given by the block's seed, kept in one long buffer so that filling and
 * checking a block are a memcpy and a memcmp (the fuzzer spends its time
 * in the heap, not in byte loops).  Two live blocks share an offset one
 * time in 256; overlap is caught by check_no_overlap anyway. */
#define PATTERN_MAX ((size_t)2 << 20)
static unsigned char pattern_buf[PATTERN_MAX + 256];

static const unsigned char *pattern_for(uint32_t seed, size_t n)
{
    if (pattern_buf[1] == 0)
        for (size_t i = 0; i < sizeof pattern_buf; i++)
            pattern_buf[i] =
                (unsigned char)((i & 255) * 131u + 7u) ^ (unsigned char)((i & 255) >> 3);
    if (n > PATTERN_MAX)
        abort(); /* the fuzzer never asks for that much */
    return pattern_buf + (seed & 255);
}

static void fill_pattern(unsigned char *p, size_t n, uint32_t seed)
{
    memcpy(p, pattern_for(seed, n), n);
}

static void check_pattern(const heap_model *m, const unsigned char *p, size_t n, uint32_t seed,
                          const char *what)
{
    const unsigned char *want = pattern_for(seed, n);
    if (memcmp(p, want, n) == 0)
        return;
    for (size_t i = 0; i < n; i++)
        MODEL_CHECK(m, p[i] == want[i],
                    "%s %p: byte %zu of %zu changed while live (0x%02x, wrote 0x%02x)", what,
                    (const void *)p, i, n, p[i], want[i]);
}

void model_init(heap_model *m, rta_heap *h, unsigned flags, size_t max_block)
{
    rta_stats st;
    memset(m, 0, sizeof *m);
    m->heap = h;
    m->flags = flags;
    m->max_block = max_block;
    m->next_seed = 0x5eed;
    rta_stats_get(h, &st);
    MODEL_CHECK(m, st.n_classes > 0 && st.n_classes <= RTA_MAX_CLASSES, "n_classes %u",
                st.n_classes);
    m->n_classes = st.n_classes;
    for (unsigned c = 0; c < st.n_classes; c++) {
        m->class_size[c] = st.classes[c].block_size;
        MODEL_CHECK(m, m->class_size[c] % 16 == 0, "class %u size %zu not a multiple of 16", c,
                    m->class_size[c]);
        MODEL_CHECK(m, c == 0 || m->class_size[c] > m->class_size[c - 1],
                    "class sizes not increasing at %u", c);
    }
    MODEL_CHECK(m, m->class_size[m->n_classes - 1] >= max_block,
                "largest class %zu below max_block %zu", m->class_size[m->n_classes - 1],
                max_block);
}

int model_class_for(const heap_model *m, size_t size)
{
    if (size > m->max_block)
        return -1;
    for (unsigned c = 0; c < m->n_classes; c++)
        if (m->class_size[c] >= size)
            return (int)c;
    return -1;
}

static int class_of_usable(const heap_model *m, size_t usable)
{
    for (unsigned c = 0; c < m->n_classes; c++)
        if (m->class_size[c] == usable)
            return (int)c;
    return -1;
}

/* ---- overlap ------------------------------------------------------------- */

static int ranges_overlap(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    return a < b + bn && b < a + an;
}

static size_t model_block_extent(const model_block *b)
{
    return b->usable ? b->usable : (b->size ? b->size : 1);
}

/* A new range must not touch any live block or arena allocation.  It runs
 * at every allocation over every live block: a loop without branches
 * first, the one that names the culprit only when it found one. */
static void check_no_overlap(const heap_model *m, const unsigned char *p, size_t n,
                             const char *what)
{
    int hit = 0;
    for (unsigned i = 0; i < m->n_blocks; i++)
        hit |= ranges_overlap(p, n, m->blocks[i].ptr, model_block_extent(&m->blocks[i]));
    for (unsigned a = 0; a < m->n_arenas; a++)
        for (unsigned i = 0; i < m->arenas[a].n_blocks; i++)
            hit |= ranges_overlap(p, n, m->arenas[a].blocks[i].ptr, m->arenas[a].blocks[i].size);
    if (!hit)
        return;
    for (unsigned i = 0; i < m->n_blocks; i++) {
        const model_block *b = &m->blocks[i];
        size_t bn = model_block_extent(b);
        MODEL_CHECK(m, !ranges_overlap(p, n, b->ptr, bn),
                    "%s [%p,+%zu) overlaps live block [%p,+%zu)", what, (const void *)p, n,
                    (const void *)b->ptr, bn);
    }
    for (unsigned a = 0; a < m->n_arenas; a++)
        for (unsigned i = 0; i < m->arenas[a].n_blocks; i++) {
            const model_arena_block *b = &m->arenas[a].blocks[i];
            MODEL_CHECK(m, !ranges_overlap(p, n, b->ptr, b->size),
                        "%s [%p,+%zu) overlaps arena %u allocation [%p,+%zu)", what,
                        (const void *)p, n, a, (const void *)b->ptr, b->size);
        }
}

/* ---- traps and counters -------------------------------------------------- */

static void expect_trap(heap_model *m, int kind)
{
    if (m->flags & RTA_DEBUG)
        m->traps_expected[kind]++;
}

static void count_live(heap_model *m, int cls, int delta)
{
    if (delta > 0) {
        m->allocs++;
        m->bytes_live += m->class_size[cls];
        m->class_live[cls]++;
        if (m->bytes_live > m->bytes_peak)
            m->bytes_peak = m->bytes_live;
        if (m->class_live[cls] > m->class_peak[cls])
            m->class_peak[cls] = m->class_live[cls];
    } else {
        m->frees++;
        m->bytes_live -= m->class_size[cls];
        m->class_live[cls]--;
    }
}

void model_check_stats(heap_model *m)
{
    /* Static, not on the stack: ASan would poison and unpoison the 2 KiB
     * of its redzones at every call, and this runs after every call. */
    static rta_stats st;
    rta_stats_get(m->heap, &st);
    MODEL_CHECK(m, st.allocs == m->allocs, "allocs %llu, model %llu", (unsigned long long)st.allocs,
                (unsigned long long)m->allocs);
    MODEL_CHECK(m, st.frees == m->frees, "frees %llu, model %llu", (unsigned long long)st.frees,
                (unsigned long long)m->frees);
    MODEL_CHECK(m, st.failures == m->failures, "failures %llu, model %llu",
                (unsigned long long)st.failures, (unsigned long long)m->failures);
    MODEL_CHECK(m, st.fallbacks == m->fallbacks, "fallbacks %llu, model %llu",
                (unsigned long long)st.fallbacks, (unsigned long long)m->fallbacks);
    MODEL_CHECK(m, st.bad_frees == m->bad_frees, "bad_frees %llu, model %llu",
                (unsigned long long)st.bad_frees, (unsigned long long)m->bad_frees);
    MODEL_CHECK(m, st.remote_frees == 0, "remote_frees %llu with one thread",
                (unsigned long long)st.remote_frees);
    MODEL_CHECK(m, st.bytes_live == m->bytes_live, "bytes_live %zu, model %zu", st.bytes_live,
                m->bytes_live);
    MODEL_CHECK(m, st.bytes_peak == m->bytes_peak, "bytes_peak %zu, model %zu", st.bytes_peak,
                m->bytes_peak);
    MODEL_CHECK(m, st.n_classes == m->n_classes, "n_classes changed to %u", st.n_classes);
    /* Every class after every call: one pass without branches, then, only
     * when something differs, the pass that says what. */
    uint64_t differ = 0;
    unsigned n = m->n_classes < RTA_MAX_CLASSES ? m->n_classes : RTA_MAX_CLASSES;
    for (unsigned c = 0; c < n; c++) {
        const rta_class_stats *cs = &st.classes[c];
        differ |= (cs->live ^ m->class_live[c]) | (cs->peak ^ m->class_peak[c]) |
                  (cs->capacity < cs->live);
    }
    for (unsigned c = 0; differ && c < m->n_classes; c++) {
        const rta_class_stats *cs = &st.classes[c];
        MODEL_CHECK(m, cs->live == m->class_live[c], "class %u (%zu B) live %zu, model %zu", c,
                    m->class_size[c], cs->live, m->class_live[c]);
        MODEL_CHECK(m, cs->peak == m->class_peak[c], "class %u (%zu B) peak %zu, model %zu", c,
                    m->class_size[c], cs->peak, m->class_peak[c]);
        MODEL_CHECK(m, cs->capacity >= cs->live, "class %u capacity %zu below live %zu", c,
                    cs->capacity, cs->live);
    }
    for (unsigned a = 0; a < m->n_arenas; a++) {
        const model_arena *ma = &m->arenas[a];
        rta_arena_stats as;
        rta_arena_stats_get(ma->arena, &as);
        MODEL_CHECK(m, as.used == ma->used && rta_arena_used(ma->arena) == ma->used,
                    "arena %u used %zu / %zu, model %zu", a, as.used, rta_arena_used(ma->arena),
                    ma->used);
        MODEL_CHECK(m, as.capacity == ma->capacity, "arena %u capacity %zu, model %zu", a,
                    as.capacity, ma->capacity);
        MODEL_CHECK(m, as.peak >= as.used && as.peak <= as.capacity,
                    "arena %u peak %zu outside [used %zu, capacity %zu]", a, as.peak, as.used,
                    as.capacity);
        MODEL_CHECK(m, as.resets == ma->resets, "arena %u resets %llu, model %llu", a,
                    (unsigned long long)as.resets, (unsigned long long)ma->resets);
        MODEL_CHECK(m, as.overflows == ma->overflows, "arena %u overflows %llu, model %llu", a,
                    (unsigned long long)as.overflows, (unsigned long long)ma->overflows);
        if (ma->is_frame) {
            MODEL_CHECK(m,
                        st.frame_arena.used == ma->used && st.frame_arena.resets == ma->resets &&
                            st.frame_arena.overflows == ma->overflows &&
                            st.frame_arena.capacity == ma->capacity,
                        "frame_arena in rta_stats differs from rta_arena_stats_get");
        }
    }
    for (int k = 0; k < MODEL_TRAP_KINDS; k++)
        MODEL_CHECK(m, m->traps_seen[k] == m->traps_expected[k],
                    "trap %d (%s) seen %llu times, model %llu", k, rta_trap_name(k),
                    (unsigned long long)m->traps_seen[k], (unsigned long long)m->traps_expected[k]);
}

void model_check_contents(heap_model *m)
{
    for (unsigned i = 0; i < m->n_blocks; i++) {
        const model_block *b = &m->blocks[i];
        check_pattern(m, b->ptr, b->size, b->seed, "block");
        if (b->kind == BLOCK_POOL) {
            MODEL_CHECK(m, rta_usable_size(m->heap, b->ptr) == b->usable,
                        "usable size of live %p changed to %zu (was %zu)", (void *)b->ptr,
                        rta_usable_size(m->heap, b->ptr), b->usable);
            MODEL_CHECK(m, rta_owns(m->heap, b->ptr), "heap disowns live block %p", (void *)b->ptr);
        }
    }
    for (unsigned a = 0; a < m->n_arenas; a++)
        for (unsigned i = 0; i < m->arenas[a].n_blocks; i++) {
            const model_arena_block *b = &m->arenas[a].blocks[i];
            check_pattern(m, b->ptr, b->size, b->seed, "arena allocation");
        }
}

/* ---- pool blocks --------------------------------------------------------- */

/* Records a block the heap just returned for a request of `size` (class
 * `want`, -1 when no class holds it; any class for aligned requests). */
static void accept_block(heap_model *m, void *vp, size_t size, int want, size_t align, int zeroed)
{
    unsigned char *p = vp;
    model_block *b;
    MODEL_CHECK(m, m->n_blocks < MODEL_MAX_BLOCKS, "model table full");
    MODEL_CHECK(m, ((uintptr_t)p & 15) == 0, "%p not 16-byte aligned", vp);
    if (align)
        MODEL_CHECK(m, ((uintptr_t)p & (align - 1)) == 0, "%p not aligned to %zu", vp, align);
    b = &m->blocks[m->n_blocks];
    b->ptr = p;
    b->size = size;
    b->seed = m->next_seed++ * 2654435761u;
    if (rta_owns(m->heap, p)) {
        size_t usable = rta_usable_size(m->heap, p);
        int cls = class_of_usable(m, usable);
        MODEL_CHECK(m, want >= 0 || align, "pool served %zu B, above max_block %zu", size,
                    m->max_block);
        MODEL_CHECK(m, cls >= 0, "usable size %zu of %p is no class size", usable, vp);
        if (align)
            MODEL_CHECK(m, usable >= size, "aligned block of %zu B for %zu B", usable, size);
        else
            MODEL_CHECK(m, cls == want, "usable size %zu for %zu B, smallest class is %zu", usable,
                        size, m->class_size[want]);
        if (is_pow2(usable) && usable <= 4096)
            MODEL_CHECK(m, ((uintptr_t)p & (usable - 1)) == 0,
                        "%p of power-of-two class %zu not aligned to it", vp, usable);
        b->kind = BLOCK_POOL;
        b->usable = usable;
        b->cls = cls;
        check_no_overlap(m, p, usable, "new block");
        count_live(m, cls, +1);
    } else {
        /* Not ours: only a fallback may hand out system memory. */
        MODEL_CHECK(m, m->flags & RTA_FALLBACK_SYSTEM, "%p for %zu B is not pool memory", vp, size);
        /* The heap records each fallback's size to move it on realloc. */
        MODEL_CHECK(m, rta_usable_size(m->heap, p) == size, "fallback %p of %zu B: usable %zu", vp,
                    size, rta_usable_size(m->heap, p));
        b->kind = BLOCK_FALLBACK;
        b->usable = 0;
        b->cls = -1;
        check_no_overlap(m, p, size ? size : 1, "fallback block");
        m->fallbacks++;
        if (COUNT_FALLBACK_AS_ALLOC)
            m->allocs++;
        expect_trap(m, RTA_TRAP_FALLBACK);
    }
    if (zeroed) {
        static const unsigned char zeros[4096];
        for (size_t i = 0; i < size; i += sizeof zeros) {
            size_t n = size - i < sizeof zeros ? size - i : sizeof zeros;
            MODEL_CHECK(m, memcmp(p + i, zeros, n) == 0, "calloc block %p not zeroed near %zu", vp,
                        i);
        }
    }
    fill_pattern(p, size, b->seed);
    m->n_blocks++;
}

/* A NULL from a pool call: allowed for a miss, counted, errno set. */
static void accept_null(heap_model *m, size_t size, int want, int err)
{
    MODEL_CHECK(m, errno == err, "NULL for %zu B with errno %d, want %d", size, errno, err);
    /* The fuzzer asks a fallback heap only for sizes malloc can serve. */
    if (err == ENOMEM)
        MODEL_CHECK(m, !(m->flags & RTA_FALLBACK_SYSTEM),
                    "NULL for %zu B (class %d) although RTA_FALLBACK_SYSTEM is set", size, want);
    m->failures++;
    if (err == ENOMEM)
        expect_trap(m, RTA_TRAP_EXHAUSTED);
}

void model_malloc(heap_model *m, size_t size)
{
    int want = model_class_for(m, size);
    void *p;
    if (m->n_blocks >= MODEL_MAX_BLOCKS)
        return;
    errno = 0;
    p = rta_malloc(m->heap, size);
    if (p)
        accept_block(m, p, size, want, 0, 0);
    else
        accept_null(m, size, want, ENOMEM);
}

void model_calloc(heap_model *m, size_t n, size_t size)
{
    void *p;
    int overflow = size != 0 && n > SIZE_MAX / size;
    int want = overflow ? -2 : model_class_for(m, n * size);
    if (m->n_blocks >= MODEL_MAX_BLOCKS)
        return;
    errno = 0;
    p = rta_calloc(m->heap, n, size);
    if (overflow) {
        MODEL_CHECK(m, p == NULL, "calloc(%zu, %zu) overflows but returned %p", n, size, p);
        MODEL_CHECK(m, errno == ENOMEM, "calloc overflow errno %d", errno);
        if (COUNT_CALLOC_OVERFLOW_AS_FAILURE)
            m->failures++;
        if (TRAP_CALLOC_OVERFLOW)
            expect_trap(m, RTA_TRAP_EXHAUSTED);
        return;
    }
    if (p)
        accept_block(m, p, n * size, want, 0, 1);
    else
        accept_null(m, n * size, want, ENOMEM);
}

void model_aligned_alloc(heap_model *m, size_t align, size_t size)
{
    void *p;
    if (m->n_blocks >= MODEL_MAX_BLOCKS)
        return;
    errno = 0;
    p = rta_aligned_alloc(m->heap, align, size);
    if (!is_pow2(align)) {
        MODEL_CHECK(m, p == NULL, "aligned_alloc(%zu) returned %p", align, p);
        MODEL_CHECK(m, errno == EINVAL, "aligned_alloc(%zu) errno %d, want EINVAL", align, errno);
        if (COUNT_BAD_ALIGN_AS_FAILURE)
            m->failures++;
        return;
    }
    if (p)
        accept_block(m, p, size, model_class_for(m, size), align, 0);
    else
        accept_null(m, size, model_class_for(m, size), ENOMEM);
}

/* Removes block i from the table (its slot is taken by the last one). */
static void drop_block(heap_model *m, unsigned i)
{
    model_block *b = &m->blocks[i];
    if (b->kind == BLOCK_POOL)
        count_live(m, b->cls, -1);
    else if (COUNT_FALLBACK_AS_ALLOC)
        m->frees++;
    m->blocks[i] = m->blocks[--m->n_blocks];
}

void model_free(heap_model *m, unsigned pick, int sized, size_t size_hint)
{
    model_block *b;
    unsigned i;
    if (m->n_blocks == 0) {
        rta_free(m->heap, NULL); /* a no-op that must change nothing */
        return;
    }
    i = pick % m->n_blocks;
    b = &m->blocks[i];
    check_pattern(m, b->ptr, b->size, b->seed, "block before free");
    if (sized && b->kind == BLOCK_POOL) {
        /* Any size of the same class is the size "as allocated". */
        size_t lo = b->cls > 0 ? m->class_size[b->cls - 1] + 1 : 0;
        size_t size = lo + size_hint % (b->usable - lo + 1);
        if (model_class_for(m, size) != b->cls)
            size = b->size; /* aligned blocks: only the request is safe */
        rta_free_sized(m->heap, b->ptr, size);
    } else if (sized) {
        rta_free_sized(m->heap, b->ptr, b->size);
    } else {
        rta_free(m->heap, b->ptr);
    }
    drop_block(m, i);
}

void model_realloc(heap_model *m, unsigned pick, size_t size)
{
    model_block *b;
    unsigned i;
    unsigned char *p;
    int want = model_class_for(m, size);
    if (m->n_blocks >= MODEL_MAX_BLOCKS) /* a move holds two blocks a moment */
        return;
    errno = 0;
    if (m->n_blocks == 0 || pick % 8 == 0) { /* realloc(NULL, n) is malloc */
        p = rta_realloc(m->heap, NULL, size);
        if (p)
            accept_block(m, p, size, want, 0, 0);
        else
            accept_null(m, size, want, ENOMEM);
        return;
    }
    i = pick % m->n_blocks;
    b = &m->blocks[i];
    check_pattern(m, b->ptr, b->size, b->seed, "block before realloc");
    if (size == 0) {
        /* Frees b and returns what rta_malloc(h, 0) would. */
        p = rta_realloc(m->heap, b->ptr, 0);
        drop_block(m, i);
        if (p)
            accept_block(m, p, 0, model_class_for(m, 0), 0, 0);
        else
            accept_null(m, 0, want, ENOMEM);
        return;
    }
    p = rta_realloc(m->heap, b->ptr, size);
    if (b->kind == BLOCK_POOL && want == b->cls) {
        size_t keep = size < b->size ? size : b->size;
        MODEL_CHECK(m, p == b->ptr, "realloc %p to %zu B in its class moved to %p", (void *)b->ptr,
                    size, (void *)p);
        check_pattern(m, p, keep, b->seed, "block after in-place realloc");
        b->size = size;
        fill_pattern(p, size, b->seed);
        return;
    }
    if (!p) { /* b untouched, still live */
        accept_null(m, size, want, ENOMEM);
        check_pattern(m, b->ptr, b->size, b->seed, "block after failed realloc");
        return;
    }
    MODEL_CHECK(m, p != b->ptr, "realloc of %zu B block to %zu B: same pointer, new class", b->size,
                size);
    {
        size_t keep = size < b->size ? size : b->size;
        /* The copy must carry the old pattern; the new block gets its own.
         * The heap allocates before it frees, so both count for the peak. */
        check_pattern(m, p, keep, b->seed, "block moved by realloc");
        accept_block(m, p, size, want, 0, 0);
        drop_block(m, i);
    }
}

/* Frees that are wrong on purpose: each must be refused, counted, and
 * (with RTA_DEBUG) trapped, and must leave every live block alone. */
void model_bad_free(heap_model *m, unsigned pick, unsigned variant)
{
    static unsigned char outside[64] __attribute__((aligned(16)));
    int debug = (m->flags & RTA_DEBUG) != 0;
    uint64_t before[MODEL_TRAP_KINDS];
    memcpy(before, m->traps_seen, sizeof before);

    switch (variant % 4) {
    case 0: /* memory the heap never saw */
        rta_free(m->heap, outside + 16);
        m->bad_frees++;
        expect_trap(m, RTA_TRAP_FOREIGN_FREE);
        return;
    case 1: { /* inside a live pool block (debug: contract says it traps) */
        model_block *b = NULL;
        if (!debug)
            return;
        for (unsigned k = 0; k < m->n_blocks && !b; k++)
            if (m->blocks[(pick + k) % m->n_blocks].kind == BLOCK_POOL)
                b = &m->blocks[(pick + k) % m->n_blocks];
        if (!b || b->usable < 2)
            return;
        rta_free(m->heap, b->ptr + 1 + (pick >> 8) % (b->usable - 1));
        m->bad_frees++;
        expect_trap(m, RTA_TRAP_INTERIOR_FREE);
        return;
    }
    case 2: { /* a block freed just now, freed again (debug only) */
        unsigned i;
        unsigned char *p;
        int cls;
        if (!debug || m->n_blocks == 0)
            return;
        i = pick % m->n_blocks;
        if (m->blocks[i].kind != BLOCK_POOL)
            return;
        p = m->blocks[i].ptr;
        cls = m->blocks[i].cls;
        rta_free(m->heap, p);
        drop_block(m, i);
        model_check_stats(m);
        rta_free(m->heap, p);
        m->bad_frees++;
        /* A span whose last block went home may be back in the reserve, so
         * the heap may call it foreign: either name is right. */
        MODEL_CHECK(m,
                    m->traps_seen[RTA_TRAP_DOUBLE_FREE] == before[RTA_TRAP_DOUBLE_FREE] + 1 ||
                        m->traps_seen[RTA_TRAP_FOREIGN_FREE] == before[RTA_TRAP_FOREIGN_FREE] + 1,
                    "double free of %p (class %d) did not trap", (void *)p, cls);
        m->traps_expected[RTA_TRAP_DOUBLE_FREE] = m->traps_seen[RTA_TRAP_DOUBLE_FREE];
        m->traps_expected[RTA_TRAP_FOREIGN_FREE] = m->traps_seen[RTA_TRAP_FOREIGN_FREE];
        return;
    }
    default: { /* an arena allocation is no pool block (debug only) */
        model_arena *a = &m->arenas[pick % (m->n_arenas ? m->n_arenas : 1)];
        if (!debug || m->n_arenas == 0 || a->n_blocks == 0)
            return;
        rta_free(m->heap, a->blocks[(pick >> 4) % a->n_blocks].ptr);
        m->bad_frees++;
        MODEL_CHECK(m,
                    m->traps_seen[RTA_TRAP_FOREIGN_FREE] == before[RTA_TRAP_FOREIGN_FREE] + 1 ||
                        m->traps_seen[RTA_TRAP_INTERIOR_FREE] == before[RTA_TRAP_INTERIOR_FREE] + 1,
                    "free of arena memory did not trap as foreign or interior");
        m->traps_expected[RTA_TRAP_FOREIGN_FREE] = m->traps_seen[RTA_TRAP_FOREIGN_FREE];
        m->traps_expected[RTA_TRAP_INTERIOR_FREE] = m->traps_seen[RTA_TRAP_INTERIOR_FREE];
        return;
    }
    }
}

void model_free_all(heap_model *m)
{
    while (m->n_blocks > 0)
        model_free(m, m->n_blocks - 1, 0, 0);
}

/* ---- arenas -------------------------------------------------------------- */

void model_arena_alloc(heap_model *m, unsigned which, size_t size, size_t align)
{
    model_arena *a;
    unsigned char *p;
    size_t real_align = align ? align : 16;
    if (m->n_arenas == 0)
        return;
    a = &m->arenas[which % m->n_arenas];
    if (a->n_blocks >= MODEL_MAX_ARENA_BLOCKS)
        return;
    errno = 0;
    p = rta_arena_alloc(a->arena, size, align);
    if (!is_pow2(real_align)) {
        MODEL_CHECK(m, p == NULL && errno == EINVAL,
                    "arena align %zu gave %p errno %d, want NULL EINVAL", align, (void *)p, errno);
        MODEL_CHECK(m, rta_arena_used(a->arena) == a->used, "bad align moved the arena");
        return;
    }
    if (!p) {
        /* Only when it cannot fit even with the best luck in padding. */
        MODEL_CHECK(m, size > a->capacity || a->used + real_align - 1 > a->capacity - size,
                    "arena NULL for %zu B align %zu with %zu of %zu used", size, real_align,
                    a->used, a->capacity);
        MODEL_CHECK(m, errno == ENOMEM, "arena overflow errno %d", errno);
        a->overflows++;
        if (COUNT_ARENA_OVERFLOW_AS_FAILURE)
            m->failures++;
        expect_trap(m, RTA_TRAP_ARENA_OVERFLOW);
        return;
    }
    {
        size_t used = rta_arena_used(a->arena);
        model_arena_block *b = &a->blocks[a->n_blocks];
        MODEL_CHECK(m, size <= a->capacity && a->used + size <= a->capacity,
                    "arena served %zu B with %zu of %zu used", size, a->used, a->capacity);
        MODEL_CHECK(m, ((uintptr_t)p & (real_align - 1)) == 0, "arena %p not aligned to %zu",
                    (void *)p, real_align);
        MODEL_CHECK(
            m, used >= a->used + size && used - a->used - size < real_align && used <= a->capacity,
            "arena used %zu after %zu B align %zu from %zu", used, size, real_align, a->used);
        MODEL_CHECK(m, !rta_owns(m->heap, p), "rta_owns claims arena memory %p", (void *)p);
        check_no_overlap(m, p, size, "arena allocation");
        b->ptr = p;
        b->size = size;
        b->seed = m->next_seed++ * 2654435761u;
        fill_pattern(p, size, b->seed);
        a->used_before[a->n_blocks] = a->used;
        a->n_blocks++;
        a->used = used;
    }
}

void model_arena_mark(heap_model *m, unsigned which)
{
    model_arena *a;
    size_t mark;
    if (m->n_arenas == 0)
        return;
    a = &m->arenas[which % m->n_arenas];
    mark = rta_arena_mark(a->arena);
    MODEL_CHECK(m, mark == a->used, "arena mark %zu, used %zu", mark, a->used);
    if (a->n_marks < MODEL_MAX_MARKS)
        a->marks[a->n_marks++] = mark;
}

/* Drops the arena's allocations made at or after `used`, checking each. */
static void arena_drop_from(heap_model *m, model_arena *a, size_t used)
{
    while (a->n_blocks > 0 && a->used_before[a->n_blocks - 1] >= used) {
        model_arena_block *b = &a->blocks[a->n_blocks - 1];
        check_pattern(m, b->ptr, b->size, b->seed, "arena allocation before drop");
        a->n_blocks--;
    }
    a->used = used;
}

void model_arena_rewind(heap_model *m, unsigned which, unsigned pick)
{
    model_arena *a;
    size_t mark;
    if (m->n_arenas == 0)
        return;
    a = &m->arenas[which % m->n_arenas];
    if (a->n_marks == 0)
        return;
    /* Rewinding to a mark drops the marks taken after it. */
    a->n_marks = pick % a->n_marks + 1;
    mark = a->marks[a->n_marks - 1];
    arena_drop_from(m, a, mark); /* checks before debug poisons them */
    rta_arena_rewind(a->arena, mark);
    MODEL_CHECK(m, rta_arena_used(a->arena) == mark, "used %zu after rewind to %zu",
                rta_arena_used(a->arena), mark);
}

void model_arena_reset(heap_model *m, unsigned which)
{
    model_arena *a;
    if (m->n_arenas == 0)
        return;
    a = &m->arenas[which % m->n_arenas];
    arena_drop_from(m, a, 0);
    rta_arena_reset(a->arena);
    a->n_marks = 0;
    a->resets++;
    MODEL_CHECK(m, rta_arena_used(a->arena) == 0, "used %zu after reset", rta_arena_used(a->arena));
}
