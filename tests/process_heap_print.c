/* Prints what rta_process_heap() made of RTALLOC_OPTIONS, for
 * tests/process_options.sh: one "key value" line per figure the options
 * set, and whether every thread got the same heap. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rtalloc.h"

#define THREADS 4

static void *heap_of_thread(void *unused)
{
    (void)unused;
    return rta_process_heap();
}

int main(void)
{
    pthread_t t[THREADS];
    void *seen[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, heap_of_thread, NULL) != 0)
            return 2;
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], &seen[i]);
    rta_heap *h = rta_process_heap();
    int same = 1;
    for (int i = 0; i < THREADS; i++)
        same &= seen[i] == (void *)h;
    printf("same heap in every thread: %d\n", same);
    if (!h) {
        printf("heap: none\n");
        return rta_process_heap() == NULL ? 0 : 3;
    }
    rta_stats st;
    rta_stats_get(h, &st);
    void *big = rta_malloc(h, 64 << 10);
    printf("pool free: %zu\n", st.pool_bytes_free);
    printf("arena: %zu\n", st.frame_arena.capacity);
    printf("largest class: %zu\n", st.classes[st.n_classes - 1].block_size);
    printf("locked: %d\n", st.memory_locked);
    printf("64K pooled: %d\n", big != NULL);
    rta_free(h, big);
    /* Threads: claim caches until one is refused. */
    return 0;
}
