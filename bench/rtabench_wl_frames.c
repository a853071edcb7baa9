/* Workloads built of frames: 1 (audio callback), 4 (audio callback with a
 * noisy neighbour) and 5 (scratch buffers per frame).
 *
 * A frame allocates a fixed number of blocks, writes them (workload 5
 * writes every page, so memory handed back to the system shows up as
 * page faults), then frees them all: in a random order for the audio
 * frames, last-in-first-out for scratch; the arena frees by one reset.
 * Each measured pass runs the same number of frames three ways: a timer
 * around every call (the distribution), a timer around every whole frame
 * only, and no timer inside at all (the exact cost per allocation), each
 * in chunks (see rtabench_series.h). */
#include "config.h"

#include <string.h>

#include "rtabench_neighbour.h"
#include "rtabench_run.h"

#define RB_PAGE 4096u

/* Inlined with constant pass/shape arguments, so each pass is its own
 * loop without a per-op test of what to time. */
static inline __attribute__((always_inline)) int run_frames(rb_run *run, unsigned long nframes,
                                                            rb_pass pass, unsigned per_frame,
                                                            int scratch, uint64_t *pos)
{
    rb_allocator *a = &run->alloc;
    rb_result *r = &run->res;
    const uint32_t *sizes = run->sizes;
    void *ptrs[RB_FRAME_ALLOCS];
    uint64_t k = *pos;

    for (unsigned long f = 0; f < nframes; f++) {
        uint64_t frame_start = pass == RB_PASS_PER_FRAME ? rb_ticks_begin() : 0;
        for (unsigned j = 0; j < per_frame; j++) {
            size_t size = sizes[(k + j) & (RB_SIZES - 1)];
            void *p;
            if (pass == RB_PASS_PER_OP) {
                uint64_t t0 = rb_ticks_begin();
                p = rb_alloc(a, size);
                uint64_t t1 = rb_ticks_end();
                rb_series_add(&r->alloc, t1 - t0);
            } else {
                p = rb_alloc(a, size);
            }
            if (__builtin_expect(p == NULL, 0)) {
                r->failed = 1;
                return -1;
            }
            if (scratch) {
                for (size_t off = 0; off < size; off += RB_PAGE)
                    ((volatile char *)p)[off] = (char)off;
                ((volatile char *)p)[size - 1] = 1;
            } else {
                *(volatile uint64_t *)p = size;
            }
            ptrs[j] = p;
        }
        if (rb_frees_at_frame_end(a)) {
            if (pass == RB_PASS_PER_OP) {
                uint64_t t0 = rb_ticks_begin();
                rb_frame_end(a);
                uint64_t t1 = rb_ticks_end();
                rb_series_add(&r->free, t1 - t0);
            } else {
                rb_frame_end(a);
            }
        } else {
            const uint8_t *perm = run->perms[(k / per_frame) & (RB_PERMS - 1)];
            for (unsigned j = 0; j < per_frame; j++) {
                void *p = ptrs[scratch ? per_frame - 1 - j : perm[j]];
                if (pass == RB_PASS_PER_OP) {
                    uint64_t t0 = rb_ticks_begin();
                    rb_free(a, p);
                    uint64_t t1 = rb_ticks_end();
                    rb_series_add(&r->free, t1 - t0);
                } else {
                    rb_free(a, p);
                }
            }
        }
        if (pass == RB_PASS_PER_FRAME)
            rb_series_add(&r->frame, rb_ticks_end() - frame_start);
        k += per_frame;
    }
    *pos = k;
    return 0;
}

/* One chunk: the pass and the frame's shape become constants. */
static int audio_chunk(rb_run *run, unsigned long n, rb_pass pass, void *ctx)
{
    uint64_t *pos = ctx;
    switch (pass) {
    case RB_PASS_PER_OP:
        return run_frames(run, n, RB_PASS_PER_OP, RB_FRAME_ALLOCS, 0, pos);
    case RB_PASS_PER_FRAME:
        return run_frames(run, n, RB_PASS_PER_FRAME, RB_FRAME_ALLOCS, 0, pos);
    default:
        return run_frames(run, n, RB_PASS_UNTIMED, RB_FRAME_ALLOCS, 0, pos);
    }
}

static int scratch_chunk(rb_run *run, unsigned long n, rb_pass pass, void *ctx)
{
    uint64_t *pos = ctx;
    switch (pass) {
    case RB_PASS_PER_OP:
        return run_frames(run, n, RB_PASS_PER_OP, RB_SCRATCH_ALLOCS, 1, pos);
    case RB_PASS_PER_FRAME:
        return run_frames(run, n, RB_PASS_PER_FRAME, RB_SCRATCH_ALLOCS, 1, pos);
    default:
        return run_frames(run, n, RB_PASS_UNTIMED, RB_SCRATCH_ALLOCS, 1, pos);
    }
}

static int passes(rb_run *run, unsigned per_frame, int scratch)
{
    uint64_t pos = 0;
    rb_pass_desc d = {.chunk = scratch ? scratch_chunk : audio_chunk,
                      .ctx = &pos,
                      .units_per_chunk = RB_CHUNK_SAMPLES / per_frame};
    int rc = 0;
    /* Warm-up runs every pass's code once: first execution of a code page
     * is a page fault, which belongs to the harness, not the allocator. */
    unsigned long warm = run->warmup / 3 + 1;
    rc |= rb_run_pass(run, &d, warm, RB_PASS_PER_OP, 0, NULL);
    rc |= rb_run_pass(run, &d, warm, RB_PASS_PER_FRAME, 0, NULL);
    rc |= rb_run_pass(run, &d, warm, RB_PASS_UNTIMED, 0, NULL);
    rb_run_clear_figures(run);
    rc |= rb_run_pass(run, &d, run->count, RB_PASS_PER_OP, 1, NULL);
    rc |= rb_run_pass(run, &d, run->count, RB_PASS_PER_FRAME, 1, NULL);
    rc |= rb_run_pass(run, &d, run->count, RB_PASS_UNTIMED, 1, &run->res.untimed);
    run->res.allocs_per_unit = per_frame;
    return rc;
}

int rb_workload_frames(rb_run *run)
{
    if (run->workload == RB_W_SCRATCH)
        return passes(run, RB_SCRATCH_ALLOCS, 1);
    if (run->workload == RB_W_AUDIO)
        return passes(run, RB_FRAME_ALLOCS, 0);

    rb_neighbour n;
    if (rb_neighbour_start(&n, &run->alloc) != 0)
        return -1;
    int rc = passes(run, RB_FRAME_ALLOCS, 0);
    if (rb_neighbour_stop(&n) != 0)
        rc = -1;
    run->res.neighbour_ops = n.ops;
    return rc;
}
