# file: src/alloc.c
# bug: an overflowing rta_calloc asks the system heap under RTA_FALLBACK_SYSTEM (doc/BAD-INPUT.md)
/^RTA_API void \*rta_calloc(/,/^}/ s/^    if (__builtin_mul_overflow(n, size, &total)) {$/    if (__builtin_mul_overflow(n, size, \&total) \&\& (h->flags \& RTA_FALLBACK_SYSTEM)) {\n        void *q = rta__os_system_malloc(SIZE_MAX);\n        (void)q;\n    }\n&/
