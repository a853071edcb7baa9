# file: src/arena.c
# bug: an arena overflow asks the system heap (doc/BAD-INPUT.md: never, even with RTA_FALLBACK_SYSTEM)
/^static void overflow(/,/^}/ s/^    atomic_fetch_add_explicit(&a->overflows, 1, memory_order_relaxed);$/&\n    if (a->heap->flags \& RTA_FALLBACK_SYSTEM)\n        rta__os_system_free(rta__os_system_malloc(64));/
