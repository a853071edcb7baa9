/* fork + threads stress of librtalloc_malloc (issue 15), linked before
 * libc so that malloc, free, calloc, realloc and posix_memalign here (and
 * in libc and pthread themselves) are the process heap's.
 *
 * Four threads allocate blocks of every size (pooled ones and ones above
 * max_block, which take the system path), stamp them, and swap them
 * through a shared table, so most frees are cross-thread; every block is
 * checked when it is freed or reallocated.  Meanwhile the main thread
 * forks again and again: each child, born while the threads held the
 * heap in every state, must be able to allocate, free the blocks it
 * inherited, start threads of its own and exit 0.  .ci/hardening.sh also
 * runs it under valgrind memcheck (valgrind replaces libc's malloc, not
 * this one: the process heap's own code is what memcheck checks then).
 *
 *   malloc_stress [--quiesce] [SECONDS]   (default RTA_MALLOC_STRESS_SECONDS or 5)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtalloc.h"

#define NT 4
#define SLOTS 128

static _Atomic(unsigned char *) slots[SLOTS];
static _Atomic int stop;
/* --quiesce (the valgrind run): the workers stop between calls at each
 * fork, so that no block is in flight in a register of a thread the child
 * will not have, and valgrind's leak check in the child stays exact. */
static int quiesce;
static _Atomic int pause_req, paused;
static _Atomic uint64_t calls;

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t pick_size(uint64_t r)
{
    static const size_t sizes[] = {1, 16, 24, 100, 256, 1000, 4096, 10000, 70000, 300000};
    return sizes[r % 10] + (r >> 32) % 16;
}

/* A block holds its size and, in its first and last bytes, a stamp. */
struct hdr {
    size_t size;
    uint64_t stamp;
};

static unsigned char *make_block(uint64_t r)
{
    size_t size = pick_size(r);
    if (size < sizeof(struct hdr) + 1)
        size = sizeof(struct hdr) + 1;
    unsigned char *p;
    switch ((r >> 8) % 4) {
    case 0:
        p = calloc(1, size);
        if (p)
            for (size_t i = 0; i < size; i++)
                if (p[i]) {
                    fprintf(stderr, "malloc_stress: calloc block not zeroed\n");
                    abort();
                }
        break;
    case 1: {
        void *q = NULL;
        p = posix_memalign(&q, (size_t)64 << ((r >> 12) % 6), size) == 0 ? q : NULL;
        break;
    }
    default:
        p = malloc(size);
        break;
    }
    if (!p) {
        fprintf(stderr, "malloc_stress: no memory for %zu bytes\n", size);
        abort();
    }
    struct hdr h = {size, r};
    memcpy(p, &h, sizeof h);
    p[size - 1] = (unsigned char)r;
    return p;
}

static void check_block(const unsigned char *p)
{
    struct hdr h;
    memcpy(&h, p, sizeof h);
    if (h.size < sizeof h + 1 || h.size > 400000 || p[h.size - 1] != (unsigned char)h.stamp) {
        fprintf(stderr, "malloc_stress: block %p changed while live\n", (const void *)p);
        abort();
    }
}

static unsigned char *grow(unsigned char *p, uint64_t r)
{
    struct hdr h;
    check_block(p);
    memcpy(&h, p, sizeof h);
    size_t size = pick_size(r);
    if (size < sizeof h + 1)
        size = sizeof h + 1;
    unsigned char *n = realloc(p, size);
    if (!n) {
        fprintf(stderr, "malloc_stress: realloc to %zu failed\n", size);
        abort();
    }
    h.size = size;
    h.stamp = r;
    memcpy(n, &h, sizeof h);
    n[size - 1] = (unsigned char)r;
    return n;
}

static void *worker(void *arg)
{
    uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ull | 1;
    while (!atomic_load(&stop)) {
        if (atomic_load(&pause_req)) {
            atomic_fetch_add(&paused, 1);
            while (atomic_load(&pause_req))
                sched_yield();
            atomic_fetch_sub(&paused, 1);
        }
        uint64_t r = rng(&s);
        unsigned char *p = (r & 7) == 0 ? NULL : make_block(r);
        unsigned char *old = atomic_exchange(&slots[(r >> 20) % SLOTS], p);
        if (old) {
            if ((r & 3) == 1) {
                old = grow(old, rng(&s));
                old = atomic_exchange(&slots[(r >> 40) % SLOTS], old);
                if (old) {
                    check_block(old);
                    free(old);
                }
            } else {
                check_block(old);
                free(old);
            }
        }
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

static void *child_worker(void *arg)
{
    uint64_t s = (uintptr_t)arg | 1;
    unsigned char *keep[32] = {0};
    for (int i = 0; i < 2000; i++) {
        uint64_t r = rng(&s);
        unsigned k = (unsigned)(r >> 50) % 32;
        if (keep[k]) {
            check_block(keep[k]);
            free(keep[k]);
        }
        keep[k] = make_block(r);
    }
    for (int k = 0; k < 32; k++)
        if (keep[k]) {
            check_block(keep[k]);
            free(keep[k]);
        }
    return NULL;
}

/* In the child: only this thread exists; the heap must work, blocks the
 * parent's threads held stay valid, and new threads get caches. */
static int child(void)
{
    alarm(60); /* a child stuck on a lock held at the fork dies, and fails */
    for (int i = 0; i < SLOTS; i++) {
        unsigned char *p = atomic_exchange(&slots[i], NULL);
        if (p) {
            check_block(p);
            free(p);
        }
    }
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        if (pthread_create(&th[t], NULL, child_worker, (void *)(uintptr_t)(t + 7)) != 0)
            return 3;
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    child_worker((void *)(uintptr_t)99);
    return 0;
}

int main(int argc, char **argv)
{
    const char *env = getenv("RTA_MALLOC_STRESS_SECONDS");
    if (argc > 1 && strcmp(argv[1], "--quiesce") == 0) {
        quiesce = 1;
        argc--;
        argv++;
    }
    double seconds = argc > 1 ? atof(argv[1]) : env ? atof(env) : 5;
    /* Under ASan or TSan their runtime defines malloc ahead of the
     * library: then there is nothing of ours to stress. */
    void *probe = malloc(32);
    int ours = rta_process_heap() && rta_owns(rta_process_heap(), probe);
    free(probe);
    if (!ours) {
        printf("malloc_stress: SKIP: malloc is not librtalloc_malloc's here (a sanitizer's "
               "runtime owns malloc, or the process heap could not be made)\n");
        return 77;
    }
    pthread_t th[NT];
    for (int t = 0; t < NT; t++)
        pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)(t + 1));
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned forks = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) * 1e-9 >= seconds)
            break;
        fflush(NULL);
        if (quiesce) {
            atomic_store(&pause_req, 1);
            while (atomic_load(&paused) < NT)
                sched_yield();
        }
        pid_t pid = fork();
        atomic_store(&pause_req, 0);
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0)
            _exit(child());
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "malloc_stress: child %u ended with status 0x%x\n", forks, status);
            return 1;
        }
        forks++;
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    atomic_store(&stop, 1);
    for (int t = 0; t < NT; t++)
        pthread_join(th[t], NULL);
    for (int i = 0; i < SLOTS; i++) {
        unsigned char *p = atomic_exchange(&slots[i], NULL);
        if (p) {
            check_block(p);
            free(p);
        }
    }
    printf("malloc_stress: passed: %llu calls on %d threads, %u forks, every child fine\n",
           (unsigned long long)atomic_load(&calls), NT, forks);
    return 0;
}
