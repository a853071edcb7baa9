/* Timer calibration: the TSC rate against CLOCK_MONOTONIC, and the
 * timer's own resolution and overhead.
 *
 * The rate is the ratio of TSC ticks to monotonic nanoseconds over a busy
 * interval (a busy wait, not a sleep, so the CPU is not parked in a deep
 * state that a non-invariant TSC might not count through).  The TSC is
 * only used when the CPU says it is invariant (constant_tsc and
 * nonstop_tsc in /proc/cpuinfo); otherwise the monotonic clock is. */
#include "config.h"

#include "rtabench_timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rb_timer_use_tsc;

static int cpu_has_invariant_tsc(void)
{
#if RB_HAVE_TSC
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int constant = 0, nonstop = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        constant = strstr(line, " constant_tsc") != NULL;
        nonstop = strstr(line, " nonstop_tsc") != NULL;
        break;
    }
    fclose(f);
    return constant && nonstop;
#else
    return 0;
#endif
}

void rb_timer_calibrate(rb_timer *t, int want_tsc, unsigned calib_ms)
{
    memset(t, 0, sizeof *t);
    rb_timer_use_tsc = want_tsc && cpu_has_invariant_tsc();
    t->use_tsc = rb_timer_use_tsc;
    t->ticks_per_ns = 1.0;
    if (t->use_tsc) {
        uint64_t ns0 = rb_monotonic_ns(), tk0 = rb_ticks_begin();
        uint64_t ns1, tk1;
        do {
            ns1 = rb_monotonic_ns();
        } while (ns1 - ns0 < (uint64_t)calib_ms * 1000000u);
        tk1 = rb_ticks_end();
        ns1 = rb_monotonic_ns();
        t->ticks_per_ns = (double)(tk1 - tk0) / (double)(ns1 - ns0);
    }
    rb_timer_measure_self(t);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void rb_timer_measure_self(rb_timer *t)
{
    enum { N = 100001 };
    static uint64_t empty[N];
    uint64_t resolution = UINT64_MAX, prev = rb_ticks_raw();
    for (int i = 0; i < N; i++) {
        uint64_t now = rb_ticks_raw();
        if (now != prev && now - prev < resolution)
            resolution = now - prev;
        prev = now;
    }
    for (int i = 0; i < N; i++) {
        uint64_t a = rb_ticks_begin();
        uint64_t b = rb_ticks_end();
        empty[i] = b - a;
    }
    qsort(empty, N, sizeof empty[0], cmp_u64);
    t->overhead_ticks = empty[N / 2];
    t->resolution_ticks = resolution == UINT64_MAX ? 1 : resolution;
}

void rb_timer_adopt(rb_timer *t, int use_tsc, double ticks_per_ns, uint64_t overhead,
                    uint64_t resolution)
{
    rb_timer_use_tsc = use_tsc;
    t->use_tsc = use_tsc;
    t->ticks_per_ns = ticks_per_ns;
    t->overhead_ticks = overhead;
    t->resolution_ticks = resolution;
}
