/* What one benchmark run (one workload, one allocator, one process)
 * holds: its parameters, the precomputed random tables it reads, and the
 * figures it produces.
 *
 * Random sizes, free orders and slot choices are drawn before the
 * measured phase into tables, with the same seed for every allocator, so
 * each allocator sees the very same sequence of requests and the
 * harness's share of an operation is a load from a table. */
#ifndef RTABENCH_RUN_H
#define RTABENCH_RUN_H

#include <pthread.h>
#include <stdint.h>

#include "rtabench_alloc.h"
#include "rtabench_hist.h"
#include "rtabench_series.h"
#include "rtabench_timer.h"

#define RB_FRAME_ALLOCS 64u  /* workloads 1 and 4 */
#define RB_SCRATCH_ALLOCS 8u /* workload 5 */
#define RB_CHURN_LIVE 1024u  /* workload 2 */
#define RB_SIZES (1u << 18)  /* random sizes, cycled */
#define RB_PERMS 4096u       /* random free orders of a 64-block frame */

/* Written to /dev/null around each measured chunk; strace shows them. */
#define RB_MARK_BEGIN "rtabench:measured-phase-begin"
#define RB_MARK_END "rtabench:measured-phase-end"

enum { RB_W_AUDIO = 1, RB_W_CHURN, RB_W_XTHREAD, RB_W_NEIGHBOUR, RB_W_SCRATCH, RB_W_COUNT = 5 };

typedef enum rb_pass { RB_PASS_PER_OP, RB_PASS_PER_FRAME, RB_PASS_UNTIMED } rb_pass;

/* Time a pass took, summed over its chunks: all of them, and those in
 * which no thread of the workload was preempted. */
typedef struct rb_pass_time {
    uint64_t ticks, units;
    uint64_t clean_ticks, clean_units;
} rb_pass_time;

typedef struct rb_result {
    rb_series alloc;          /* per allocation */
    rb_series free;           /* per free (arena: per frame reset) */
    rb_series frame;          /* whole frame, no per-op timer inside */
    rb_pass_time untimed;     /* pass with no timer inside */
    unsigned allocs_per_unit; /* allocations in a frame, step or item */
    uint64_t neighbour_ops;   /* workload 4: the neighbour's alloc+free pairs */
    rb_chunk_stats chunks;    /* the measuring thread's chunks */
    rb_chunk_stats helper;    /* workload 3: the consumer's preemptions */
    int failed;               /* an allocation returned NULL */
} rb_result;

typedef struct rb_run {
    int workload;
    rb_allocator alloc;
    rb_timer timer;
    unsigned long count;  /* frames, steps or items of each measured pass */
    unsigned long warmup; /* the same, before measuring */
    int marker_fd;        /* /dev/null: the strace pass's chunk markers */
    uint32_t *sizes;      /* RB_SIZES random sizes in the workload's range */
    uint8_t (*perms)[RB_FRAME_ALLOCS];
    uint16_t *slots; /* RB_SIZES random slot numbers below RB_CHURN_LIVE */
    rb_result res;
} rb_run;

/* Fills the tables for the run's workload (set-up; exits on failure). */
void rb_run_make_tables(rb_run *run, uint64_t seed);
void rb_run_free_tables(rb_run *run);

/* Forgets the samples the warm-up recorded. */
void rb_run_clear_figures(rb_run *run);

/* How a workload runs one chunk of a pass: `chunk` does n units (frames,
 * steps or items) the way `pass` says; `after_chunk`, when set, runs
 * after the chunk's closing bracket (outside the markers) and says
 * whether the workload's other thread went unpreempted.  A workload
 * whose frees are timed by another thread flushes that series itself. */
typedef struct rb_pass_desc {
    int (*chunk)(rb_run *run, unsigned long n, rb_pass pass, void *ctx);
    int (*after_chunk)(rb_run *run, int measured, void *ctx); /* 1: helper clean */
    void *ctx;
    unsigned long units_per_chunk;
    int free_flushed_elsewhere;
} rb_pass_desc;

/* Runs `units` units in chunks.  measure = 0 is warm-up: no brackets,
 * samples dropped.  The chunks' durations are added to *time (may be
 * NULL).  0, or -1 when a chunk failed (the pass stops there). */
int rb_run_pass(rb_run *run, const rb_pass_desc *d, unsigned long units, rb_pass pass, int measure,
                rb_pass_time *time);

/* Workload bodies; 0 or -1 (allocation failure, thread start failure). */
int rb_workload_frames(rb_run *run);  /* 1, 4 and 5 */
int rb_workload_churn(rb_run *run);   /* 2 */
int rb_workload_xthread(rb_run *run); /* 3 */

/* Pins the calling thread to the first CPU it may use and other to the
 * second, when there are two; otherwise leaves both alone.  Set-up only. */
void rb_pin_pair(pthread_t other);

/* Spin-wait hint. */
static inline void rb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
