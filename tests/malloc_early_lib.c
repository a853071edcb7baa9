/* libmalloc_early: preloaded after librtalloc_malloc, so its constructor
 * runs before the one that makes the process heap: the blocks it
 * allocates there (and strdup's) are glibc's.  Its destructor,
 * at exit, checks that they kept their contents, resizes and measures
 * them, frees them through librtalloc_malloc, and that a block allocated
 * now comes from the pools.  It prints one line for tests/malloc_early.sh:
 *
 *   early: N blocks, P pooled, contents kept, resized, freed; now pooled: 1 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

#define N 100

static unsigned char *early[N];
static char *early_text;

static size_t size_of(int i)
{
    return 16 + (size_t)i * 40;
}

__attribute__((constructor)) static void allocate_early(void)
{
    for (int i = 0; i < N; i++) {
        early[i] = malloc(size_of(i));
        if (early[i])
            memset(early[i], i, size_of(i));
    }
    /* libc's own allocations, made through malloc all the same. */
    early_text = strdup("made before the process heap");
}

__attribute__((destructor)) static void check_early(void)
{
    rta_heap *h = rta_process_heap();
    int pooled = 0, kept = 1, resized = 1;
    for (int i = 0; i < N; i++) {
        if (!early[i]) {
            kept = 0;
            continue;
        }
        pooled += rta_owns(h, early[i]);
        for (size_t k = 0; k < size_of(i); k++)
            kept &= early[i][k] == (unsigned char)i;
        if (malloc_usable_size(early[i]) < size_of(i))
            resized = 0;
        unsigned char *r = realloc(early[i], 2 * size_of(i));
        if (!r || r[0] != (unsigned char)i || r[size_of(i) - 1] != (unsigned char)i)
            resized = 0;
        free(r ? r : early[i]);
    }
    if (!early_text || strcmp(early_text, "made before the process heap") != 0)
        kept = 0;
    free(early_text);
    void *now = malloc(100);
    printf("early: %d blocks, %d pooled, contents %s, %s, freed; now pooled: %d\n", N, pooled,
           kept ? "kept" : "LOST", resized ? "resized" : "NOT RESIZED", rta_owns(h, now));
    free(now);
    fflush(stdout);
}
