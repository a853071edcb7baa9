/* Real-time sections: per-thread nesting depth and the count of
 * system-heap calls librtalloc_guard saw inside them.
 *
 * The state is one small initial-exec thread-local struct, so every call
 * here is a few instructions with no function call into libc, no lock and
 * no allocation: the guard calls rta_rt_note_system_alloc() from inside
 * its malloc, where anything that could allocate would recurse.  Dynamic
 * TLS (__tls_get_addr) is avoided for the same reason: its first use in a
 * thread may call malloc. */
#include "internal.h"

static __thread struct rta__rt_state rt_state __attribute__((tls_model("initial-exec")));

struct rta__rt_state *rta__rt_self(void)
{
    return &rt_state;
}

RTA_API void rta_rt_enter(void)
{
    rt_state.depth++;
}

RTA_API void rta_rt_leave(void)
{
    /* An unbalanced leave must not wrap the depth to "inside forever". */
    if (rt_state.depth > 0)
        rt_state.depth--;
}

RTA_API int rta_rt_active(void)
{
    return rt_state.depth > 0;
}

RTA_API uint64_t rta_rt_system_allocs(void)
{
    return rt_state.system_allocs;
}

RTA_API uint64_t rta_rt_note_system_alloc(void)
{
    /* rtalloc's own fallback is counted by the heap (fallbacks), not here. */
    if (rt_state.depth == 0 || rt_state.in_fallback)
        return 0;
    return ++rt_state.system_allocs;
}
