/* guard-overhead: what librtalloc_guard adds to a malloc/free pair made
 * outside RT sections, as a ratio to glibc without the guard, measured in
 * the same process and run.
 *
 * The baseline calls glibc's own entry points (__libc_malloc/__libc_free,
 * what the guard forwards to); the guarded case calls malloc/free, which
 * this program's link makes the guard's.  Both go through volatile
 * function pointers, so the compiler can elide neither.  The machine is
 * shared, so the two are measured in many short rounds, back to back and
 * in alternating order, and the figure is the median of the per-round
 * ratios: a burst of other work hits both halves of a round alike.
 *
 *   guard-overhead [PAIRS_PER_ROUND [ROUNDS]]   (defaults 20000, 301) */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rtalloc_guard.h"

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double round_ns(malloc_fn volatile *m, free_fn volatile *f, long pairs)
{
    double t0 = now_ns();
    for (long i = 0; i < pairs; i++) {
        void *p = (*m)(64);
        (*f)(p);
    }
    return (now_ns() - t0) / (double)pairs;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    long pairs = argc > 1 ? atol(argv[1]) : 20000;
    int rounds = argc > 2 ? atoi(argv[2]) : 301;
    malloc_fn volatile libc_m = __libc_malloc, guard_m = malloc;
    free_fn volatile libc_f = __libc_free, guard_f = free;

    if (pairs < 1 || rounds < 1) {
        fprintf(stderr, "usage: guard-overhead [PAIRS_PER_ROUND [ROUNDS]]\n");
        return 2;
    }
    if (!rta_guard_interposed()) {
        fprintf(stderr, "guard-overhead: malloc is not the guard's here (a sanitizer?)\n");
        return 77;
    }
    double *libc_ns = malloc((size_t)rounds * sizeof(double));
    double *guard_ns = malloc((size_t)rounds * sizeof(double));
    double *ratio = malloc((size_t)rounds * sizeof(double));
    if (!libc_ns || !guard_ns || !ratio)
        return 1;
    (void)round_ns(&libc_m, &libc_f, pairs); /* warm the heap and caches */
    (void)round_ns(&guard_m, &guard_f, pairs);
    for (int r = 0; r < rounds; r++) {
        if (r % 2) {
            libc_ns[r] = round_ns(&libc_m, &libc_f, pairs);
            guard_ns[r] = round_ns(&guard_m, &guard_f, pairs);
        } else {
            guard_ns[r] = round_ns(&guard_m, &guard_f, pairs);
            libc_ns[r] = round_ns(&libc_m, &libc_f, pairs);
        }
        ratio[r] = guard_ns[r] / libc_ns[r];
    }
    double mr = median(ratio, rounds);
    double ml = median(libc_ns, rounds), mg = median(guard_ns, rounds);
    printf("malloc(64)+free outside RT sections, %d rounds of %ld pairs, medians:\n", rounds,
           pairs);
    printf("  glibc (no guard): %.2f ns/pair\n", ml);
    printf("  with the guard:   %.2f ns/pair\n", mg);
    printf("  ratio guard/glibc (median of per-round ratios): %.3f\n", mr);
    free(libc_ns);
    free(guard_ns);
    free(ratio);
    return 0;
}
