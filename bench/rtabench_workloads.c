/* The five workloads' names, descriptions and sizes, and which
 * allocators they apply to (the frame arena only where a frame's blocks
 * all die together: workloads 1, 4 and 5). */
#include "config.h"

#include "rtabench_driver.h"

static const struct {
    const char *name, *words;
} workloads[RB_W_COUNT + 1] = {
    {"", ""},
    {"audio-callback",
     "audio callback, frames of 64 allocations of 16..2048 B freed in random order"},
    {"steady-churn", "steady churn, 1024 live blocks of 16..4096 B, free one, allocate one"},
    {"cross-thread", "cross-thread, producer allocates 16..4096 B, consumer frees, lock-free ring"},
    {"noisy-neighbour", "audio callback while a second thread churns the same allocator"},
    {"scratch-frame", "scratch per frame, 8 buffers of 1..64 KiB written, freed last-first"},
};

const char *rb_workload_name(int w)
{
    return workloads[w].name;
}

const char *rb_workload_words(int w)
{
    return workloads[w].words;
}

int rb_workload_fits(int w, rb_kind kind)
{
    return kind != RB_RTA_ARENA || w == RB_W_AUDIO || w == RB_W_NEIGHBOUR || w == RB_W_SCRATCH;
}

unsigned long rb_workload_count(int w, int quick, double scale)
{
    /* full: frames of 64 allocations, or steps/items; ~1-3 s per child */
    static const unsigned long full[RB_W_COUNT + 1] = {0, 100000, 4000000, 2000000, 100000, 100000};
    static const unsigned long small[RB_W_COUNT + 1] = {0, 300, 20000, 20000, 300, 300};
    double n = (double)(quick ? small[w] : full[w]) * scale;
    return n < 1 ? 1 : (unsigned long)n;
}
