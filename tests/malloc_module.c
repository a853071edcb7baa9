/* A module for check_malloc's dlopen test: it allocates in its
 * constructor, frees in its destructor, and has a thread-local variable
 * (dynamic TLS, which the loader allocates with malloc on first use). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int calls;
static char *made_at_load;

__attribute__((constructor)) static void module_start(void)
{
    made_at_load = malloc(100);
    if (made_at_load)
        strcpy(made_at_load, "loaded");
}

__attribute__((destructor)) static void module_stop(void)
{
    free(made_at_load);
}

char *malloc_module_make(int n);
char *malloc_module_make(int n)
{
    char *s = malloc(64);
    if (s)
        snprintf(s, 64, "module %d %d %s", n, ++calls, made_at_load ? made_at_load : "?");
    return s;
}
