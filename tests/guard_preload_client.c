/* guard_preload_client: an ordinary program that marks an RT section with
 * librtalloc but does not link the guard.  The preload test runs it with
 * and without LD_PRELOAD of librtalloc_guard.
 *
 *   guard_preload_client N    N malloc/free pairs inside one section
 *
 * Prints "rt system-heap calls: C" (2N under the guard, 0 without).  The
 * allocating function is static, so a trap report can only give its
 * module+offset: the test resolves that with addr2line. */
#include <stdio.h>
#include <stdlib.h>

#include "rtalloc.h"

static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;

static __attribute__((noinline)) void rt_work_static(int n)
{
    for (int i = 0; i < n; i++)
        sys_free(sys_malloc(48));
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    rta_rt_enter();
    rt_work_static(n);
    rta_rt_leave();
    printf("rt system-heap calls: %llu\n", (unsigned long long)rta_rt_system_allocs());
    return 0;
}
