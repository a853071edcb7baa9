/* The guard's side of rtsection/ (rtsection.h): a cycle of a watched
 * callback is an RT section, unless it is among the first
 * RTALLOC_GUARD_SKIP_CYCLES of its callback.  Each cycle's system-heap
 * calls (the difference of rta_rt_system_allocs across it) feed
 * process-wide counters, all lock-free atomics: cycles of each kind,
 * JACK process cycles that made calls, the worst one. */
#include "guard.h"

#include "rtsection.h"

static uint64_t sections[RTSECTION_KINDS];
static uint64_t direct_sections; /* rta_rt_enter calls seen (a flag) */
static void rta__guard_rt_enter(void);
static uint64_t cycles_with_calls, worst_cycle;

void rtsection_init(void)
{
    rta__guard_init_once();
}

int rtsection_wanted(void)
{
    return rta__guard_mode_now() != RTA_GUARD_OFF;
}

void rtsection_busy(int delta)
{
    rta__guard_tls.busy += (unsigned)delta;
}

void rtsection_say(const char *line)
{
    rta__guard_say(line);
}

void rtsection_cycle_begin(struct rtsection_cycle *c)
{
    c->entered = 0;
    if (rta__guard_mode_now() == RTA_GUARD_OFF)
        return;
    if (c->index < rta__guard_skip_cycles)
        return;
    c->entered = 1;
    c->mark = rta_rt_system_allocs();
    rta__guard_rt_enter();
}

static int is_jack_cycle(int kind)
{
    return kind == RTSECTION_JACK_PROCESS || kind == RTSECTION_JACK_THREAD;
}

void rtsection_cycle_end(struct rtsection_cycle *c)
{
    if (!c->entered)
        return;
    rta_rt_leave();
    uint64_t calls = rta_rt_system_allocs() - c->mark;
    if ((unsigned)c->kind < RTSECTION_KINDS)
        __atomic_add_fetch(&sections[c->kind], 1, __ATOMIC_RELAXED);
    if (!calls || !is_jack_cycle(c->kind))
        return;
    __atomic_add_fetch(&cycles_with_calls, 1, __ATOMIC_RELAXED);
    uint64_t worst = __atomic_load_n(&worst_cycle, __ATOMIC_RELAXED);
    while (calls > worst &&
           !__atomic_compare_exchange_n(&worst_cycle, &worst, calls, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
        ;
}

void rta__guard_sections_forget(void)
{
    for (int k = 0; k < RTSECTION_KINDS; k++)
        __atomic_store_n(&sections[k], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&cycles_with_calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&worst_cycle, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&direct_sections, 0, __ATOMIC_RELAXED);
}

uint64_t rta__guard_sections(int kind)
{
    return __atomic_load_n(&sections[kind], __ATOMIC_RELAXED);
}

uint64_t rta__guard_sections_total(void)
{
    uint64_t n = 0;
    for (int k = 0; k < RTSECTION_KINDS; k++)
        n += rta__guard_sections(k);
    return n;
}

RTA_GUARD_API void rta_guard_jack_stats_get(rta_guard_jack_stats *out)
{
    out->cycles = rta__guard_sections(RTSECTION_JACK_PROCESS) +
                  rta__guard_sections(RTSECTION_JACK_THREAD);
    out->cycles_with_calls = __atomic_load_n(&cycles_with_calls, __ATOMIC_RELAXED);
    out->worst_cycle_calls = __atomic_load_n(&worst_cycle, __ATOMIC_RELAXED);
}

/* The program's own sections: rta_rt_enter is interposed only to know
 * that one ran, so that a summary with no call does not say "nothing
 * watched" about a program that marks its sections itself.  (A program
 * linked with librtalloc ahead of the guard calls librtalloc's directly;
 * its clean run then reads "nothing watched".) */
typedef void (*rt_enter_fn)(void);
static rt_enter_fn next_rt_enter;

RTA__GUARD_EXPORT void rta_rt_enter(void)
{
    if (!__atomic_load_n(&direct_sections, __ATOMIC_RELAXED))
        __atomic_store_n(&direct_sections, 1, __ATOMIC_RELAXED);
    rta__guard_rt_enter();
}

void rta__guard_sections_resolve(void)
{
    if (!__atomic_load_n(&next_rt_enter, __ATOMIC_ACQUIRE))
        __atomic_store_n(&next_rt_enter,
                         (rt_enter_fn)rtsection_next("rta_rt_enter", "librtalloc.so"),
                         __ATOMIC_RELEASE);
}

/* The guard's own sections enter librtalloc's directly (resolved at
 * start-up, which every setter of a watched callback runs first). */
static void rta__guard_rt_enter(void)
{
    rt_enter_fn f = __atomic_load_n(&next_rt_enter, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!f, 0)) {
        rta__guard_sections_resolve();
        f = __atomic_load_n(&next_rt_enter, __ATOMIC_ACQUIRE);
    }
    f();
}

uint64_t rta__guard_direct_sections(void)
{
    return __atomic_load_n(&direct_sections, __ATOMIC_RELAXED);
}
