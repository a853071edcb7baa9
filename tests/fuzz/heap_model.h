/* Reference model of one rtalloc heap, for the API fuzzer.
 *
 * The model knows nothing of spans or caches: it keeps a plain list of
 * what should be live (pool blocks, fallback blocks, arena allocations)
 * with the pattern written into each, and the counters and trap counts
 * the heap should report.  After every operation the fuzzer asks the
 * model to compare: any difference is a bug (in the library, or in what
 * the model assumes the contract says) and aborts with a message.
 */
#ifndef RTA_HEAP_MODEL_H
#define RTA_HEAP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rtalloc.h"

#define MODEL_MAX_BLOCKS 256
#define MODEL_MAX_ARENA_BLOCKS 128
#define MODEL_MAX_MARKS 16
#define MODEL_TRAP_KINDS 16

enum model_block_kind { BLOCK_POOL, BLOCK_FALLBACK };

typedef struct model_block {
    unsigned char *ptr;
    size_t size;   /* bytes requested (the pattern covers them) */
    size_t usable; /* class size for pool blocks, 0 for fallback ones */
    int cls;       /* class index, -1 for fallback blocks */
    uint32_t seed; /* pattern seed */
    int kind;
} model_block;

typedef struct model_arena_block {
    unsigned char *ptr;
    size_t size;
    uint32_t seed;
} model_arena_block;

/* One arena as the model sees it: the live allocations, in bump order. */
typedef struct model_arena {
    rta_arena *arena;
    int is_frame; /* the heap's frame arena (in rta_stats too) */
    size_t capacity;
    size_t used; /* what rta_arena_used must say */
    uint64_t resets, overflows;
    model_arena_block blocks[MODEL_MAX_ARENA_BLOCKS];
    size_t used_before[MODEL_MAX_ARENA_BLOCKS]; /* used before each block */
    unsigned n_blocks;
    size_t marks[MODEL_MAX_MARKS]; /* marks taken since the last reset */
    unsigned n_marks;
} model_arena;

typedef struct heap_model {
    rta_heap *heap;
    unsigned flags;
    size_t max_block;
    unsigned n_classes;
    size_t class_size[RTA_MAX_CLASSES];

    model_block blocks[MODEL_MAX_BLOCKS];
    unsigned n_blocks;
    uint32_t next_seed;

    /* What rta_stats_get must report. */
    uint64_t allocs, frees, failures, fallbacks, bad_frees;
    size_t bytes_live, bytes_peak;
    size_t class_live[RTA_MAX_CLASSES], class_peak[RTA_MAX_CLASSES];

    /* Traps: expected from the model, seen by the handler. */
    uint64_t traps_expected[MODEL_TRAP_KINDS];
    uint64_t traps_seen[MODEL_TRAP_KINDS];

    model_arena arenas[2]; /* the frame arena and/or one from rta_arena_create */
    unsigned n_arenas;
} heap_model;

/* Aborts with a message naming the operation when cond is false. */
#define MODEL_CHECK(m, cond, ...)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            model_fail((m), __FILE__, __LINE__, #cond, __VA_ARGS__);                               \
    } while (0)

void model_fail(const heap_model *m, const char *file, int line, const char *cond, const char *fmt,
                ...) __attribute__((noreturn, format(printf, 5, 6)));

/* Reads the class table from the heap and zeroes the expectations. */
void model_init(heap_model *m, rta_heap *h, unsigned flags, size_t max_block);
/* Index of the smallest class holding size, -1 when none does. */
int model_class_for(const heap_model *m, size_t size);

/* Each call runs the real operation and checks it against the model. */
void model_malloc(heap_model *m, size_t size);
void model_calloc(heap_model *m, size_t n, size_t size);
void model_realloc(heap_model *m, unsigned pick, size_t size);
void model_aligned_alloc(heap_model *m, size_t align, size_t size);
void model_free(heap_model *m, unsigned pick, int sized, size_t size_hint);
void model_bad_free(heap_model *m, unsigned pick, unsigned variant);
void model_arena_alloc(heap_model *m, unsigned which, size_t size, size_t align);
void model_arena_mark(heap_model *m, unsigned which);
void model_arena_rewind(heap_model *m, unsigned which, unsigned pick);
void model_arena_reset(heap_model *m, unsigned which);

/* Compares every counter the heap reports with the model. */
void model_check_stats(heap_model *m);
/* Checks the pattern of every live block and arena allocation. */
void model_check_contents(heap_model *m);
/* Frees everything the model holds (end of an input). */
void model_free_all(heap_model *m);

#endif /* RTA_HEAP_MODEL_H */
