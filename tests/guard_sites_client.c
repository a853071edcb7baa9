/* guard_sites_client: a plain program (librtalloc and libguard_host, not
 * the guard) whose one RT section calls from known sites, for the tests
 * of attribution and suppressions (guard_sites.sh).
 *
 *   guard_sites_client N [fork]
 *
 * In one section: host_ask() N times (libguard_host: calloc+free),
 * hot_site() N times (malloc+free), cold_site() once (calloc+free) and
 * use_regex() once (regcomp+regfree: many calls inside libc, one site).
 * Prints "rt system-heap calls: C", the thread's count.  With "fork", a
 * child forked after the section runs cold_site alone in a section of
 * its own (2 calls) and exits; the parent waits for it. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtalloc.h"

void host_ask(void);

static void *(*volatile sys_malloc)(size_t) = malloc;
static void *(*volatile sys_calloc)(size_t, size_t) = calloc;
static void (*volatile sys_free)(void *) = free;

static __attribute__((noinline)) void hot_site(void)
{
    sys_free(sys_malloc(40));
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

static __attribute__((noinline)) void cold_site(void)
{
    sys_free(sys_calloc(3, 8));
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void use_regex(void)
{
    regex_t re;
    if (regcomp(&re, "^(a|b)+[0-9]*x$", REG_EXTENDED) == 0)
        regfree(&re);
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    rta_rt_enter();
    for (int i = 0; i < n; i++)
        host_ask();
    for (int i = 0; i < n; i++)
        hot_site();
    cold_site();
    use_regex();
    rta_rt_leave();
    printf("rt system-heap calls: %llu\n", (unsigned long long)rta_rt_system_allocs());
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "fork") == 0) {
        pid_t child = fork();
        if (child == 0) {
            rta_rt_enter();
            cold_site();
            rta_rt_leave();
            exit(0);
        }
        int status;
        waitpid(child, &status, 0);
        printf("child: %d\n", (int)child);
    }
    return 0;
}
