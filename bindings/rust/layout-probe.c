/* Prints the C layout of the structs the Rust crate mirrors (src/ffi.rs),
 * as name=value words; the crate's layout test compares them with its own
 * (bindings/rust/cargo-test.sh passes them in RTALLOC_C_LAYOUT). */
#include <rtalloc.h>
#include <stddef.h>
#include <stdio.h>

#define SHOW(name, value) printf("%s=%zu ", name, (size_t)(value))

int main(void)
{
    SHOW("config.size", sizeof(rta_config));
    SHOW("config.flags", offsetof(rta_config, flags));
    SHOW("config.memory", offsetof(rta_config, memory));
    SHOW("config.on_trap", offsetof(rta_config, on_trap));
    SHOW("config.trap_user", offsetof(rta_config, trap_user));
    SHOW("config.low_water_bytes", offsetof(rta_config, low_water_bytes));
    SHOW("class_stats.size", sizeof(rta_class_stats));
    SHOW("arena_stats.size", sizeof(rta_arena_stats));
    SHOW("arena_stats.overflows", offsetof(rta_arena_stats, overflows));
    SHOW("stats.size", sizeof(rta_stats));
    SHOW("stats.bad_frees", offsetof(rta_stats, bad_frees));
    SHOW("stats.memory_locked", offsetof(rta_stats, memory_locked));
    SHOW("stats.n_classes", offsetof(rta_stats, n_classes));
    SHOW("stats.classes", offsetof(rta_stats, classes));
    SHOW("stats.frame_arena", offsetof(rta_stats, frame_arena));
    SHOW("stats.pool_bytes_free", offsetof(rta_stats, pool_bytes_free));
    SHOW("stats.threads_attached", offsetof(rta_stats, threads_attached));
    SHOW("stats.threads_peak", offsetof(rta_stats, threads_peak));
    SHOW("stats.profile", offsetof(rta_stats, profile));
    SHOW("stats.span_bytes", offsetof(rta_stats, span_bytes));
    SHOW("stats.spans_peak", offsetof(rta_stats, spans_peak));
    SHOW("stats.arena_pool_bytes", offsetof(rta_stats, arena_pool_bytes));
    printf("max_classes=%d\n", RTA_MAX_CLASSES);
    return 0;
}
