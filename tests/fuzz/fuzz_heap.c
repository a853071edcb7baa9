/* libFuzzer harness: reads a byte string as one heap's configuration and
 * a sequence of API calls on it, and runs each call through the
 * reference model (heap_model.c), which checks the result and every
 * counter against what the contract says.
 *
 * Input format (bytes run out: the input ends there):
 *   byte 0   pool_bytes (bits 0-1), arena_bytes (2-3), max_block (4-5),
 *            RTA_DEBUG (6), RTA_FALLBACK_SYSTEM (7)
 *   byte 1   a second arena carved by rta_arena_create (bit 0), max_threads
 *            (2-3), where the heap lives (bit 1, 4-7): in one static
 *            buffer, reused by every input, at an offset of
 *            (bits 4-7) * 40 + (bit 1) * 8 bytes (the library aligns it),
 *            or, when bits 4-7 are all set and bit 1 is clear, in its own
 *            mmap (then with the smallest pool and arena).  Caller
 *            memory is what makes the fuzzer fast: no mmap, munmap and
 *            first-touch page faults per input, and a heap that
 *            finds the blocks of the previous input's heap in its memory
 *            (nothing may rely on pool memory being zero).
 *   then     operations: one opcode byte, then its argument bytes
 * The seed corpus (tests/fuzz/corpus) starts the fuzzer with inputs that
 * reach each operation; tests/fuzz/run_fuzz.sh builds and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_model.h"

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

static unsigned take16(input *in)
{
    unsigned lo = take8(in);
    return lo | take8(in) << 8;
}

/* Sizes: three eighths up to 63 B, three eighths up to 1 KiB, an eighth up
 * to 16 KiB and an eighth at the edges.  The model writes and checks every
 * byte of every block, so the share of large sizes sets the fuzzer's speed:
 * with a quarter each up to 16 KiB and at the edges, the byte copies,
 * compares and calloc's zeroing were a quarter of its time (issue 15).  A
 * fallback heap (malloc serves its misses) is asked for at most
 * FALLBACK_MAX bytes at once: ASan serves larger blocks with a fresh mmap,
 * munmap and page faults each time, which cost the fuzzer a third of its
 * time (issue 15), and a fallback block's path through rtalloc does not
 * depend on its size. */
#define FALLBACK_MAX (96u << 10)

static size_t fallback_size(const heap_model *m, size_t want)
{
    return want < FALLBACK_MAX ? want : m->max_block + (FALLBACK_MAX - m->max_block) / 2;
}

static size_t take_size(input *in, const heap_model *m)
{
    unsigned v = take16(in);
    switch (v >> 13) {
    case 0:
    case 1:
    case 2:
        return v & 0x3f;
    case 3:
    case 4:
    case 5:
        return v & 0x3ff;
    case 6:
        return v & 0x3fff;
    default:
        break;
    }
    switch (v % 8) {
    case 0:
        return 0;
    case 1:
        return m->max_block;
    case 2:
        return m->max_block + 1;
    case 3:
        return m->max_block - 1;
    case 4:
        return 65536;
    case 5:
        /* malloc cannot serve these, so a fallback heap is not asked. */
        return (m->flags & RTA_FALLBACK_SYSTEM) ? fallback_size(m, m->max_block + 16) : SIZE_MAX;
    case 6:
        return (m->flags & RTA_FALLBACK_SYSTEM) ? fallback_size(m, m->max_block + 4096) : SIZE_MAX / 2;
    default:
        return (m->flags & RTA_FALLBACK_SYSTEM) ? fallback_size(m, 2 * m->max_block) : 1u << 20;
    }
}

static size_t take_align(input *in)
{
    static const size_t odd[] = {0, 3, 24, 48, 100, 4097, 12, 6};
    unsigned a = take8(in);
    if (a < 224)
        return (size_t)1 << (a % 14); /* 1 .. 8192 */
    return odd[a % 8];
}

static size_t take_arena_align(input *in)
{
    unsigned a = take8(in);
    if (a < 32)
        return 0; /* means 16 */
    if (a < 240)
        return (size_t)1 << (a % 13);
    return a % 2 ? 3 : 24;
}

static void on_trap(const rta_trap_info *info, void *user)
{
    heap_model *m = user;
    MODEL_CHECK(m, info->kind >= 0 && info->kind < MODEL_TRAP_KINDS, "trap kind %d", info->kind);
    m->traps_seen[info->kind]++;
}

/* usable_size and owns on memory that is not a block must say so. */
static void probe_foreign(heap_model *m)
{
    static unsigned char outside[32];
    MODEL_CHECK(m, rta_usable_size(m->heap, outside) == 0, "usable size of foreign memory");
    MODEL_CHECK(m, !rta_owns(m->heap, outside), "owns foreign memory");
    MODEL_CHECK(m, rta_usable_size(m->heap, NULL) == 0 && !rta_owns(m->heap, NULL),
                "NULL is owned or has a size");
}

static void run_ops(heap_model *m, input *in)
{
    /* RTA_FUZZ_TRACE=1 prints each call's input bytes: a crash input
     * replayed with it reads as a reproducer. */
    static int trace = -1;
    if (trace < 0)
        trace = getenv("RTA_FUZZ_TRACE") != NULL;
    while (in->n > 0) {
        const uint8_t *at = in->p;
        unsigned op = take8(in) % 16;
        if (trace) {
            fprintf(stderr, "op %2u:", op);
            for (const uint8_t *b = at; b < at + 5 && b < in->p + in->n; b++)
                fprintf(stderr, " %02x", *b);
            fprintf(stderr, "  (%u live blocks)\n", m->n_blocks);
        }
        switch (op) {
        case 0:
        case 1:
            model_malloc(m, take_size(in, m));
            break;
        case 2: {
            size_t n = take8(in) % 8; /* large enough to overflow with huge sizes */
            size_t size = take_size(in, m);
            if ((m->flags & RTA_FALLBACK_SYSTEM) && size < FALLBACK_MAX && n * size > FALLBACK_MAX)
                n = FALLBACK_MAX / size;
            model_calloc(m, n, size);
            break;
        }
        case 3: {
            unsigned pick = take8(in);
            model_realloc(m, pick, take_size(in, m));
            break;
        }
        case 4: {
            size_t align = take_align(in);
            model_aligned_alloc(m, align, take_size(in, m));
            break;
        }
        case 5:
        case 6:
            model_free(m, take8(in), 0, 0);
            break;
        case 7: {
            unsigned pick = take8(in);
            model_free(m, pick, 1, take16(in));
            break;
        }
        case 8:
        case 9: {
            unsigned which = take8(in);
            size_t size = take_size(in, m);
            model_arena_alloc(m, which, size ? size : 1, take_arena_align(in));
            break;
        }
        case 10:
            model_arena_mark(m, take8(in));
            break;
        case 11: {
            unsigned which = take8(in);
            model_arena_rewind(m, which, take8(in));
            break;
        }
        case 12:
            model_arena_reset(m, take8(in));
            break;
        case 13:
            model_check_contents(m);
            break;
        case 14: {
            unsigned pick = take16(in);
            model_bad_free(m, pick, take8(in));
            break;
        }
        default:
            probe_foreign(m);
            break;
        }
        model_check_stats(m);
    }
}

/* The model compares block contents with memcmp after nearly every call:
 * ASan's memcmp interceptor checked both ranges' shadow each time (a
 * tenth of the fuzzer's time), which says nothing the model does not
 * know (it compares exactly the bytes it wrote).  The library's own
 * memcpy and memset stay checked (ASan instruments them at compile time).
 * ASan's quarantine of 256 MiB and its release of free memory to the
 * system made fallback blocks land on fresh pages, two page faults per
 * input; 8 MiB still holds many inputs' worth of freed blocks. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "intercept_memcmp=0:quarantine_size_mb=8:allocator_release_to_os_interval_ms=-1";
}

/* The largest pools, arena and metadata, plus the largest offset. */
static unsigned char caller_memory[3u << 20] __attribute__((aligned(4096)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small pools: exhaustion, the reserve running dry and reclaim
     * passes are a few calls away. */
    static const size_t pools[] = {64u << 10, 128u << 10, 256u << 10, 1u << 20};
    static const size_t arenas[] = {0, 4096, 65536, 512u << 10};
    static const size_t blocks[] = {256, 1024, 4096, 65536};
    static heap_model m;
    input in = {data, size};
    rta_config cfg;
    rta_heap *h = NULL;
    unsigned b0 = take8(&in), b1 = take8(&in);
    int err;

    memset(&m, 0, sizeof m);
    rta_config_defaults(&cfg);
    cfg.pool_bytes = pools[b0 & 3];
    cfg.arena_bytes = arenas[(b0 >> 2) & 3];
    cfg.max_block = blocks[(b0 >> 4) & 3];
    cfg.flags = RTA_NO_PREFAULT;
    if (b0 & 0x40)
        cfg.flags |= RTA_DEBUG;
    if (b0 & 0x80)
        cfg.flags |= RTA_FALLBACK_SYSTEM;
    cfg.max_threads = 1 + ((b1 >> 2) & 3);
    if ((b1 & 0xf2) != 0xf0) {
        size_t offset = (b1 >> 4) * 40 + (b1 & 2) * 4;
        cfg.memory = caller_memory + offset;
        cfg.memory_bytes = sizeof caller_memory - offset;
    } else {
        /* A heap in its own mapping: the smallest pool and arena.  Every
         * page of a fresh mapping faults on first touch (RTA_NO_PREFAULT),
         * and the 6 % of inputs that took this path with pools of up to
         * 1 MiB cost a fifth of the fuzzer's time; the mapping path does
         * not depend on the sizes. */
        cfg.pool_bytes = pools[0];
        if (cfg.arena_bytes > arenas[1])
            cfg.arena_bytes = arenas[1];
    }
    cfg.on_trap = on_trap;
    cfg.trap_user = &m;

    err = rta_heap_create(&h, &cfg);
    if (err != RTA_OK) {
        /* Small pools cannot hold the biggest blocks: a clean refusal. */
        MODEL_CHECK(&m, h == NULL || err == RTA_OK, "failed create left a heap");
        MODEL_CHECK(&m, err == RTA_ERR_MAX_BLOCK || err == RTA_ERR_REGION_TOO_SMALL,
                    "create (pools %zu, arena %zu, max_block %zu) failed: %s", cfg.pool_bytes,
                    cfg.arena_bytes, cfg.max_block, rta_strerror(err));
        return 0;
    }
    model_init(&m, h, cfg.flags, cfg.max_block);
    if (cfg.arena_bytes) {
        m.arenas[0].arena = rta_heap_arena(h);
        MODEL_CHECK(&m, m.arenas[0].arena != NULL, "no frame arena");
        m.arenas[0].is_frame = 1;
        m.arenas[0].capacity = rta_arena_capacity(m.arenas[0].arena);
        MODEL_CHECK(&m, m.arenas[0].capacity >= cfg.arena_bytes, "frame arena %zu < %zu",
                    m.arenas[0].capacity, cfg.arena_bytes);
        m.n_arenas = 1;
    } else {
        MODEL_CHECK(&m, rta_heap_arena(h) == NULL, "frame arena without arena_bytes");
    }
    if (b1 & 1) {
        rta_arena *extra = NULL;
        if (rta_arena_create(h, 16384, &extra) == RTA_OK) {
            model_arena *a = &m.arenas[m.n_arenas++];
            a->arena = extra;
            a->capacity = rta_arena_capacity(extra);
            MODEL_CHECK(&m, a->capacity >= 16384, "arena of %zu < 16384", a->capacity);
        }
    }
    model_check_stats(&m);

    run_ops(&m, &in);

    model_check_contents(&m);
    model_free_all(&m);
    model_check_stats(&m);
    rta_heap_destroy(h);
    MODEL_CHECK(&m, m.traps_seen[RTA_TRAP_LEAK] == 0, "leak reported with nothing live");
    return 0;
}
