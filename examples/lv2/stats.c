/* The statistics line written at cleanup (not real-time) when the
 * environment asks for it: RTALLOC_LV2_STATS=stderr, or a file path
 * (appended to, so several instances each leave a line).  Tests read it;
 * a user sees what the instance did and that run() stayed off the system
 * heap. */
#include "synth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void synth_write_stats(const struct synth *s)
{
    const char *where = getenv("RTALLOC_LV2_STATS");
    if (!where || !*where)
        return;
    FILE *f = strcmp(where, "stderr") ? fopen(where, "a") : stderr;
    if (!f)
        return;
    rta_stats st;
    rta_stats_get(s->heap, &st);
    const struct synth_counters *c = &s->c;
    fprintf(f,
            "rtalloc-synth: runs=%" PRIu64 " arena_resets=%" PRIu64 " notes=%" PRIu64
            " voice_allocs=%" PRIu64 " voice_frees=%" PRIu64 " voice_steals=%" PRIu64
            " tables=%" PRIu64 " table_requests=%" PRIu64 " pool_failures=%" PRIu64
            " naughty_calls=%" PRIu64 " rt_system_calls=%" PRIu64 " heap_allocs=%" PRIu64
            " heap_frees=%" PRIu64 " heap_remote_frees=%" PRIu64 " heap_bytes_live=%zu"
            " heap_failures=%" PRIu64 " heap_fallbacks=%" PRIu64 " arena_peak=%zu\n",
            c->runs, c->arena_resets, c->notes, c->voice_allocs, c->voice_frees, c->voice_steals,
            c->tables, c->table_requests, c->pool_failures, c->naughty_calls, c->rt_system_calls,
            st.allocs, st.frees, st.remote_frees, st.bytes_live, st.failures, st.fallbacks,
            st.frame_arena.peak);
    if (f != stderr)
        fclose(f);
}
