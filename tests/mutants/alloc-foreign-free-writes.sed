# file: src/alloc.c
# bug: a free of a foreign pointer writes to it (issue 18)
/^static void bad_free(/,/^}/ s/^    atomic_fetch_add_explicit(&h->bad_frees, 1, memory_order_relaxed);$/&\n    if (kind == RTA_TRAP_FOREIGN_FREE)\n        *(volatile char *)p = 0;/
