# file: src/alloc.c
# bug: rta_free does nothing (it passed both JACK demo tests, issue 18)
/^RTA_API void rta_free(rta_heap \*h, void \*p)$/,/^}/ {
    s/^    if (p && h)$/    if (p \&\& h \&\& p == NULL)/
    s/^    free_fast(h, p, SIZE_MAX);$/    (void)h;\n    (void)p;/
}
