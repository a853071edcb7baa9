/* The guard's state: its mode, its counters, start-up, and the public
 * rta_guard_* controls.
 *
 * Start-up runs from the library's constructor, or earlier from the first
 * call that needs it (a call in an RT section before constructors ran).
 * It reads the RTALLOC_GUARD* variables, looks up the next
 * definitions of what cannot be forwarded to a __libc_* entry point, and
 * primes backtrace().  Until then the mode is trap, the documented default.
 *
 * The counters are process-wide atomics touched only on the cold path (a
 * call inside an RT section); per-thread counts live in librtalloc
 * (rta_rt_system_allocs), which the guard feeds through
 * rta_rt_note_system_alloc. */
#include "guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>

__thread struct rta__guard_thread rta__guard_tls __attribute__((tls_model("initial-exec")));
int rta__guard_mode_var = RTA_GUARD_TRAP;
int rta__guard_strict_var;
int rta__guard_allow_free;
uint64_t rta__guard_skip_cycles;

static int init_state; /* 0 not started, 1 running, 2 done */
static uint64_t heap_calls, blocking_calls;

static int parse_mode(const char *s)
{
    if (!s || !*s || strcmp(s, "trap") == 0)
        return RTA_GUARD_TRAP;
    if (strcmp(s, "count") == 0)
        return RTA_GUARD_COUNT;
    if (strcmp(s, "log") == 0)
        return RTA_GUARD_LOG;
    if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
        return RTA_GUARD_OFF;
    static const char msg[] =
        "rtalloc-guard: unknown RTALLOC_GUARD value (trap, count, log or off): using trap\n";
    rta__guard_write_all(2, msg, sizeof msg - 1);
    return RTA_GUARD_TRAP;
}

void rta__guard_init_once(void)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return; /* done, or running on another thread: the defaults hold */
    rta__guard_tls.busy++;
    int mode = parse_mode(getenv("RTALLOC_GUARD"));
    const char *strict = getenv("RTALLOC_GUARD_STRICT");
    __atomic_store_n(&rta__guard_strict_var, strict && strcmp(strict, "1") == 0,
                     __ATOMIC_RELAXED);
    const char *allow = getenv("RTALLOC_GUARD_ALLOW");
    if (allow && *allow) {
        if (strcmp(allow, "free") == 0)
            __atomic_store_n(&rta__guard_allow_free, 1, __ATOMIC_RELAXED);
        else
            rta__guard_say("RTALLOC_GUARD_ALLOW: only \"free\" is known: ignored\n");
    }
    rta__guard_report_init();
    rta__guard_sites_init();
    rta__guard_suppress_load(getenv("RTALLOC_GUARD_SUPPRESS"));
    rta__guard_summary_init(getenv("RTALLOC_GUARD_EXIT_CODE"), mode);
    rta__guard_alloc_resolve();
    rta__guard_cxx_resolve();
    rta__guard_strict_resolve();
    rta__guard_sections_resolve();
    const char *skip = getenv("RTALLOC_GUARD_SKIP_CYCLES");
    if (skip)
        rta__guard_skip_cycles = strtoull(skip, NULL, 10);
    __atomic_store_n(&rta__guard_mode_var, mode, __ATOMIC_RELAXED);
    if (mode == RTA_GUARD_LOG)
        rta__guard_log_start();
    rta__guard_tls.busy--;
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void guard_start(void)
{
    rta__guard_init_once();
}

void rta__guard_hit(const struct rta__guard_call *call, uintptr_t a, uintptr_t b, uintptr_t c,
                    uint64_t thread_count, const void *ra)
{
    const uintptr_t args[3] = {a, b, c};
    rta__guard_tls.busy++;
    rta__guard_init_once();
    __atomic_add_fetch(call->blocking ? &blocking_calls : &heap_calls, 1, __ATOMIC_RELAXED);
    int mode = rta__guard_mode_now();
    if (mode == RTA_GUARD_TRAP && !rta__guard_suppress_any())
        rta__guard_trap(call, args, thread_count, NULL);
    int fresh;
    struct rta__guard_site *site = rta__guard_site_hit(call, ra, args, thread_count, &fresh);
    if (mode == RTA_GUARD_TRAP) {
        /* Symbolized here, once per site: trap mode is on its way to
         * abort() unless the site is suppressed. */
        if (!site || rta__guard_site_verdict(site) != RTA__VERDICT_SUPPRESSED)
            rta__guard_trap(call, args, thread_count, site);
    } else if (mode == RTA_GUARD_LOG && site && fresh) {
        rta__guard_log_push(site);
    }
    rta__guard_tls.busy--;
}

void rta__guard_forget_counts(void)
{
    __atomic_store_n(&heap_calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&blocking_calls, 0, __ATOMIC_RELAXED);
    rta__guard_sites_forget();
    rta__guard_sections_forget();
}

RTA_GUARD_API int rta_guard_mode(void)
{
    return rta__guard_mode_now();
}

RTA_GUARD_API int rta_guard_set_mode(int mode)
{
    if (mode < RTA_GUARD_OFF || mode > RTA_GUARD_TRAP)
        return -1;
    rta__guard_init_once();
    if (mode == RTA_GUARD_LOG)
        rta__guard_log_start();
    return __atomic_exchange_n(&rta__guard_mode_var, mode, __ATOMIC_RELAXED);
}

RTA_GUARD_API int rta_guard_set_strict(int on)
{
    rta__guard_init_once();
    return __atomic_exchange_n(&rta__guard_strict_var, on != 0, __ATOMIC_RELAXED);
}

RTA_GUARD_API uint64_t rta_guard_heap_calls(void)
{
    return __atomic_load_n(&heap_calls, __ATOMIC_RELAXED);
}

RTA_GUARD_API uint64_t rta_guard_blocking_calls(void)
{
    return __atomic_load_n(&blocking_calls, __ATOMIC_RELAXED);
}

extern void *rta__guard_own_malloc(size_t size) __attribute__((visibility("hidden")));

RTA_GUARD_API int rta_guard_interposed(void)
{
    return dlsym(RTLD_DEFAULT, "malloc") == (void *)&rta__guard_own_malloc;
}
