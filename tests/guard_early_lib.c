/* libguard_early: a library preloaded after librtalloc_guard in
 * LD_PRELOAD, so its constructor runs before the guard's.  The
 * constructor starts a thread that allocates inside an RT section and
 * waits for it: the guard must count (or trap) those calls although it has
 * not been set up yet, and the thread started before it did.
 *
 * Prints "early thread rt system-heap calls: N" from the constructor. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rtalloc.h"

static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;
static uint64_t early_count;

static void *early_thread(void *unused)
{
    (void)unused;
    rta_rt_enter();
    for (int i = 0; i < 10; i++)
        sys_free(sys_malloc(32));
    rta_rt_leave();
    early_count = rta_rt_system_allocs();
    return NULL;
}

__attribute__((constructor)) static void start_early_thread(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, early_thread, NULL) != 0)
        return;
    pthread_join(t, NULL);
    printf("early thread rt system-heap calls: %llu\n", (unsigned long long)early_count);
    fflush(stdout);
}
