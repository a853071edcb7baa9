/* Per-operation timer of the benchmark.
 *
 * On x86-64 the time stamp counter is read with fences around it, so the
 * measured instructions cannot drift out of the interval; elsewhere (or
 * with --clock=monotonic) CLOCK_MONOTONIC stands in.  Ticks become
 * nanoseconds with a rate calibrated against CLOCK_MONOTONIC once, in the
 * driver, and handed to every child so all allocators share one scale.
 * The timer's own resolution (smallest step it shows) and overhead (an
 * empty interval) are measured and printed beside the results, because on
 * a virtual machine the TSC advances in coarse steps. */
#ifndef RTABENCH_TIMER_H
#define RTABENCH_TIMER_H

#include <stdint.h>
#include <time.h>

typedef struct rb_timer {
    int use_tsc;               /* 1: TSC, 0: CLOCK_MONOTONIC (ticks are ns) */
    double ticks_per_ns;       /* calibrated rate */
    uint64_t overhead_ticks;   /* median of an empty interval */
    uint64_t resolution_ticks; /* smallest non-zero step between two reads */
} rb_timer;

/* Chosen at start-up; read on every measurement (a branch that always
 * goes the same way costs nothing measurable). */
extern int rb_timer_use_tsc;

static inline uint64_t rb_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define RB_HAVE_TSC 1
/* lfence before: earlier instructions are done; after: later ones have
 * not started.  cpuid would serialise harder but traps to the hypervisor
 * on a VM (microseconds), so it is not used. */
static inline uint64_t rb_ticks_begin(void)
{
    if (rb_timer_use_tsc) {
        uint32_t lo, hi;
        __asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
        return ((uint64_t)hi << 32) | lo;
    }
    return rb_monotonic_ns();
}
/* Unfenced read, only to find the smallest step the clock shows. */
static inline uint64_t rb_ticks_raw(void)
{
    if (rb_timer_use_tsc) {
        uint32_t lo, hi;
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        return ((uint64_t)hi << 32) | lo;
    }
    return rb_monotonic_ns();
}
/* rdtscp waits for the measured instructions; the lfence keeps what
 * follows out of the interval. */
static inline uint64_t rb_ticks_end(void)
{
    if (rb_timer_use_tsc) {
        uint32_t lo, hi, aux;
        __asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
        return ((uint64_t)hi << 32) | lo;
    }
    return rb_monotonic_ns();
}
#else
#define RB_HAVE_TSC 0
static inline uint64_t rb_ticks_begin(void)
{
    return rb_monotonic_ns();
}
static inline uint64_t rb_ticks_end(void)
{
    return rb_monotonic_ns();
}
static inline uint64_t rb_ticks_raw(void)
{
    return rb_monotonic_ns();
}
#endif

/* Picks the clock (want_tsc and the CPU allows it) and calibrates the rate
 * over about calib_ms milliseconds.  Not for the measured phase. */
void rb_timer_calibrate(rb_timer *t, int want_tsc, unsigned calib_ms);
/* Measures resolution and overhead of the clock already chosen. */
void rb_timer_measure_self(rb_timer *t);
/* Uses a rate and overhead measured elsewhere (the driver's). */
void rb_timer_adopt(rb_timer *t, int use_tsc, double ticks_per_ns, uint64_t overhead,
                    uint64_t resolution);

static inline double rb_ticks_to_ns(const rb_timer *t, double ticks)
{
    return ticks / t->ticks_per_ns;
}

#endif
