/* Traps: a call of the heap's on_trap handler, or the default report.
 * The default report is async-signal-safe: a preformatted buffer written
 * with write(2) and backtrace_symbols_fd (backtrace() was primed at
 * create, so it does not allocate here), then abort().  A leak found by
 * rta_heap_destroy traps too: in debug mode a leak is a bug to fix. */
#include "internal.h"

#include <stdlib.h>

static const char *const trap_names[] = {
    [RTA_TRAP_FALLBACK] = "fallback to the system heap",
    [RTA_TRAP_EXHAUSTED] = "pool exhausted (NULL returned)",
    [RTA_TRAP_DOUBLE_FREE] = "double free",
    [RTA_TRAP_FOREIGN_FREE] = "free of a pointer this heap did not hand out",
    [RTA_TRAP_INTERIOR_FREE] = "free of an interior pointer",
    [RTA_TRAP_ARENA_OVERFLOW] = "arena overflow",
    [RTA_TRAP_SIZE_MISMATCH] = "rta_free_sized with a size of another class",
    [RTA_TRAP_LEAK] = "live blocks at rta_heap_destroy",
};

RTA_API const char *rta_trap_name(int kind)
{
    if (kind < 0 || kind >= (int)(sizeof trap_names / sizeof trap_names[0]) || !trap_names[kind])
        return "unknown trap";
    return trap_names[kind];
}

/* The report of a trap on stderr: the headline after `prefix`, then the
 * stack, with write(2) from a stack buffer (the trap may fire inside a
 * real-time section or with the system heap broken). */
void rta__trap_report(const char *prefix, const rta_trap_info *info)
{
    struct rta__fmt f = {.len = 0};
    rta__fmt_str(&f, prefix);
    rta__fmt_str(&f, rta_trap_name(info->kind));
    if (info->size) {
        rta__fmt_str(&f, ", size ");
        rta__fmt_u64(&f, info->size);
    }
    if (info->ptr) {
        rta__fmt_str(&f, ", pointer ");
        rta__fmt_hex(&f, (uintptr_t)info->ptr);
    }
    rta__fmt_str(&f, "\nrtalloc: stack trace:\n");
    rta__fmt_flush(&f, 2);
    rta__os_write_backtrace(2);
}

void rta__trap(const struct rta_heap *h, int kind, size_t size, const void *ptr)
{
    rta_trap_info info = {.kind = kind, .size = size, .ptr = ptr};
    if (h->on_trap) {
        h->on_trap(&info, h->trap_user);
        return;
    }
    rta__trap_report("rtalloc: trap: ", &info);
    abort();
}
